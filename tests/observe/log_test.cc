#include "observe/log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace sluice::observe {
namespace {

constexpr int64_t kNoon = 1795521601123000;  // 2026-11-24T12:00:01.123Z

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

class LogTest : public ::testing::Test {
 protected:
  void UseStream(LogFormat format, Level level = Level::kInfo) {
    LogOptions opts;
    opts.level = level;
    opts.format = format;
    opts.stream = &out_;
    ASSERT_TRUE(InitLogging(opts).ok());
  }
  void TearDown() override {
    ClearSecrets();
    ASSERT_TRUE(InitLogging(LogOptions{}).ok());
  }

  std::ostringstream out_;
};

TEST_F(LogTest, ParsesLevels) {
  EXPECT_EQ(*ParseLevel("trace"), Level::kTrace);
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("INFO"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
  Result<Level> bad = ParseLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown log level 'verbose'; expected one of trace, debug, info, warn, error");
  EXPECT_FALSE(ParseLevel("").ok());
  EXPECT_STREQ(LevelName(Level::kWarn), "warn");
}

TEST_F(LogTest, FormatsJsonExactly) {
  const std::string line =
      FormatLogRecord(LogFormat::kJson, kNoon, Level::kWarn, "disk \"almost\" full\n",
                      {{"path", "/var/a b"},
                       {"free_bytes", int64_t{1024}},
                       {"ratio", 0.25},
                       {"ok", false},
                       {"count", 3},
                       {"ctl", std::string("a\tb\x01")},
                       {"inf", std::numeric_limits<double>::infinity()}});
  EXPECT_EQ(line,
            "{\"ts\":\"2026-11-24T12:00:01.123Z\",\"level\":\"warn\","
            "\"msg\":\"disk \\\"almost\\\" full\\n\",\"path\":\"/var/a b\",\"free_bytes\":1024,"
            "\"ratio\":0.25,\"ok\":false,\"count\":3,\"ctl\":\"a\\tb\\u0001\",\"inf\":\"inf\"}");
}

TEST_F(LogTest, FormatsTextForHumans) {
  const std::string line = FormatLogRecord(
      LogFormat::kText, kNoon, Level::kInfo, "serving metrics",
      {{"url", "http://127.0.0.1:9464/metrics"},
       {"note", "a b"},
       {"empty", ""},
       {"quote", "say \"hi\""},
       {"n", 42},
       {"rate", 1.5},
       {"done", true}});
  // Local time: check the shape of the clock, then the rest exactly.
  ASSERT_GE(line.size(), 24u);
  EXPECT_TRUE(std::regex_match(line.substr(0, 24),
                               std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.123 )")))
      << line;
  EXPECT_EQ(line.substr(24),
            "INFO  serving metrics url=http://127.0.0.1:9464/metrics note=\"a b\" empty=\"\" "
            "quote=\"say \\\"hi\\\"\" n=42 rate=1.5 done=true");
  const std::string multi =
      FormatLogRecord(LogFormat::kText, kNoon, Level::kError, "two\nlines", {});
  EXPECT_EQ(multi.substr(24), "ERROR two\\nlines");
}

TEST_F(LogTest, WritesJsonLinesToAStreamAndFiltersByLevel) {
  UseStream(LogFormat::kJson, Level::kInfo);
  LogDebug("hidden");
  LogInfo("shown", {{"k", "v"}});
  LogError("bad", {{"code", 7}});
  EXPECT_FALSE(LogEnabled(Level::kDebug));
  EXPECT_TRUE(LogEnabled(Level::kWarn));
  const std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  const std::regex json_line(
      R"(\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"info","msg":"shown","k":"v"\})");
  EXPECT_TRUE(std::regex_match(lines[0], json_line)) << lines[0];
  EXPECT_NE(lines[1].find("\"level\":\"error\",\"msg\":\"bad\",\"code\":7}"), std::string::npos)
      << lines[1];
}

TEST_F(LogTest, AutoFormatIsJsonWhenNotATerminal) {
  UseStream(LogFormat::kAuto);
  LogInfo("x");
  EXPECT_EQ(out_.str().rfind("{\"ts\":", 0), 0u) << out_.str();
}

TEST_F(LogTest, TextToAStream) {
  UseStream(LogFormat::kText, Level::kTrace);
  LogTrace("tiny", {{"a", 1}});
  const std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].substr(24), "TRACE tiny a=1");
}

TEST_F(LogTest, CallbackReceivesLinesWithoutNewline) {
  std::vector<std::string> got;
  LogOptions opts;
  opts.format = LogFormat::kJson;
  opts.callback = [&got](std::string_view line) { got.emplace_back(line); };
  ASSERT_TRUE(InitLogging(opts).ok());
  LogWarn("careful");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].back(), '}');
}

TEST_F(LogTest, RejectsStreamAndCallbackTogether) {
  LogOptions opts;
  opts.stream = &out_;
  opts.callback = [](std::string_view) {};
  Status st = InitLogging(opts);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not both"), std::string::npos);
}

TEST_F(LogTest, ScrubsSecretsFromEveryPartOfTheLine) {
  UseStream(LogFormat::kJson);
  RegisterSecret("hunter22");
  RegisterSecret("pa\"ss\\word");  // would be escaped in JSON: scrubbed before escaping
  RegisterSecret("abc");           // too short: ignored
  LogInfo("login with hunter22", {{"dsn", "postgres://u:hunter22@db/x"},
                                  {"hunter22", "key too"},
                                  {"other", "pa\"ss\\word"},
                                  {"short", "abc"}});
  const std::string text = out_.str();
  EXPECT_EQ(text.find("hunter22"), std::string::npos) << text;
  EXPECT_EQ(text.find("ss\\\\word"), std::string::npos) << text;
  EXPECT_NE(text.find("\"msg\":\"login with ***\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"dsn\":\"postgres://u:***@db/x\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"***\":\"key too\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"other\":\"***\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"short\":\"abc\""), std::string::npos) << text;

  out_.str("");
  UseStream(LogFormat::kText);
  LogWarn("again hunter22", {{"v", "x hunter22 y"}});
  EXPECT_EQ(out_.str().find("hunter22"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("again *** v=\"x *** y\""), std::string::npos) << out_.str();
}

TEST_F(LogTest, LongerSecretsWinOverShorterOnes) {
  RegisterSecret("token");
  RegisterSecret("token-extended");
  EXPECT_EQ(ScrubSecrets("a token-extended b token"), "a *** b ***");
  ClearSecrets();
  EXPECT_EQ(ScrubSecrets("a token"), "a token");
}

TEST_F(LogTest, ReconfiguringWhileLoggingLosesNoLines) {
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  LogOptions a;
  a.format = LogFormat::kJson;
  a.callback = [&first](std::string_view) { first.fetch_add(1); };
  LogOptions b = a;
  b.callback = [&second](std::string_view) { second.fetch_add(1); };
  ASSERT_TRUE(InitLogging(a).ok());
  constexpr int kThreads = 3;
  constexpr int kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) LogInfo("line", {{"thread", t}, {"i", i}});
    });
  }
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(InitLogging(i % 2 ? a : b).ok());
  for (auto& t : threads) t.join();
  EXPECT_EQ(first.load() + second.load(), kThreads * kLines);
}

}  // namespace
}  // namespace sluice::observe
