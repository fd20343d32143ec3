#include "connectors/file_sink.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "connectors/file_source.h"
#include "connectors/file_test_util.h"
#include "core/value.h"

namespace sluice::connectors {
namespace {

using testing::TempDir;

SchemaPtr AllTypes() {
  return MakeSchema({{"b", DataType::Boolean()},
                     {"i", DataType::Int32()},
                     {"l", DataType::Int64()},
                     {"d", DataType::Double()},
                     {"m", DataType::Decimal(18, 4)},
                     {"s", DataType::Varchar()},
                     {"ts", DataType::Timestamp()},
                     {"dt", DataType::Date()},
                     {"iv", DataType::Interval()}});
}

RecordBatchPtr AllTypesBatch() {
  BatchBuilder b(AllTypes());
  const std::vector<std::string> strings = {
      "plain", "", "comma, inside", "quote \" inside", "new\nline", " lead and trail ",
      "caf\xC3\xA9 \xF0\x9F\x98\x80", "tab\tand \\ backslash", "ctrl \x01 char", "\"\"", "NA"};
  const std::vector<double> doubles = {0.1, -0.0, 1e300, -2.5e-300, 3,
                                       std::numeric_limits<double>::infinity(),
                                       -std::numeric_limits<double>::infinity(),
                                       std::numeric_limits<double>::quiet_NaN(), 123456.789, 1, 2};
  for (size_t r = 0; r < strings.size(); ++r) {
    const int64_t k = static_cast<int64_t>(r);
    const bool null_row = r == 4;  // one row all NULL; other NULLs scattered
    auto maybe_null = [&](int c) { return null_row || (r + static_cast<size_t>(c)) % 7 == 0; };
    if (maybe_null(0)) b.column(0)->AppendNull(); else b.column(0)->Append<uint8_t>(r % 2);
    if (maybe_null(1)) b.column(1)->AppendNull();
    else b.column(1)->Append<int32_t>(r == 1 ? INT32_MIN : static_cast<int32_t>(k * 1000 - 3));
    if (maybe_null(2)) b.column(2)->AppendNull();
    else b.column(2)->Append<int64_t>(r == 2 ? INT64_MAX : r == 3 ? INT64_MIN : -k);
    if (maybe_null(3)) b.column(3)->AppendNull(); else b.column(3)->Append<double>(doubles[r]);
    if (maybe_null(4)) b.column(4)->AppendNull();
    else b.column(4)->Append<int64_t>(r == 5 ? 999999999999999999 : -k * 12345);
    if (r == 10) b.column(5)->AppendNull(); else b.column(5)->AppendString(strings[r]);
    if (maybe_null(6)) b.column(6)->AppendNull();
    else b.column(6)->Append<int64_t>(k == 3 ? -1 : 1704067200123456 + k * 86400000001);
    if (maybe_null(7)) b.column(7)->AppendNull(); else b.column(7)->Append<int32_t>(k == 2 ? -700 : 19723 + static_cast<int32_t>(k));
    if (maybe_null(8)) b.column(8)->AppendNull();
    else b.column(8)->Append<Interval>(Interval{static_cast<int32_t>(k * 13), static_cast<int32_t>(-k), k * 1000001 - 5});
  }
  return b.Finish();
}

void CheckRoundTrip(const std::string& file) {
  TempDir dir;
  ConnectorContext ctx;
  ctx.name = "t";
  ctx.project_dir = dir.path();
  std::vector<BadRecord> bad;
  ctx.on_bad_record = [&bad](BadRecord r) { bad.push_back(std::move(r)); };
  RecordBatchPtr batch = AllTypesBatch();

  FileSinkOptions so;
  so.path = "out/deeper/" + file;
  so.format = FormatFromExtension(file);
  FileSink sink(so);
  ASSERT_TRUE(sink.Open(ctx, AllTypes()).ok());
  ASSERT_TRUE(sink.Write(*batch).ok());
  ASSERT_TRUE(sink.Write(*batch).ok());
  ASSERT_TRUE(sink.Flush().ok());
  ASSERT_TRUE(sink.Close().ok());
  ASSERT_TRUE(sink.Close().ok());  // idempotent

  FileSourceOptions ro;
  ro.path = so.path;
  ro.project_dir = dir.path();
  ro.format = so.format;
  ro.batch_size = batch->num_rows();
  FileSource source(ro, AllTypes());
  ASSERT_TRUE(source.Open(ctx).ok());
  std::vector<SourceBatch> out;
  while (true) {
    auto st = source.Next(&out, connectors::kNoRecordLimit);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    if (*st == ReadState::kEnd) break;
  }
  for (const auto& b : bad) ADD_FAILURE() << b.location << ": " << b.error << " in " << b.raw;
  ASSERT_EQ(out.size(), 2u) << dir.Read(so.path);
  for (const auto& sb : out) {
    ASSERT_EQ(sb.batch->num_rows(), batch->num_rows());
    for (int c = 0; c < batch->num_columns(); ++c) {
      EXPECT_TRUE(sb.batch->column(c).Equals(batch->column(c)))
          << file << " column " << batch->schema()->field(c).name << "\nwrote:\n"
          << batch->ToString() << "read:\n" << sb.batch->ToString();
    }
  }
}

TEST(FileSinkTest, CsvRoundTripEveryTypeWithNulls) { CheckRoundTrip("all.csv"); }
TEST(FileSinkTest, NdjsonRoundTripEveryTypeWithNulls) { CheckRoundTrip("all.ndjson"); }

TEST(FileSinkTest, WritesDocumentedTextForms) {
  TempDir dir;
  ConnectorContext ctx;
  ctx.project_dir = dir.path();
  auto schema = MakeSchema({{"ts", DataType::Timestamp()}, {"price", DataType::Decimal(10, 2)},
                            {"name", DataType::Varchar()}, {"x", DataType::Double()}});
  BatchBuilder b(schema);
  b.column(0)->Append<int64_t>(1704067200123456);
  b.column(1)->Append<int64_t>(-1250);
  b.column(2)->AppendString("a\"b");
  b.column(3)->AppendNull();
  auto batch = b.Finish();
  FileSink j(FileSinkOptions{"o.ndjson", "ndjson"});
  ASSERT_TRUE(j.Open(ctx, schema).ok());
  ASSERT_TRUE(j.Write(*batch).ok());
  ASSERT_TRUE(j.Close().ok());
  EXPECT_EQ(dir.Read("o.ndjson"),
            "{\"ts\":\"2024-01-01T00:00:00.123456Z\",\"price\":-12.50,\"name\":\"a\\\"b\",\"x\":null}\n");
  FileSink c(FileSinkOptions{"o.csv", "csv"});
  ASSERT_TRUE(c.Open(ctx, schema).ok());
  ASSERT_TRUE(c.Write(*batch).ok());
  ASSERT_TRUE(c.Close().ok());
  EXPECT_EQ(dir.Read("o.csv"), "ts,price,name,x\n2024-01-01T00:00:00.123456Z,-12.50,\"a\"\"b\",\n");
}

TEST(FileSinkTest, AppendWritesTheHeaderOnceAndOverwriteTruncates) {
  TempDir dir;
  ConnectorContext ctx;
  ctx.project_dir = dir.path();
  auto schema = MakeSchema({{"id", DataType::Int64()}});
  BatchBuilder b(schema);
  b.column(0)->Append<int64_t>(7);
  auto batch = b.Finish();
  for (int i = 0; i < 2; ++i) {
    FileSink s(FileSinkOptions{"a.csv", "csv"});
    ASSERT_TRUE(s.Open(ctx, schema).ok());
    ASSERT_TRUE(s.Write(*batch).ok());
    ASSERT_TRUE(s.Close().ok());
  }
  EXPECT_EQ(dir.Read("a.csv"), "id\n7\n7\n");
  FileSinkOptions o{"a.csv", "csv"};
  o.overwrite = true;
  FileSink s(o);
  ASSERT_TRUE(s.Open(ctx, schema).ok());
  ASSERT_TRUE(s.Write(*batch).ok());
  ASSERT_TRUE(s.Flush().ok());
  EXPECT_EQ(dir.Read("a.csv"), "id\n7\n");
}

TEST(FileSinkTest, FactoryValidatesOptions) {
  ConnectorContext ctx;
  ConfigValue m = ConfigValue::Map({"sinks.yaml", 1, 1});
  m.Set("path", ConfigValue::Scalar("out/x.parquet", {"sinks.yaml", 2, 9}));
  m.Set("mode", ConfigValue::Scalar("apend", {"sinks.yaml", 3, 9}));
  Diagnostics d;
  OptionReader r(m, &d);
  EXPECT_EQ(MakeFileSink(r, ctx), nullptr);
  const std::string text = d.ToString();
  EXPECT_NE(text.find("sinks.yaml:2:9: error: cannot tell the format"), std::string::npos) << text;
  EXPECT_NE(text.find("sinks.yaml:3:9: error: 'mode' has unknown value 'apend' (did you mean 'append'?)"),
            std::string::npos)
      << text;

  ConfigValue ok = ConfigValue::Map({"sinks.yaml", 1, 1});
  ok.Set("path", ConfigValue::Scalar("out/x.jsonl"));
  Diagnostics d2;
  OptionReader r2(ok, &d2);
  EXPECT_NE(MakeFileSink(r2, ctx), nullptr);
  r2.Finish();
  EXPECT_FALSE(d2.has_errors()) << d2.ToString();
}

}  // namespace
}  // namespace sluice::connectors

namespace sluice::connectors {
namespace {

RecordBatchPtr Ids(std::initializer_list<int64_t> ids) {
  BatchBuilder b(MakeSchema({{"id", DataType::Int64()}}));
  for (int64_t id : ids) b.column(0)->Append<int64_t>(id);
  return b.Finish();
}

// Checkpoints drive the sink: rows reach the file's committed prefix only with a commit;
// what a crashed run wrote after its last commit is cut off when the next run asks for
// its last commit; a replayed checkpoint is dropped; mode overwrite keeps what a resumed
// run committed.
TEST(FileSinkTest, CommitsWithCheckpointsAndDiscardsUncommittedWork) {
  TempDir dir;
  ConnectorContext ctx;
  ctx.project_dir = dir.path();
  auto schema = MakeSchema({{"id", DataType::Int64()}});
  FileSinkOptions o{"c.csv", "csv"};
  o.overwrite = true;
  {
    FileSink s(o);
    ASSERT_TRUE(s.Open(ctx, schema).ok());
    ASSERT_TRUE(s.SupportsCommit());
    EXPECT_EQ(*s.LastCommittedCheckpoint("p/out"), -1);
    ASSERT_TRUE(s.FlushWithCommit("p/out", 0, "").ok());  // header only
    ASSERT_TRUE(s.Write(*Ids({1, 2})).ok());
    ASSERT_TRUE(s.FlushWithCommit("p/out", 1, "pos-1").ok());
    EXPECT_EQ(dir.Read("c.csv"), "id\n1\n2\n");
    ASSERT_TRUE(s.Write(*Ids({3})).ok());
    // Closed without a commit (the pipeline stopped between checkpoints): row 3 is not
    // written; the next run replays it.
    ASSERT_TRUE(s.Close().ok());
  }
  EXPECT_EQ(dir.Read("c.csv"), "id\n1\n2\n");
  // A SIGKILLed run left bytes past the committed prefix.
  {
    std::ofstream f(dir.path() + "/c.csv", std::ios::app);
    f << "3\n4\n";
  }
  {
    FileSink s(o);
    ASSERT_TRUE(s.Open(ctx, schema).ok());
    EXPECT_EQ(*s.LastCommittedCheckpoint("p/out"), 1);
    EXPECT_EQ(*s.LastCommittedPosition("p/out"), "pos-1");
    EXPECT_EQ(dir.Read("c.csv"), "id\n1\n2\n") << "overwrite keeps a resumed run's commits";
    // The replay of checkpoint 1 is dropped, checkpoint 2 lands.
    ASSERT_TRUE(s.Write(*Ids({2})).ok());
    EXPECT_EQ(s.FlushWithCommit("p/out", 1, "pos-1").code(), StatusCode::kAlreadyExists);
    ASSERT_TRUE(s.Write(*Ids({3, 4})).ok());
    ASSERT_TRUE(s.FlushWithCommit("p/out", 2, "pos-2").ok());
    ASSERT_TRUE(s.Close().ok());
  }
  EXPECT_EQ(dir.Read("c.csv"), "id\n1\n2\n3\n4\n");
  // Another pipeline's sink (another commit key) with mode overwrite starts over.
  {
    FileSink s(o);
    ASSERT_TRUE(s.Open(ctx, schema).ok());
    EXPECT_EQ(*s.LastCommittedCheckpoint("q/out"), -1);
    ASSERT_TRUE(s.FlushWithCommit("q/out", 0, "").ok());
    ASSERT_TRUE(s.Close().ok());
  }
  EXPECT_EQ(dir.Read("c.csv"), "id\n");
  // Without checkpoints the sink writes as before (overwrite empties the file).
  {
    FileSink s(o);
    ASSERT_TRUE(s.Open(ctx, schema).ok());
    ASSERT_TRUE(s.Write(*Ids({9})).ok());
    ASSERT_TRUE(s.Close().ok());
  }
  EXPECT_EQ(dir.Read("c.csv"), "id\n9\n");
}

TEST(FileSinkTest, ADamagedCommitRecordOrAShortenedFileIsRefusedWithAWayOut) {
  TempDir dir;
  ConnectorContext ctx;
  ctx.project_dir = dir.path();
  auto schema = MakeSchema({{"id", DataType::Int64()}});
  {
    FileSink s(FileSinkOptions{"d.ndjson", "ndjson"});
    ASSERT_TRUE(s.Open(ctx, schema).ok());
    ASSERT_EQ(*s.LastCommittedCheckpoint("p/out"), -1);
    ASSERT_TRUE(s.Write(*Ids({1, 2})).ok());
    ASSERT_TRUE(s.FlushWithCommit("p/out", 1, "").ok());
    ASSERT_TRUE(s.Close().ok());
  }
  std::filesystem::resize_file(dir.path() + "/d.ndjson", 3);
  {
    FileSink s(FileSinkOptions{"d.ndjson", "ndjson"});
    ASSERT_TRUE(s.Open(ctx, schema).ok());
    Result<int64_t> last = s.LastCommittedCheckpoint("p/out");
    ASSERT_FALSE(last.ok());
    EXPECT_NE(last.status().message().find("were committed (was it edited or replaced?)"), std::string::npos)
        << last.status().message();
    EXPECT_NE(last.status().message().find("d.ndjson.sluice-commit"), std::string::npos);
  }
  {
    std::ofstream f(dir.path() + "/d.ndjson.sluice-commit", std::ios::trunc);
    f << "garbage";
  }
  FileSink s(FileSinkOptions{"d.ndjson", "ndjson"});
  Status st = s.Open(ctx, schema);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is damaged; to start this sink over, delete it"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sluice::connectors
