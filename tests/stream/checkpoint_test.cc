// State snapshots: the StateWriter/StateReader format (every column type, corrupt and
// truncated input refused with an offset) and operator round trips: an operator restored
// from a snapshot taken mid-stream emits exactly the changes the original emits.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/value.h"
#include "sql/plan.h"
#include "sql/sql.h"
#include "core/hash.h"
#include "stream/checkpoint.h"
#include "stream/query_graph.h"
#include "stream/change_lines.h"
#include "stream/state_codec.h"

namespace sluice::stream {
namespace {

// ---- the format ----

Column AllKinds(const DataType& t, int64_t n) {
  Column c(t);
  for (int64_t i = 0; i < n; ++i) {
    if (i % 3 == 1) {
      c.AppendNull();
      continue;
    }
    switch (t.id) {
      case TypeId::kBoolean: c.Append<uint8_t>(i % 2); break;
      case TypeId::kInt32:
      case TypeId::kDate: c.Append<int32_t>(static_cast<int32_t>(i * 7 - 3)); break;
      case TypeId::kDouble: c.Append<double>(static_cast<double>(i) / 3); break;
      case TypeId::kVarchar: c.AppendString(std::string(static_cast<size_t>(i % 5), 'a' + static_cast<char>(i % 26))); break;
      case TypeId::kInterval: c.Append<Interval>(Interval{1, static_cast<int32_t>(i), i * 1000}); break;
      default: c.Append<int64_t>(i * 1000003); break;
    }
  }
  return c;
}

std::vector<DataType> EveryType() {
  return {DataType::Boolean(), DataType::Int32(),     DataType::Int64(),
          DataType::Double(),  DataType::Decimal(12, 2), DataType::Varchar(),
          DataType::Timestamp(), DataType::Date(),    DataType::Interval()};
}

TEST(StateCodecTest, RoundTripsPrimitivesAndEveryColumnType) {
  StateWriter w;
  w.WriteTag("test");
  w.WriteI32(-7);
  w.WriteI64(INT64_MIN);
  w.WriteDouble(2.5);
  w.WriteI128(static_cast<StateInt128>(INT64_MAX) * 1000);
  w.WriteString(std::string("a\0b", 3));
  w.WriteVector(std::vector<int64_t>{1, -2, 3});
  for (const DataType& t : EveryType()) {
    w.WriteColumn(AllKinds(t, 37));
    w.WriteColumn(Column(t));  // empty
  }
  Column no_nulls(DataType::Varchar());
  no_nulls.AppendString("x");
  w.WriteColumn(no_nulls);
  const std::string bytes = w.Finish();

  auto r = StateReader::Open(bytes, "snap");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->ExpectTag("test").ok());
  int32_t i32 = 0;
  int64_t i64 = 0;
  double d = 0;
  StateInt128 i128 = 0;
  std::string s;
  std::vector<int64_t> v;
  ASSERT_TRUE(r->ReadI32(&i32).ok());
  ASSERT_TRUE(r->ReadI64(&i64).ok());
  ASSERT_TRUE(r->ReadDouble(&d).ok());
  ASSERT_TRUE(r->ReadI128(&i128).ok());
  ASSERT_TRUE(r->ReadString(&s).ok());
  ASSERT_TRUE(r->ReadVector(&v).ok());
  EXPECT_EQ(i32, -7);
  EXPECT_EQ(i64, INT64_MIN);
  EXPECT_EQ(d, 2.5);
  EXPECT_TRUE(i128 == static_cast<StateInt128>(INT64_MAX) * 1000);
  EXPECT_EQ(s, std::string("a\0b", 3));
  EXPECT_EQ(v, (std::vector<int64_t>{1, -2, 3}));
  for (const DataType& t : EveryType()) {
    Column c(t), e(t);
    ASSERT_TRUE(r->ReadColumn(t, &c).ok()) << t.ToString();
    EXPECT_TRUE(c.Equals(AllKinds(t, 37))) << t.ToString();
    EXPECT_EQ(c.null_count(), AllKinds(t, 37).null_count());
    ASSERT_TRUE(r->ReadColumn(t, &e).ok());
    EXPECT_EQ(e.length(), 0);
    // A restored column keeps growing like any other.
    c.AppendNull();
    EXPECT_TRUE(c.IsNull(37));
  }
  Column x(DataType::Varchar());
  ASSERT_TRUE(r->ReadColumn(DataType::Varchar(), &x).ok());
  EXPECT_EQ(x.GetString(0), "x");
  EXPECT_TRUE(r->ExpectEnd().ok());
  // Reading past the end is an error with the offset, not a crash.
  Status past = r->ReadI64(&i64);
  EXPECT_EQ(past.code(), StatusCode::kInvalid);
  EXPECT_NE(past.message().find("at byte"), std::string::npos) << past.message();
}

TEST(StateCodecTest, RefusesCorruptTruncatedAndForeignSnapshots) {
  StateWriter w;
  w.WriteTag("op");
  w.WriteColumn(AllKinds(DataType::Varchar(), 20));
  const std::string bytes = w.Finish();
  // Every truncation.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = StateReader::Open(std::string_view(bytes).substr(0, n), "snap");
    EXPECT_FALSE(r.ok()) << n;
  }
  // Every single-byte flip (header or payload).
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    auto r = StateReader::Open(bad, "snap");
    if (r.ok()) {  // cannot happen for the payload (checksum); be sure reads still fail safely
      ADD_FAILURE() << "flip at " << i << " accepted";
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
      EXPECT_NE(r.status().message().find("snap"), std::string::npos);
    }
  }
  auto r = StateReader::Open(bytes, "snap");
  ASSERT_TRUE(r.ok());
  Status tag = r->ExpectTag("other");
  EXPECT_NE(tag.message().find("expected the state of 'other'"), std::string::npos) << tag.message();
  ASSERT_TRUE(r->ExpectTag("op").ok());
  Column c(DataType::Int64());
  Status type = r->ReadColumn(DataType::Int64(), &c);
  EXPECT_NE(type.message().find("VARCHAR"), std::string::npos) << type.message();
}

TEST(StateCodecTest, MalformedColumnsWithAValidChecksumAreRefused) {
  // Hand-built payloads that pass the checksum but lie about their contents.
  auto column_payload = [](int64_t n, int64_t nulls, std::vector<int32_t> offsets, std::string bytes) {
    StateWriter w;
    w.WriteU8(static_cast<uint8_t>(TypeId::kVarchar));
    w.WriteU8(0);
    w.WriteU8(0);
    w.WriteI64(n);
    w.WriteI64(nulls);
    for (int32_t o : offsets) w.WriteI32(o);
    w.Raw(bytes.data(), bytes.size());
    return w.Finish();
  };
  const std::string cases[] = {
      column_payload(2, 0, {0, 5, 3}, "abcde"),        // decreasing offsets
      column_payload(2, 0, {1, 2, 3}, "abc"),          // not starting at 0
      column_payload(1, 0, {0, 100}, "abc"),           // past the end
      column_payload(1LL << 60, 0, {0}, ""),           // absurd length
      column_payload(-1, 0, {0}, ""),                  // negative length
      column_payload(1, 2, {0, 1}, "a"),               // more nulls than rows
  };
  for (const std::string& bytes : cases) {
    auto r = StateReader::Open(bytes, "snap");
    ASSERT_TRUE(r.ok());
    Column c(DataType::Varchar());
    Status st = r->ReadColumn(DataType::Varchar(), &c);
    EXPECT_EQ(st.code(), StatusCode::kInvalid);
    EXPECT_NE(st.message().find("at byte"), std::string::npos) << st.message();
  }
}

TEST(CheckpointStoreTest, WritesAtomicallyListsReadsAndPrunes) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sluice-ckpt-" + std::to_string(std::random_device()()));
  CheckpointStore store(dir.string());
  auto empty = store.List();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  for (int64_t id = 1; id <= 4; ++id) {
    CheckpointData d;
    d.id = id;
    d.records = id * 10;
    d.position.Set("orders.csv", id * 100);
    d.queries.push_back({"q", "fp", true, "state" + std::to_string(id)});
    if (id == 4) d.max_event_time = 1700000000123456;
    ASSERT_TRUE(store.Write(d).ok());
  }
  std::ofstream(dir / "9.ckpt.tmp") << "half";  // an interrupted write is ignored
  ASSERT_TRUE(store.Prune(2).ok());
  auto ids = store.List();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int64_t>{3, 4}));
  auto d = store.Read(4);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->records, 40);
  EXPECT_EQ(d->position.OffsetOf("orders.csv"), 400);
  EXPECT_EQ(d->queries[0].state, "state4");
  EXPECT_EQ(d->max_event_time, 1700000000123456);
  EXPECT_EQ(store.Read(3)->max_event_time, INT64_MIN);
  EXPECT_EQ(store.Read(1).status().code(), StatusCode::kNotFound);
  // A corrupt file is refused with its path.
  {
    std::fstream f(store.PathOf(3), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(30);
    f.put('\x7f');
  }
  auto bad = store.Read(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("3.ckpt"), std::string::npos) << bad.status().message();
  std::filesystem::remove_all(dir);
}

TEST(StateCodecTest, AReusedBufferGivesTheSameSnapshotAndKeepsItsMemory) {
  auto write = [](StateWriter* w) {
    w->WriteTag("t");
    w->WriteI64(42);
    w->WriteString(std::string(1000, 'x'));
  };
  StateWriter fresh;
  write(&fresh);
  const std::string expected = fresh.Finish();
  EXPECT_EQ(fresh.payload_size(), 0u);  // empty after Finish, ready for another
  write(&fresh);
  EXPECT_EQ(fresh.Finish(), expected);
  // A buffer from an earlier snapshot: its old content is dropped, its capacity kept.
  std::string old(1 << 20, 'z');
  const size_t capacity = old.capacity();
  StateWriter reused(std::move(old));
  EXPECT_EQ(reused.payload_size(), 0u);
  write(&reused);
  std::string bytes = reused.Finish();
  EXPECT_EQ(bytes, expected);
  EXPECT_GE(bytes.capacity(), capacity);
  auto reader = StateReader::Open(bytes, "reused");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
}

TEST(CheckpointStoreTest, TheFileWrittenInPiecesIsTheEncodedCheckpoint) {
  CheckpointData d;
  d.id = 7;
  d.records = 70;
  d.position.Set("orders.csv", 700);
  d.queries.push_back({"a", "fa", true, std::string(100000, 'a')});
  d.queries.push_back({"b", "fb", false, ""});
  d.queries.push_back({"c", "fc", true, "small"});
  const EncodedCheckpoint parts = EncodeCheckpointParts(d);
  std::string joined;
  for (const auto& s : parts.segments) joined += s.view();
  EXPECT_EQ(joined.size(), parts.size());
  EXPECT_EQ(joined, EncodeCheckpoint(d));
  // The big state is referenced, not copied.
  bool borrowed = false;
  for (const auto& s : parts.segments) borrowed = borrowed || (s.is_borrowed && s.view().data() == d.queries[0].state.data());
  EXPECT_TRUE(borrowed);
  auto back = DecodeCheckpoint(joined, "pieces");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->queries.size(), 3u);
  EXPECT_EQ(back->queries[0].state, d.queries[0].state);
  EXPECT_EQ(back->queries[2].state, "small");
  // IncrementalHash over pieces is HashBytes over the whole.
  IncrementalHash h(5);
  for (const auto& s : parts.segments) h.Update(s.view().data(), s.view().size());
  EXPECT_EQ(h.Digest(), HashBytes(joined.data(), joined.size(), 5));
}

TEST(CheckpointWriterTest, HandsTheWrittenStatesBuffersBackForTheNextSnapshot) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sluice-ckpt-spare-" + std::to_string(std::random_device()()));
  CheckpointStore store(dir.string());
  CheckpointWriter writer(&store, 2);
  // Nothing written yet: an empty buffer.
  EXPECT_EQ(writer.TakeSpareBuffer(0).capacity(), std::string().capacity());
  CheckpointData d;
  d.id = 1;
  d.queries.push_back({"q", "fp", true, std::string(300000, 's')});
  ASSERT_TRUE(writer.Submit(std::move(d)).ok());
  ASSERT_TRUE(writer.Wait().ok());
  std::string spare = writer.TakeSpareBuffer(0);
  EXPECT_TRUE(spare.empty());
  EXPECT_GE(spare.capacity(), 300000u);
  // Taken: the next call (the buffer is in use) gives a new one with room for the size.
  EXPECT_GE(writer.TakeSpareBuffer(0).capacity(), 300000u);
  EXPECT_EQ(writer.TakeSpareBuffer(5).capacity(), std::string().capacity());
  auto back = store.Read(1);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->queries[0].state, std::string(300000, 's'));
  std::filesystem::remove_all(dir);
}

// ---- operators ----

SchemaPtr Events() {
  return MakeSchema({{"k", DataType::Varchar()},
                     {"v", DataType::Int64()},
                     {"x", DataType::Double()},
                     {"ts", DataType::Timestamp()}});
}

class EventCatalog final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override { return name == "e" ? Events() : nullptr; }
  std::vector<std::string> TableNames() const override { return {"e"}; }
};

std::unique_ptr<QueryGraph> MakeGraph(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  if (!select.ok()) return nullptr;
  auto plan = sql::PlanQuery(**select, EventCatalog(), sql::PlanOptions{}, sql::ErrorContext{sql, "q.sql"});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return nullptr;
  QueryGraphOptions o;
  o.watermark_delay_us = 2000000;
  auto g = QueryGraph::Make(*plan, o);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return g.ok() ? std::move(*g) : nullptr;
}

// Deterministic pseudo-random events; keys and values repeat, some NULLs, time mostly
// increasing with jitter (so windows close and some rows are late).
RecordBatchPtr EventBatch(int batch, int rows) {
  std::mt19937_64 rng(static_cast<uint64_t>(batch) * 7919 + 1);
  BatchBuilder b(Events());
  for (int i = 0; i < rows; ++i) {
    const int64_t n = batch * rows + i;
    if (rng() % 11 == 0) {
      b.column(0)->AppendNull();
    } else {
      b.column(0)->AppendString("key" + std::to_string(rng() % 7));
    }
    b.column(1)->Append<int64_t>(static_cast<int64_t>(rng() % 1000) - 300);
    if (rng() % 9 == 0) {
      b.column(2)->AppendNull();
    } else {
      b.column(2)->Append<double>(static_cast<double>(rng() % 10000) / 7);
    }
    b.column(3)->Append<int64_t>(1700000000000000 + n * 400000 - static_cast<int64_t>(rng() % 3000000));
  }
  return b.Finish();
}

using Lines = testing::ChangeLines;

// Feeds batches [from, to) then (when `finish`) Finish; returns the changes.
std::vector<std::string> Feed(QueryGraph* g, int from, int to, bool finish) {
  Lines out;
  for (int b = from; b < to; ++b) {
    Status st = g->ApplyInput(0, *EventBatch(b, 50), &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    while (g->TakeRefusedRows().rows != nullptr) {
    }
  }
  if (finish) {
    EXPECT_TRUE(g->Finish(&out).ok());
  }
  return out.lines;
}

std::string SnapshotOf(const QueryGraph& g) {
  StateWriter w;
  Status st = g.Snapshot(&w);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return w.Finish();
}

// `changes_after_cut`: the query emits changes after every cut (a dedup keeping the
// first row per key emits nothing once every key was seen).
void ExpectRoundTrip(const std::string& sql, bool changes_after_cut = true) {
  SCOPED_TRACE(sql);
  constexpr int kBatches = 12;
  for (int cut : {0, 1, 5, 11}) {
    SCOPED_TRACE("cut after batch " + std::to_string(cut));
    auto original = MakeGraph(sql);
    ASSERT_NE(original, nullptr);
    Feed(original.get(), 0, cut, false);
    const std::string snap = SnapshotOf(*original);
    auto restored = MakeGraph(sql);
    auto reader = StateReader::Open(snap, "snapshot");
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    Status st = restored->Restore(&*reader);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(reader->ExpectEnd().ok());
    const auto expected = Feed(original.get(), cut, kBatches, true);
    const auto got = Feed(restored.get(), cut, kBatches, true);
    if (changes_after_cut || cut == 0) {
      EXPECT_FALSE(expected.empty());
    }
    EXPECT_EQ(got, expected);
  }
}

TEST(OperatorSnapshotTest, GroupAggregateAppendOnly) {
  ExpectRoundTrip(
      "SELECT k, count(*) AS n, sum(v) AS s, avg(x) AS a, min(v) AS lo, max(k) AS hi, "
      "min(x) AS xlo, count(DISTINCT v) AS d, approx_count_distinct(v) AS ad "
      "FROM e GROUP BY k");
}

TEST(OperatorSnapshotTest, GlobalAggregate) {
  ExpectRoundTrip("SELECT count(*) AS n, sum(x) AS s, max(ts) AS last FROM e");
}

TEST(OperatorSnapshotTest, RetractableGroupAggregateOverAChangelog) {
  ExpectRoundTrip(
      "SELECT n, count(*) AS keys, min(s) AS lo, max(s) AS hi, max(k) AS mk, "
      "count(DISTINCT s) AS ds, sum(s) AS total "
      "FROM (SELECT k, count(*) AS n, sum(v) AS s FROM e GROUP BY k) GROUP BY n");
}

TEST(OperatorSnapshotTest, TumbleAndHopWindows) {
  ExpectRoundTrip(
      "SELECT window_start, k, count(*) AS n, sum(v) AS s FROM TUMBLE(e, ts, INTERVAL '3' SECOND) "
      "GROUP BY window_start, k");
  ExpectRoundTrip(
      "SELECT window_start, window_end, count(*) AS n, max(x) AS m "
      "FROM HOP(e, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) GROUP BY window_start, window_end "
      "EMIT ON WINDOW CLOSE");
}

TEST(OperatorSnapshotTest, TopNAppendOnlyAndOverAChangelog) {
  ExpectRoundTrip(
      "SELECT k, v, x, rn FROM (SELECT k, v, x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, x) "
      "AS rn FROM e) AS r WHERE rn <= 3");
  ExpectRoundTrip(
      "SELECT rn, k, total FROM (SELECT k, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn "
      "FROM (SELECT k, sum(v) AS total FROM e GROUP BY k) AS g) AS r WHERE rn <= 2");
  ExpectRoundTrip(
      "SELECT k, v, ts FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn "
      "FROM e) AS r WHERE rn = 1",
      false);
  ExpectRoundTrip(
      "SELECT k, v, ts FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts DESC) AS rn "
      "FROM e) AS r WHERE rn = 1");
}

// A join over `e` twice: batches alternate between the two ports.
std::vector<std::string> FeedJoin(QueryGraph* g, int from, int to, bool finish) {
  Lines out;
  for (int b = from; b < to; ++b) {
    Status st = g->ApplyInput(b % 2, *EventBatch(b, 20), &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    while (g->TakeRefusedRows().rows != nullptr) {
    }
  }
  if (finish) {
    EXPECT_TRUE(g->Finish(&out).ok());
  }
  return out.lines;
}

TEST(OperatorSnapshotTest, HashJoins) {
  for (const char* sql :
       {"SELECT a.k, a.v, b.x FROM e AS a JOIN e AS b ON a.k = b.k AND a.v < b.v",
        "SELECT a.k, a.v, b.v AS w FROM e AS a LEFT JOIN e AS b ON a.k = b.k "
        "AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' SECOND",
        "SELECT a.k, a.n, b.v FROM (SELECT k, count(*) AS n FROM e GROUP BY k) AS a "
        "JOIN e AS b ON a.k = b.k"}) {
    SCOPED_TRACE(sql);
    for (int cut : {0, 3, 7}) {
      auto original = MakeGraph(sql);
      ASSERT_NE(original, nullptr);
      FeedJoin(original.get(), 0, cut, false);
      const std::string snap = SnapshotOf(*original);
      auto restored = MakeGraph(sql);
      auto reader = StateReader::Open(snap, "snapshot");
      ASSERT_TRUE(reader.ok());
      Status st = restored->Restore(&*reader);
      ASSERT_TRUE(st.ok()) << st.ToString();
      const auto expected = FeedJoin(original.get(), cut, 10, true);
      EXPECT_FALSE(expected.empty());
      EXPECT_EQ(FeedJoin(restored.get(), cut, 10, true), expected);
    }
  }
}

TEST(OperatorSnapshotTest, SessionWindows) {
  ExpectRoundTrip(
      "SELECT window_start, window_end, k, count(*) AS n, sum(v) AS s "
      "FROM SESSION(e, ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end, k");
  ExpectRoundTrip(
      "SELECT window_start, window_end, k, count(*) AS n, max(x) AS m "
      "FROM SESSION(e, ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end, k "
      "EMIT ON WINDOW CLOSE");
}

TEST(OperatorSnapshotTest, ForeignOrCorruptSnapshotsAreRefused) {
  auto a = MakeGraph("SELECT k, count(*) AS n FROM e GROUP BY k");
  auto b = MakeGraph("SELECT k, count(*) AS n, sum(v) AS s FROM e GROUP BY k");
  auto w = MakeGraph("SELECT window_start, count(*) AS n FROM TUMBLE(e, ts, INTERVAL '3' SECOND) GROUP BY window_start");
  Feed(a.get(), 0, 3, false);
  const std::string snap = SnapshotOf(*a);
  {
    auto r = StateReader::Open(snap, "snapshot");
    ASSERT_TRUE(r.ok());
    Status st = b->Restore(&*r);
    EXPECT_EQ(st.code(), StatusCode::kInvalid);
    EXPECT_NE(st.message().find("aggregates"), std::string::npos) << st.message();
  }
  {
    auto r = StateReader::Open(snap, "snapshot");
    ASSERT_TRUE(r.ok());
    Status st = w->Restore(&*r);
    EXPECT_EQ(st.code(), StatusCode::kInvalid) << st.ToString();
  }
  std::string flipped = snap;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 1);
  EXPECT_FALSE(StateReader::Open(flipped, "snapshot").ok());
}

}  // namespace
}  // namespace sluice::stream
