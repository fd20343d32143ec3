#include "connectors/file_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "connectors/file_test_util.h"
#include "connectors/glob.h"

namespace sluice::connectors {
namespace {

using testing::TempDir;

ConfigValue S(std::string text, int line = 0) {
  return ConfigValue::Scalar(std::move(text), SourceLocation{"sources/s.yaml", line, 7});
}

struct Harness {
  TempDir dir;
  Diagnostics diag;
  std::vector<BadRecord> bad;
  ConnectorContext ctx;
  Harness() {
    ctx.name = "src";
    ctx.project_dir = dir.path();
    ctx.on_bad_record = [this](BadRecord r) { bad.push_back(std::move(r)); };
  }
  std::unique_ptr<Source> Make(ConfigValue& options) {
    OptionReader reader(options, &diag);
    auto s = MakeFileSource(reader, ctx);
    reader.Finish();
    return s;
  }
};

ConfigValue Options(const std::string& path) {
  ConfigValue m = ConfigValue::Map({"sources/s.yaml", 1, 1});
  m.Set("path", S(path, 2));
  return m;
}

ConfigValue IdNameColumns() {
  ConfigValue cols = ConfigValue::Map({"sources/s.yaml", 3, 1});
  cols.Set("id", S("BIGINT", 4));
  cols.Set("name", S("VARCHAR", 5));
  return cols;
}

// Reads until kEnd (or `max_calls`), returning the rows as text.
std::string Drain(Source* s, int max_calls = 1000) {
  std::string rows;
  for (int i = 0; i < max_calls; ++i) {
    std::vector<SourceBatch> out;
    auto st = s->Next(&out, connectors::kNoRecordLimit);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    if (!st.ok()) break;
    for (auto& b : out) rows += b.batch->ToString();
    if (*st == ReadState::kEnd) break;
  }
  return rows;
}

TEST(GlobTest, MatchesSegmentsClassesAndDoubleStar) {
  EXPECT_TRUE(GlobMatch("data/*.csv", "data/a.csv"));
  EXPECT_FALSE(GlobMatch("data/*.csv", "data/x/a.csv"));
  EXPECT_FALSE(GlobMatch("data/*.csv", "data/a.csv.tmp"));
  EXPECT_TRUE(GlobMatch("data/**/*.csv", "data/a.csv"));
  EXPECT_TRUE(GlobMatch("data/**/*.csv", "data/x/y/a.csv"));
  EXPECT_TRUE(GlobMatch("**", "a/b/c"));
  EXPECT_TRUE(GlobMatch("d/[ab]?.csv", "d/b1.csv"));
  EXPECT_FALSE(GlobMatch("d/[ab]?.csv", "d/c1.csv"));
  EXPECT_TRUE(GlobMatch("d/[!ab]*.csv", "d/c.csv"));
  EXPECT_TRUE(GlobMatch("d/[0-9].csv", "d/7.csv"));
  EXPECT_FALSE(GlobMatch("d/*.csv", "d/.hidden.csv"));
  EXPECT_TRUE(GlobMatch("d/.*.csv", "d/.hidden.csv"));
}

TEST(GlobTest, ExpandsSortedAcrossFolders) {
  TempDir dir;
  for (const char* f : {"data/b.csv", "data/a.csv", "data/sub/c.csv", "data/sub/deep/d.csv",
                        "data/x.json", "data/.tmp.csv", "other/e.csv"}) {
    dir.Write(f, "x\n");
  }
  EXPECT_EQ(ExpandGlob(dir.path(), "data/*.csv"), (std::vector<std::string>{"data/a.csv", "data/b.csv"}));
  EXPECT_EQ(ExpandGlob(dir.path(), "data/**/*.csv"),
            (std::vector<std::string>{"data/a.csv", "data/b.csv", "data/sub/c.csv",
                                      "data/sub/deep/d.csv"}));
  EXPECT_EQ(ExpandGlob(dir.path(), "*/?.csv").size(), 3u);
  EXPECT_EQ(ExpandGlob(dir.path(), "data/a.csv"), (std::vector<std::string>{"data/a.csv"}));
  EXPECT_TRUE(ExpandGlob(dir.path(), "data/none.csv").empty());
  EXPECT_TRUE(ExpandGlob(dir.path(), "nowhere/*.csv").empty());
  const std::string abs = dir.File("data/a.csv");
  EXPECT_EQ(ExpandGlob("/elsewhere", abs), (std::vector<std::string>{abs}));
}

TEST(FileSourceTest, ReadsMatchingFilesInSortedOrder) {
  Harness h;
  h.dir.Write("data/2.csv", "name,id\nc,3\n");
  h.dir.Write("data/1.csv", "id,name\n1,a\n2,b\n");
  ConfigValue opts = Options("data/*.csv");
  opts.Set("columns", IdNameColumns());
  auto src = h.Make(opts);
  ASSERT_NE(src, nullptr) << h.diag.ToString();
  ASSERT_EQ(src->streams().size(), 1u);
  EXPECT_EQ(src->streams()[0].schema->ToString(), "id INT64, name VARCHAR");
  EXPECT_EQ(src->Lag(), -1);
  ASSERT_TRUE(src->Open(h.ctx).ok());
  EXPECT_EQ(src->Lag(), 28);
  EXPECT_EQ(Drain(src.get()), "1 | a\n2 | b\n3 | c\n");
  EXPECT_EQ(src->Lag(), 0);
  Position pos = src->CurrentPosition();
  EXPECT_EQ(pos.OffsetOf("data/1.csv"), 16);
  EXPECT_EQ(pos.OffsetOf("data/2.csv"), 12);
  EXPECT_TRUE(h.bad.empty());
  EXPECT_TRUE(src->Close().ok());
}

TEST(FileSourceTest, NoMatchIsAnErrorUnlessFollowing) {
  Harness h;
  ConfigValue opts = Options("data/*.csv");
  opts.Set("columns", IdNameColumns());
  auto src = h.Make(opts);
  ASSERT_NE(src, nullptr);
  Status st = src->Open(h.ctx);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "no file matches 'data/*.csv' (relative to " + h.dir.path() + ")");

  ConfigValue follow = Options("data/*.csv");
  follow.Set("columns", IdNameColumns());
  follow.Set("follow", S("true"));
  auto f = h.Make(follow);
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->Open(h.ctx).ok());
  std::vector<SourceBatch> out;
  EXPECT_EQ(*f->Next(&out, connectors::kNoRecordLimit), ReadState::kIdle);

  ConfigValue infer = Options("data/*.csv");  // no columns and nothing to infer from
  EXPECT_EQ(h.Make(infer), nullptr);
  EXPECT_NE(h.diag.ToString().find("no file matches 'data/*.csv'"), std::string::npos);
}

TEST(FileSourceTest, OptionErrorsNameTheKeyAndLocation) {
  Harness h;
  ConfigValue opts = Options("data/x.txt");
  ConfigValue cols = ConfigValue::Map({"sources/s.yaml", 3, 1});
  cols.Set("id", S("BIGNT", 4));
  opts.Set("columns", cols);
  opts.Set("delimiter", S(";;", 6));
  opts.Set("batch_size", S("0", 7));
  EXPECT_EQ(h.Make(opts), nullptr);
  const std::string text = h.diag.ToString();
  EXPECT_NE(text.find("sources/s.yaml:2:7: error: cannot tell the format of 'data/x.txt'"), std::string::npos)
      << text;
  EXPECT_NE(text.find("sources/s.yaml:6:7: error: 'delimiter' must be one character"), std::string::npos) << text;
  EXPECT_NE(text.find("sources/s.yaml:7:7"), std::string::npos) << text;

  Harness h2;
  ConfigValue o2 = Options("data/x.ndjson");
  o2.Set("columns", cols);
  o2.Set("header", S("false", 5));
  EXPECT_EQ(h2.Make(o2), nullptr);
  const std::string t2 = h2.diag.ToString();
  EXPECT_NE(t2.find("sources/s.yaml:4:7: error:"), std::string::npos) << t2;  // the bad type
  EXPECT_NE(t2.find("'header' applies only to format: csv"), std::string::npos) << t2;
}

TEST(FileSourceTest, ColumnsAsListWithNullable) {
  Harness h;
  h.dir.Write("a.jsonl", "{\"id\":1,\"name\":\"x\"}\n{\"name\":\"no id\"}\n");
  ConfigValue opts = Options("a.jsonl");
  ConfigValue list;
  list.kind = ConfigValue::Kind::kList;
  ConfigValue c1 = ConfigValue::Map();
  c1.Set("name", S("id"));
  c1.Set("type", S("BIGINT"));
  c1.Set("nullable", S("false"));
  ConfigValue c2 = ConfigValue::Map();
  c2.Set("name", S("name"));
  c2.Set("type", S("TEXT"));
  list.items = {c1, c2};
  opts.Set("columns", list);
  auto src = h.Make(opts);
  ASSERT_NE(src, nullptr) << h.diag.ToString();
  EXPECT_EQ(src->streams()[0].schema->ToString(), "id INT64 NOT NULL, name VARCHAR");
  ASSERT_TRUE(src->Open(h.ctx).ok());
  EXPECT_EQ(Drain(src.get()), "1 | x\n");
  ASSERT_EQ(h.bad.size(), 1u);
  EXPECT_EQ(h.bad[0].location, "a.jsonl:2");
  EXPECT_EQ(h.bad[0].connector, "src");
}

TEST(FileSourceTest, InfersSchemaFromTheFirstFile) {
  Harness h;
  h.dir.Write("in/a.ndjson", "{\"id\":1,\"at\":\"2024-01-01T00:00:00Z\",\"v\":1.5}\n");
  h.dir.Write("in/b.tsv", "id\tname\n1\tx\n");
  ConfigValue o1 = Options("in/*.ndjson");
  auto s1 = h.Make(o1);
  ASSERT_NE(s1, nullptr) << h.diag.ToString();
  EXPECT_EQ(s1->streams()[0].schema->ToString(), "id INT64, at TIMESTAMP, v DOUBLE");
  ConfigValue o2 = Options("in/b.tsv");  // .tsv: tab-delimited by default
  auto s2 = h.Make(o2);
  ASSERT_NE(s2, nullptr) << h.diag.ToString();
  EXPECT_EQ(s2->streams()[0].schema->ToString(), "id INT64, name VARCHAR");
  ASSERT_TRUE(s2->Open(h.ctx).ok());
  EXPECT_EQ(Drain(s2.get()), "1 | x\n");
}

// Reads `calls` Next calls worth of batches; returns the rows.
std::string ReadSome(Source* s, int calls) {
  std::string rows;
  for (int i = 0; i < calls; ++i) {
    std::vector<SourceBatch> out;
    auto st = s->Next(&out, connectors::kNoRecordLimit);
    EXPECT_TRUE(st.ok());
    for (auto& b : out) rows += b.batch->ToString();
  }
  return rows;
}

void CheckResume(const std::string& format) {
  Harness h;
  const bool csv = format == "csv";
  for (int f = 0; f < 2; ++f) {
    std::string text = csv ? "id,name\n" : "";
    for (int i = 0; i < 7; ++i) {
      const int id = f * 100 + i;
      if (csv) {
        text += std::to_string(id) + ",\"n\n" + std::to_string(id) + "\"\n";
      } else {
        text += "{\"id\":" + std::to_string(id) + ",\"name\":\"n\\n" + std::to_string(id) + "\"}\n";
      }
    }
    text += csv ? "bad,row,here\n" : "{bad\n";
    h.dir.Write("d/f" + std::to_string(f) + "." + format, text);
  }
  auto make = [&] {
    ConfigValue opts = Options("d/*." + format);
    opts.Set("columns", IdNameColumns());
    opts.Set("batch_size", S("3"));
    auto s = h.Make(opts);
    EXPECT_NE(s, nullptr) << h.diag.ToString();
    return s;
  };
  auto full = make();
  ASSERT_TRUE(full->Open(h.ctx).ok());
  const std::string all = Drain(full.get());
  h.bad.clear();

  for (int first_calls = 1; first_calls <= 5; ++first_calls) {
    auto a = make();
    ASSERT_TRUE(a->Open(h.ctx).ok());
    const std::string head = ReadSome(a.get(), first_calls);
    const Position pos = a->CurrentPosition();
    auto parsed = Position::Parse(pos.Serialize());
    ASSERT_TRUE(parsed.ok());
    auto b = make();
    ASSERT_TRUE(b->Open(h.ctx).ok());
    ASSERT_TRUE(b->Seek(*parsed).ok());
    const std::string tail = Drain(b.get());
    EXPECT_EQ(head + tail, all) << format << " after " << first_calls << " calls";
    ASSERT_EQ(h.bad.size(), 2u) << format << " after " << first_calls;  // each exactly once
    EXPECT_EQ(h.bad.back().location, "d/f1." + format + ":" + (csv ? "16" : "8"));
    EXPECT_EQ(b->Lag(), 0);
    h.bad.clear();
  }
}

TEST(FileSourceTest, SeekResumesExactlyCsv) { CheckResume("csv"); }
TEST(FileSourceTest, SeekResumesExactlyNdjson) { CheckResume("ndjson"); }

TEST(FileSourceTest, SeekPastTheEndOfAFileFails) {
  Harness h;
  h.dir.Write("a.csv", "id,name\n1,x\n");
  ConfigValue opts = Options("a.csv");
  opts.Set("columns", IdNameColumns());
  auto s = h.Make(opts);
  ASSERT_TRUE(s->Open(h.ctx).ok());
  Position pos;
  pos.Set("a.csv", 999);
  Status st = s->Seek(pos);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("truncated"), std::string::npos);
}

// Calls Next until `want` rows have arrived or about two seconds have passed.
std::string Poll(Source* s, size_t want_lines) {
  std::string rows;
  for (int i = 0; i < 400; ++i) {
    std::vector<SourceBatch> out;
    auto st = s->Next(&out, connectors::kNoRecordLimit);
    EXPECT_TRUE(st.ok());
    for (auto& b : out) rows += b.batch->ToString();
    if (static_cast<size_t>(std::count(rows.begin(), rows.end(), '\n')) >= want_lines) break;
    if (*st == ReadState::kIdle) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return rows;
}

TEST(FileSourceTest, FollowPicksUpAppendedDataAndNewFiles) {
  Harness h;
  h.dir.Write("logs/a.ndjson", "{\"id\":1,\"name\":\"a\"}\n");
  ConfigValue opts = Options("logs/*.ndjson");
  opts.Set("columns", IdNameColumns());
  opts.Set("follow", S("true"));
  opts.Set("poll_interval", S("5ms"));
  auto s = h.Make(opts);
  ASSERT_NE(s, nullptr) << h.diag.ToString();
  ASSERT_TRUE(s->Open(h.ctx).ok());
  EXPECT_EQ(Poll(s.get(), 1), "1 | a\n");

  // A line without its newline is not consumed while following...
  h.dir.Write("logs/a.ndjson", "{\"id\":2,\"name\":\"b\"}\n{\"id\":3,", true);
  EXPECT_EQ(Poll(s.get(), 1), "2 | b\n");
  std::string more;
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(6));
    more += ReadSome(s.get(), 1);
  }
  EXPECT_EQ(more, "");
  // ...until the rest of it arrives.
  h.dir.Write("logs/a.ndjson", "\"name\":\"c\"}\n", true);
  EXPECT_EQ(Poll(s.get(), 1), "3 | c\n");

  h.dir.Write("logs/b.ndjson", "{\"id\":4,\"name\":\"d\"}\n");
  h.dir.Write("logs/ignored.csv", "id,name\n9,z\n");
  EXPECT_EQ(Poll(s.get(), 1), "4 | d\n");
  EXPECT_EQ(s->Lag(), 0);
  Position pos = s->CurrentPosition();
  EXPECT_EQ(pos.OffsetOf("logs/b.ndjson"), 20);
  EXPECT_TRUE(h.bad.empty());
  std::vector<SourceBatch> out;
  EXPECT_EQ(*s->Next(&out, connectors::kNoRecordLimit), ReadState::kIdle);
  EXPECT_TRUE(s->Close().ok());
}

TEST(FileSourceTest, FollowCsvWaitsForTheHeader) {
  Harness h;
  h.dir.Write("a.csv", "na");
  ConfigValue opts = Options("*.csv");
  opts.Set("columns", IdNameColumns());
  opts.Set("follow", S("true"));
  opts.Set("poll_interval", S("5ms"));
  auto s = h.Make(opts);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Open(h.ctx).ok());
  EXPECT_EQ(ReadSome(s.get(), 2), "");
  h.dir.Write("a.csv", "me,id\nx,1\n", true);
  EXPECT_EQ(Poll(s.get(), 1), "1 | x\n");
}

TEST(FileSourceTest, LargeRecordsGrowTheBuffer) {
  Harness h;
  const std::string big(100000, 'x');
  h.dir.Write("big.csv", "id,name\n1," + big + "\n2,small\n");
  FileSourceOptions o;
  o.path = "big.csv";
  o.project_dir = h.dir.path();
  o.read_chunk_bytes = 4096;
  FileSource s(o, MakeSchema({{"id", DataType::Int64()}, {"name", DataType::Varchar()}}));
  ASSERT_TRUE(s.Open(h.ctx).ok());
  EXPECT_EQ(Drain(&s), "1 | " + big + "\n2 | small\n");
}

}  // namespace
}  // namespace sluice::connectors
