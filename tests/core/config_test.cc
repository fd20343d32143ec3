#include "core/config.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

ConfigValue At(std::string text, int line, int col) {
  return ConfigValue::Scalar(std::move(text), SourceLocation{"s.yaml", line, col});
}

TEST(OptionReaderTest, ReadsTypedValuesWithDefaults) {
  ConfigValue m = ConfigValue::Map({"s.yaml", 1, 1});
  m.Set("rate", At("500", 2, 7));
  m.Set("follow", At("yes", 3, 9));
  m.Set("poll", At("250ms", 4, 7));
  m.Set("format", At("csv", 5, 9));
  Diagnostics d;
  OptionReader r(m, &d);
  EXPECT_EQ(r.Int("rate", 0, 0, 1000000), 500);
  EXPECT_TRUE(r.Bool("follow", false));
  EXPECT_EQ(r.Duration("poll", 0), 250000);
  EXPECT_EQ(r.Enum("format", "ndjson", {"csv", "ndjson"}), "csv");
  EXPECT_EQ(r.String("missing", "dflt"), "dflt");
  EXPECT_EQ(r.Double("ratio", 0.5, 0, 1), 0.5);
  r.Finish();
  EXPECT_FALSE(d.has_errors()) << d.ToString();
}

TEST(OptionReaderTest, ReportsEveryProblemWithLocation) {
  ConfigValue m = ConfigValue::Map({"s.yaml", 1, 1});
  m.Set("rate", At("fast", 2, 7));
  m.Set("seed", At("-3", 3, 7));
  m.Set("formt", At("csv", 4, 1));
  m.Set("format", At("cvs", 5, 9));
  Diagnostics d;
  OptionReader r(m, &d);
  EXPECT_EQ(r.Int("rate", 7, 0, 100), 7);
  EXPECT_EQ(r.Int("seed", 42, 0, 100), 42);
  r.Enum("format", "ndjson", {"csv", "ndjson"});
  r.RequiredString("generator", "set it to shop or nexmark");
  r.Finish();
  const std::string all = d.ToString();
  EXPECT_NE(all.find("s.yaml:2:7: error: 'rate' must be an integer, found 'fast'"), std::string::npos) << all;
  EXPECT_NE(all.find("s.yaml:3:7: error: 'seed' is -3, outside the allowed range"), std::string::npos) << all;
  EXPECT_NE(all.find("s.yaml:5:9: error: 'format' has unknown value 'cvs' (did you mean 'csv'?)"), std::string::npos) << all;
  EXPECT_NE(all.find("s.yaml:1:1: error: missing required key 'generator' (set it to shop or nexmark)"), std::string::npos) << all;
  EXPECT_NE(all.find("s.yaml:4:1: error: unknown key 'formt' (did you mean 'format'?)"), std::string::npos) << all;
  EXPECT_EQ(d.items().size(), 5u);
  EXPECT_FALSE(d.ToStatus().ok());
}

TEST(OptionReaderTest, SecretsAreNotEchoed) {
  ConfigValue m = ConfigValue::Map();
  ConfigValue v = At("hunter2", 2, 3);
  v.secret = true;
  m.Set("port", v);
  Diagnostics d;
  OptionReader r(m, &d);
  r.Int("port", 1, 1, 65535);
  EXPECT_EQ(d.ToString().find("hunter2"), std::string::npos);
  EXPECT_NE(d.ToString().find("<secret>"), std::string::npos);
}

TEST(OptionReaderTest, NonMapAndListShapes) {
  Diagnostics d;
  ConfigValue scalar = At("oops", 1, 1);
  OptionReader r(scalar, &d);
  EXPECT_EQ(r.String("x", "f"), "f");
  EXPECT_NE(d.ToString().find("expected a map of options, found a value"), std::string::npos);

  ConfigValue m = ConfigValue::Map();
  ConfigValue list;
  list.kind = ConfigValue::Kind::kList;
  list.items.push_back(At("a", 1, 1));
  list.items.push_back(At("b", 2, 1));
  m.Set("paths", list);
  m.Set("single", At("c", 3, 1));
  Diagnostics d2;
  OptionReader r2(m, &d2);
  EXPECT_EQ(r2.StringList("paths"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r2.StringList("single"), (std::vector<std::string>{"c"}));
  EXPECT_EQ(r2.String("paths", "x"), "x");
  EXPECT_NE(d2.ToString().find("'paths' must be a single value, found a list"), std::string::npos);
}

TEST(DiagnosticsTest, Suggestions) {
  EXPECT_EQ(ClosestMatch("sinks", {"sink", "source", "name"}), "sink");
  EXPECT_EQ(ClosestMatch("zzzzzz", {"sink", "source"}), "");
  EXPECT_EQ(SuggestionHint("qq", {"a", "b"}), "expected one of: a, b");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("ABC", "abc"), 0);
}

}  // namespace
}  // namespace sluice
