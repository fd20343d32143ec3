// The dead-letter table and BadRecordLog's warehouse writer, on DuckDB and a real
// PostgreSQL (warehouse/warehouse_targets.h), and the JSON-lines file fallback.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "stream/bad_record_log.h"
#include "stream/dead_letter_table.h"
#include "warehouse/warehouse_targets.h"

namespace sluice::stream {
namespace {

using warehouse::testing::Scalar;
using warehouse::testing::TempDir;
using warehouse::testing::WarehouseTargets;
using warehouse::testing::TargetNames;

connectors::BadRecord Bad(std::string connector, std::string location, std::string raw,
                          std::string error) {
  connectors::BadRecord b;
  b.connector = std::move(connector);
  b.location = std::move(location);
  b.raw = std::move(raw);
  b.error = std::move(error);
  return b;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int CountLines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

template <typename T>
class DeadLetterTest : public ::testing::Test {
 protected:
  T target_;
  TempDir dir_;
};
TYPED_TEST_SUITE(DeadLetterTest, WarehouseTargets, TargetNames);

TYPED_TEST(DeadLetterTest, BatchedWritesAtFlushWithKindsAndIds) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto log = BadRecordLog::Open(this->dir_.File("state/bad_records.ndjson"));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->AttachWarehouse(wh->get()).ok());
  (*log)->Add("orders", Bad("orders", "orders.ndjson:3", "{\"id\": x}", "invalid JSON"));
  (*log)->Add("orders", Bad("totals", "streams/t.sql:1:1", "id=1", "division by zero"));
  (*log)->Add("orders", Bad("hourly", "streams/h.sql:2:1", "ts=2020", "late: the event time"));
  (*log)->Add("orders", Bad("out", "out:row 4", "a,b", "rejected"));
  (*log)->Add("orders", "source", Bad("orders", "http:7", "{}", "missing field id"));
  EXPECT_EQ((*log)->count(), 5);

  auto conn = (*wh)->Connect();
  ASSERT_TRUE(conn.ok());
  // Nothing is written before the flush (batched, not one INSERT per record).
  EXPECT_EQ(Scalar(conn->get(), "SELECT count(*) FROM _sluice_dead_letters"), "0");
  (*log)->Flush();
  EXPECT_EQ(Scalar(conn->get(), "SELECT count(*) FROM _sluice_dead_letters"), "5");
  EXPECT_EQ((*log)->unwritten_count(), 0);
  // The file keeps a local copy of every record.
  EXPECT_EQ(CountLines(ReadAll((*log)->path())), 5);

  auto table = DeadLetterTable::Open(wh->get());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto rows = (*table)->List({});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 5u);
  const char* kinds[] = {"source", "query", "late", "sink", "source"};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*rows)[i].id, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*rows)[i].kind, kinds[i]) << i;
    EXPECT_EQ((*rows)[i].pipeline, "orders");
    EXPECT_GT((*rows)[i].time, 0);
    EXPECT_FALSE((*rows)[i].replayed_at.has_value());
  }
  EXPECT_EQ((*rows)[0].raw, "{\"id\": x}");
  EXPECT_EQ((*rows)[0].error, "invalid JSON");
  EXPECT_EQ((*rows)[0].location, "orders.ndjson:3");
  EXPECT_NE((*log)->where().find("_sluice_dead_letters"), std::string::npos);
}

TYPED_TEST(DeadLetterTest, ListFiltersGetAndMarkReplayedOnce) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto table = DeadLetterTable::Open(wh->get());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::vector<DeadLetter> rows(4);
  for (int i = 0; i < 4; ++i) {
    rows[static_cast<size_t>(i)].pipeline = i % 2 ? "clicks" : "orders";
    rows[static_cast<size_t>(i)].connector = rows[static_cast<size_t>(i)].pipeline;
    rows[static_cast<size_t>(i)].kind = "source";
    rows[static_cast<size_t>(i)].time = 1700000000000000 + i;
    rows[static_cast<size_t>(i)].raw = "it's raw " + std::to_string(i);  // a quote
  }
  ASSERT_TRUE((*table)->Write(&rows).ok());
  EXPECT_EQ(rows[3].id, 4);

  DeadLetterFilter f;
  f.source = "clicks";
  auto clicks = (*table)->List(f);
  ASSERT_TRUE(clicks.ok());
  ASSERT_EQ(clicks->size(), 2u);
  EXPECT_EQ((*clicks)[0].id, 2);
  EXPECT_EQ((*clicks)[1].raw, "it's raw 3");
  f = {};
  f.limit = 1;
  EXPECT_EQ((*table)->List(f)->size(), 1u);

  auto one = (*table)->Get(3);
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->time, 1700000000000002);
  EXPECT_FALSE((*table)->Get(99)->has_value());

  ASSERT_TRUE((*table)->MarkReplayed({1, 3}, 1800000000000000).ok());
  // Marking again does not move the first replay time.
  ASSERT_TRUE((*table)->MarkReplayed({1}, 1900000000000000).ok());
  f = {};
  f.only_not_replayed = true;
  auto left = (*table)->List(f);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].id, 2);
  EXPECT_EQ(*(*(*table)->Get(1))->replayed_at, 1800000000000000);

  // A reopened table continues the ids.
  auto again = DeadLetterTable::Open(wh->get());
  ASSERT_TRUE(again.ok());
  std::vector<DeadLetter> more(1);
  more[0].kind = "sink";
  ASSERT_TRUE((*again)->Write(&more).ok());
  EXPECT_EQ(more[0].id, 5);
}

TYPED_TEST(DeadLetterTest, BinaryRawBytesDoNotFailTheBatch) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto table = DeadLetterTable::Open(wh->get());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::vector<DeadLetter> rows(3);
  rows[0].raw = std::string("a\xff\0b", 4);         // invalid UTF-8 and NUL
  rows[1].raw = "caf\xc3\xa9 \xe2\x82\xac";            // valid UTF-8 stays as is
  rows[2].raw = "cut \xe2\x82";                        // a sequence cut short
  Status st = (*table)->Write(&rows);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto back = (*table)->List({});
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[0].raw, "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  EXPECT_EQ((*back)[1].raw, "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ((*back)[2].raw, "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

TYPED_TEST(DeadLetterTest, FailedTableWriteKeepsRecordsInTheFile) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto log = BadRecordLog::Open(this->dir_.File("bad.ndjson"));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->AttachWarehouse(wh->get()).ok());
  (*log)->Add("orders", Bad("orders", "orders.csv:2", "1,x", "not a number: 'x'"));
  (*log)->Add("orders", Bad("orders", "orders.csv:3", "2,y", "not a number: 'y'"));
  auto conn = (*wh)->Connect();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->Execute("DROP TABLE _sluice_dead_letters").ok());
  (*log)->Flush();
  const std::string text = ReadAll((*log)->path());
  EXPECT_EQ(CountLines(text), 2) << text;
  EXPECT_NE(text.find("\"raw\":\"1,x\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"kind\":\"source\""), std::string::npos) << text;
  EXPECT_EQ((*log)->unwritten_count(), 2);
  EXPECT_NE((*log)->where().find("2 only in"), std::string::npos) << (*log)->where();
}

TYPED_TEST(DeadLetterTest, IncompatibleTableFallsBackToTheFileAndSaysWhy) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto conn = (*wh)->Connect();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->Execute("CREATE TABLE _sluice_dead_letters (id VARCHAR)").ok());
  auto log = BadRecordLog::Open(this->dir_.File("bad.ndjson"));
  ASSERT_TRUE(log.ok());
  Status st = (*log)->AttachWarehouse(wh->get());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("_sluice_dead_letters"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("id"), std::string::npos) << st.message();
  (*log)->Add("orders", Bad("orders", "orders.csv:2", "1,x", "bad"));
  (*log)->Flush();
  EXPECT_EQ(CountLines(ReadAll((*log)->path())), 1);
  EXPECT_EQ((*log)->where(), (*log)->path());
}

// A record reported again by a replay after a crash (same stable location) is stored
// once; other records are stored every time.
TYPED_TEST(DeadLetterTest, StableLocationsAreStoredOnce) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto log = BadRecordLog::Open(this->dir_.File("state/bad_records.ndjson"));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->AttachWarehouse(wh->get()).ok());
  auto stable = [](std::string location) {
    connectors::BadRecord b = Bad("events", std::move(location), "{\"n\":\"x\"}", "bad n");
    b.stable_location = true;
    return b;
  };
  (*log)->Add("events", stable("request 7 record 1, log offset 3"));
  (*log)->Add("events", stable("request 7 record 2, log offset 3"));
  (*log)->Flush();
  // The replay: the same two, one new, one twice within a flush, and an unstable one twice.
  (*log)->Add("events", stable("request 7 record 1, log offset 3"));
  (*log)->Add("events", stable("request 7 record 2, log offset 3"));
  (*log)->Add("events", stable("request 9 record 0, log offset 5"));
  (*log)->Add("events", stable("request 9 record 0, log offset 5"));
  (*log)->Add("events", Bad("q", "streams/q.sql:1:1", "id=1", "division by zero"));
  (*log)->Add("events", Bad("q", "streams/q.sql:1:1", "id=1", "division by zero"));
  (*log)->Flush();
  // Another pipeline's record at the same location is its own.
  (*log)->Add("other", stable("request 7 record 1, log offset 3"));
  (*log)->Flush();
  auto table = DeadLetterTable::Open(wh->get());
  ASSERT_TRUE(table.ok());
  auto all = (*table)->List({});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> got;
  for (const DeadLetter& d : *all) got.push_back(d.pipeline + "|" + d.location);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "events|request 7 record 1, log offset 3",
                     "events|request 7 record 2, log offset 3",
                     "events|request 9 record 0, log offset 5", "events|streams/q.sql:1:1",
                     "events|streams/q.sql:1:1", "other|request 7 record 1, log offset 3"}));
  EXPECT_EQ((*log)->unwritten_count(), 0);
}

// A pipeline resuming from checkpoint R deletes its dead letters of later checkpoints
// (stored or still buffered), which the replay reports again; it keeps the replayed ones,
// those of R and before, those without a checkpoint and other pipelines' rows.
TYPED_TEST(DeadLetterTest, AResumeDeletesTheDeadLettersAfterItsCheckpoint) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto log = BadRecordLog::Open(this->dir_.File("state/bad_records.ndjson"));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->AttachWarehouse(wh->get()).ok());
  const auto bad = [](int n) {
    return Bad("q", "streams/q.sql:1:1", "id=" + std::to_string(n), "cannot cast");
  };
  (*log)->Add("orders", bad(1), 3);
  (*log)->Add("orders", bad(2), 4);
  (*log)->Add("orders", bad(3), 5);
  (*log)->Add("orders", bad(4));  // no checkpoint
  (*log)->Add("clicks", bad(5), 9);
  (*log)->Flush();
  auto table = DeadLetterTable::Open(wh->get());
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->MarkReplayed({3}, 1800000000000000).ok());
  (*log)->Add("orders", bad(6), 6);  // buffered, not flushed yet
  Result<int64_t> deleted = (*log)->DeleteUncommitted("orders", 3);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 2);  // id=2 (stored) and id=6 (buffered); id=3 was replayed
  (*log)->Flush();
  auto all = (*table)->List({});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> got;
  for (const DeadLetter& d : *all) {
    got.push_back(d.pipeline + "|" + d.raw + "|" + std::to_string(d.checkpoint));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"orders|id=1|3", "orders|id=3|5", "orders|id=4|0",
                                           "clicks|id=5|9"}));
  // From the start: id=1 goes; id=3 is replayed, id=4 has no checkpoint.
  EXPECT_EQ(*(*table)->DeleteUncommitted("orders", 0), 1);
  EXPECT_EQ(*(*table)->DeleteUncommitted("clicks", 8), 1);
}

// A table written by an older sluice (without the checkpoint column) gains it.
TYPED_TEST(DeadLetterTest, AnOlderTableGainsTheCheckpointColumn) {
  auto wh = this->target_.Open("warehouse");
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto conn = (*wh)->Connect();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->Execute("CREATE TABLE _sluice_dead_letters (id BIGINT, time TIMESTAMP, "
                               "pipeline VARCHAR, connector VARCHAR, kind VARCHAR, location VARCHAR, "
                               "error VARCHAR, raw VARCHAR, replayed_at TIMESTAMP)")
                  .ok());
  ASSERT_TRUE((*conn)->Execute("INSERT INTO _sluice_dead_letters VALUES (1, NULL, 'orders', 'orders', "
                               "'source', 'a.csv:2', 'bad', 'x', NULL)")
                  .ok());
  auto table = DeadLetterTable::Open(wh->get());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::vector<DeadLetter> rows(1);
  rows[0].pipeline = "orders";
  rows[0].checkpoint = 7;
  ASSERT_TRUE((*table)->Write(&rows).ok());
  auto all = (*table)->List({});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].checkpoint, 0);
  EXPECT_EQ((*all)[1].checkpoint, 7);
  EXPECT_EQ((*all)[1].id, 2);
}

TEST(BadRecordLogTest, FileOnlyWithoutWarehouse) {
  TempDir dir;
  auto log = BadRecordLog::Open(dir.File("a/b/bad.ndjson"));
  ASSERT_TRUE(log.ok());
  (*log)->Add("p", Bad("p", "f.ndjson:1", std::string(5000, 'x'), "invalid \"JSON\""));
  (*log)->Flush();
  const std::string text = ReadAll(dir.File("a/b/bad.ndjson"));
  EXPECT_EQ(CountLines(text), 1);
  EXPECT_NE(text.find("invalid \\\"JSON\\\""), std::string::npos);
  EXPECT_EQ(text.find(std::string(4097, 'x')), std::string::npos);  // raw capped at 4 KiB
  EXPECT_NE(text.find(std::string(4096, 'x')), std::string::npos);
}

TEST(BadRecordLogTest, OpenReportsAnUnwritablePath) {
  auto log = BadRecordLog::Open("/proc/definitely/not/here.ndjson");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("/proc/definitely/not/here.ndjson"), std::string::npos);
}

TEST(BadRecordLogTest, InfersKinds) {
  EXPECT_EQ(BadRecordLog::InferKind("s", Bad("s", "f:1", "", "x")), "source");
  EXPECT_EQ(BadRecordLog::InferKind("s", Bad("q", "streams/a.sql:1:1", "", "x")), "query");
  EXPECT_EQ(BadRecordLog::InferKind("s", Bad("q", "streams/a.sql:1:1", "", "late: t")), "late");
  EXPECT_EQ(BadRecordLog::InferKind("s", Bad("out", "row 1", "", "x")), "sink");
}

}  // namespace
}  // namespace sluice::stream
