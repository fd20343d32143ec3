// Exactly-once loading: data and the sink's position commit together (FlushWithCommit,
// `_sluice_commits`, Connection::LastCommit), run against every adapter
// (warehouse_targets.h); the PostgreSQL-only cases (a lost connection, a writer that
// waits for another's row lock) are in postgres_commit_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time.h"
#include "warehouse_targets.h"

namespace sluice::warehouse {
namespace {

using testing::Scalar;

SchemaPtr RowSchema() {
  return MakeSchema({{"id", DataType::Int64()}, {"amount", DataType::Int64()}});
}

// Rows (id, amount) for ids [first, first + n), amount = id * 10 (or `amount`).
RecordBatchPtr Rows(int64_t first, int64_t n, int64_t amount = -1) {
  BatchBuilder b(RowSchema());
  for (int64_t i = first; i < first + n; ++i) {
    b.column(0)->Append<int64_t>(i);
    b.column(1)->Append<int64_t>(amount >= 0 ? amount : i * 10);
  }
  return b.Finish();
}

ChangeBatch Upserts(int64_t first, int64_t n, int64_t amount = -1) {
  return ChangeBatch{Rows(first, n, amount),
                     std::vector<ChangeOp>(static_cast<size_t>(n), ChangeOp::kInsert)};
}

template <typename Target>
class CommitTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open(const std::string& name = "warehouse") {
    auto wh = target_.Open(name);
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    wh_ = std::move(*wh);
    conn_ = Connect();
    ASSERT_TRUE(conn_->EnsureTable("t", *RowSchema()).ok());
  }
  // Drops every object, so the file is closed (as after a crash that lost the process).
  void CloseAll() {
    conn_.reset();
    wh_.reset();
  }
  std::unique_ptr<Connection> Connect() {
    auto c = wh_->Connect();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::unique_ptr<TableUpserter> Upserter() {
    auto u = conn_->Upsert("t", *RowSchema(), {"id"});
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? std::move(*u) : nullptr;
  }
  // "checkpoint position" of `sink`, "none", or the error.
  std::string Commit(Connection* conn, const std::string& sink) {
    auto r = conn->LastCommit(sink);
    if (!r.ok()) return "error: " + r.status().ToString();
    if (!r->has_value()) return "none";
    return std::to_string((*r)->checkpoint_id) + " " + (*r)->position;
  }
  std::string Count() { return Scalar(conn_.get(), "SELECT count(*) FROM t"); }

  Target target_;
  std::unique_ptr<Warehouse> wh_;
  std::unique_ptr<Connection> conn_;
};

TYPED_TEST_SUITE(CommitTest, testing::WarehouseTargets, testing::TargetNames);

TYPED_TEST(CommitTest, DataAndPositionCommitTogether) {
  EXPECT_EQ(this->Commit(this->conn_.get(), "orders"), "none");  // no _sluice_commits table yet
  auto reader = this->Connect();
  auto up = this->Upserter();
  const int64_t before = NowMicros();
  ASSERT_TRUE(up->WriteChanges(Upserts(0, 100)).ok());
  // Before the flush another connection sees neither the rows nor the position.
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "0");
  EXPECT_EQ(this->Commit(reader.get(), "orders"), "none");
  ASSERT_TRUE(up->FlushWithCommit("orders", 1, "{\"offset\":100}").ok());
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "100");
  EXPECT_EQ(this->Commit(reader.get(), "orders"), "1 {\"offset\":100}");
  auto rec = reader->LastCommit("orders");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->sink, "orders");
  EXPECT_GE((*rec)->committed_at, before);
  EXPECT_LE((*rec)->committed_at, NowMicros());
  EXPECT_EQ(this->Commit(reader.get(), "other"), "none");
  // Sinks are independent rows; a position may be committed without data.
  ASSERT_TRUE(up->FlushWithCommit("other", 7, "p7").ok());
  ASSERT_TRUE(up->WriteChanges(Upserts(100, 50)).ok());
  ASSERT_TRUE(up->FlushWithCommit("orders", 2, "{\"offset\":150}").ok());
  EXPECT_EQ(this->Commit(reader.get(), "orders"), "2 {\"offset\":150}");
  EXPECT_EQ(this->Commit(reader.get(), "other"), "7 p7");
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM _sluice_commits"), "2");
  EXPECT_EQ(this->Count(), "150");
}

TYPED_TEST(CommitTest, ReplayedCheckpointIsRefusedAndNotDuplicated) {
  auto appender = this->conn_->Append("t", *RowSchema());
  ASSERT_TRUE(appender.ok());
  ASSERT_TRUE((*appender)->Write(*Rows(0, 10)).ok());
  ASSERT_TRUE((*appender)->FlushWithCommit("events", 5, "pos-5").ok());
  // The pipeline restarts from an older position and replays checkpoint 5: the append
  // would duplicate rows, so the flush is refused and the replayed rows are discarded.
  ASSERT_TRUE((*appender)->Write(*Rows(0, 10)).ok());
  Status st = (*appender)->FlushWithCommit("events", 5, "pos-5");
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(st.message().find("already committed checkpoint 5, so checkpoint 5 is a replay"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("rolled back"), std::string::npos) << st.message();
  EXPECT_EQ(this->Count(), "10");
  EXPECT_EQ((*appender)->FlushWithCommit("events", 4, "pos-4").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(this->Commit(this->conn_.get(), "events"), "5 pos-5");
  // The next checkpoint goes through as usual.
  ASSERT_TRUE((*appender)->Write(*Rows(10, 5)).ok());
  ASSERT_TRUE((*appender)->FlushWithCommit("events", 6, "pos-6").ok());
  EXPECT_EQ(this->Count(), "15");
  EXPECT_EQ(this->Commit(this->conn_.get(), "events"), "6 pos-6");
  ASSERT_TRUE((*appender)->Close().ok());
}

TYPED_TEST(CommitTest, UpsertReplayIsRefusedToo) {
  auto up = this->Upserter();
  ASSERT_TRUE(up->WriteChanges(Upserts(0, 10)).ok());
  ASSERT_TRUE(up->FlushWithCommit("s", 1, "a").ok());
  ASSERT_TRUE(up->WriteChanges(Upserts(0, 10, 999)).ok());
  EXPECT_EQ(up->FlushWithCommit("s", 1, "a").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT sum(amount) FROM t"), "450");
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "1 a");
  ASSERT_TRUE(up->Close().ok());
}

TYPED_TEST(CommitTest, FailedDataWriteLeavesTheCommitRowUnchanged) {
  ASSERT_TRUE(
      this->conn_->Execute("CREATE TABLE checked (id BIGINT, amount BIGINT CHECK (amount < 1000))").ok());
  auto r = this->conn_->Upsert("checked", *RowSchema(), {"id"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto& up = *r;
  ASSERT_TRUE(up->WriteChanges(Upserts(0, 10)).ok());
  ASSERT_TRUE(up->FlushWithCommit("s", 1, "p1").ok());
  ASSERT_TRUE(up->WriteChanges(Upserts(10, 10)).ok());
  ASSERT_TRUE(up->WriteChanges(Upserts(20, 1, 5000)).ok());  // violates the CHECK at flush
  Status st = up->FlushWithCommit("s", 2, "p2");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("rolled back"), std::string::npos) << st.message();
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "1 p1");
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT count(*) FROM checked"), "10");
  // Retrying checkpoint 2 with good data works: it was never recorded.
  ASSERT_TRUE(up->WriteChanges(Upserts(10, 11)).ok());
  ASSERT_TRUE(up->FlushWithCommit("s", 2, "p2").ok());
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "2 p2");
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT count(*) FROM checked"), "21");
}

TYPED_TEST(CommitTest, UnflushedWorkIsGoneAfterAReopen) {
  {
    auto up = this->Upserter();
    ASSERT_TRUE(up->WriteChanges(Upserts(0, 5)).ok());
    ASSERT_TRUE(up->FlushWithCommit("s", 1, "p1").ok());
    ASSERT_TRUE(up->WriteChanges(Upserts(5, 1000)).ok());
    auto appender = this->conn_->Append("t", *RowSchema());
    ASSERT_TRUE(appender.ok());
    up.reset();  // "crash": nothing flushed, everything destroyed
    ASSERT_TRUE((*appender)->Write(*Rows(2000, 100)).ok());
  }
  this->CloseAll();
  this->Open();
  EXPECT_EQ(this->Count(), "5");
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "1 p1");
  this->CloseAll();
  // A fresh file where the first checkpoint never flushed: neither data nor record.
  this->Open("fresh");
  {
    auto up = this->Upserter();
    ASSERT_TRUE(up->WriteChanges(Upserts(0, 5)).ok());
  }
  this->CloseAll();
  this->Open("fresh");
  EXPECT_EQ(this->Count(), "0");
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "none");
}

TYPED_TEST(CommitTest, ConcurrentFlushOfOneSinkCommitsOnce) {
  auto other = this->Connect();
  auto a = this->Upserter();
  auto rb = other->Upsert("t", *RowSchema(), {"id"});
  ASSERT_TRUE(rb.ok());
  auto& b = *rb;
  ASSERT_TRUE(a->WriteChanges(Upserts(0, 10)).ok());
  ASSERT_TRUE(b->WriteChanges(Upserts(100, 10)).ok());
  ASSERT_TRUE(b->FlushWithCommit("s", 1, "b").ok());
  // `a` began before `b` committed: its transaction must not commit checkpoint 1 again.
  Status st = a->FlushWithCommit("s", 1, "a");
  EXPECT_FALSE(st.ok()) << "both flushes of checkpoint 1 committed";
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "1 b");
  EXPECT_EQ(this->Count(), "10");
  // Now `a` reads (so its snapshot predates `b`'s commit) before `b` commits checkpoint 2:
  // it cannot see that row, and DuckDB's conflict detection must still stop it.
  ASSERT_TRUE(a->WriteChanges(Upserts(0, 10)).ok());
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT count(*) FROM t"), "10");  // inside a's transaction
  ASSERT_TRUE(b->WriteChanges(Upserts(200, 10)).ok());
  ASSERT_TRUE(b->FlushWithCommit("s", 2, "b2").ok());
  st = a->FlushWithCommit("s", 2, "a2");
  EXPECT_FALSE(st.ok()) << "both flushes of checkpoint 2 committed";
  if (TypeParam::kIsDuckDB) {
    // DuckDB has no row locks: its write-conflict check fails the commit.
    EXPECT_NE(st.message().find("Conflict"), std::string::npos) << st.message();
  } else {
    // PostgreSQL's lock makes `a` read `b`'s committed row: a replay.
    EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.message();
  }
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "2 b2");
  EXPECT_EQ(this->Count(), "20");
}

TYPED_TEST(CommitTest, BadCommitsAreRefused) {
  auto up = this->Upserter();
  ASSERT_TRUE(up->WriteChanges(Upserts(0, 3)).ok());
  Status st = up->FlushWithCommit("", 1, "p");
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("needs a sink name"), std::string::npos) << st.message();
  EXPECT_EQ(this->Count(), "0");
  // Positions are text: a NUL byte would be cut off by a C string, so it is refused.
  ASSERT_TRUE(up->WriteChanges(Upserts(0, 3)).ok());
  st = up->FlushWithCommit("s", 1, std::string("p\0q", 3));
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("NUL byte"), std::string::npos) << st.message();
  EXPECT_EQ(this->Count(), "0");
  EXPECT_EQ(this->Commit(this->conn_.get(), "s"), "none");
  ASSERT_TRUE(up->Close().ok());
  EXPECT_EQ(up->FlushWithCommit("s", 1, "p").code(), StatusCode::kInvalid);  // closed
}

}  // namespace
}  // namespace sluice::warehouse
