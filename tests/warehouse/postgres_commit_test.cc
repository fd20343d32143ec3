// PostgreSQL-only cases of upserts and exactly-once commits: a server connection lost in
// the middle of a flush, a second writer that waits for the first one's row lock, and
// tables made by hand (mixed-case names, a primary key, varchar(n), timestamptz keys).
// The adapter-independent cases run in upsert_test.cc and commit_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "warehouse_targets.h"

namespace sluice::warehouse {
namespace {

using testing::PostgresTarget;
using testing::Scalar;

SchemaPtr RowSchema() {
  return MakeSchema({{"id", DataType::Int64()}, {"amount", DataType::Int64()}});
}

ChangeBatch Upserts(int64_t first, int64_t n, int64_t amount = 1) {
  BatchBuilder b(RowSchema());
  for (int64_t i = first; i < first + n; ++i) {
    b.column(0)->Append<int64_t>(i);
    b.column(1)->Append<int64_t>(amount);
  }
  return ChangeBatch{b.Finish(), std::vector<ChangeOp>(static_cast<size_t>(n), ChangeOp::kInsert)};
}

class PostgresCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto wh = target_.Open("warehouse");
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    wh_ = std::move(*wh);
    conn_ = Connect();
    ASSERT_NE(conn_, nullptr);
    ASSERT_TRUE(conn_->EnsureTable("t", *RowSchema()).ok());
  }
  std::unique_ptr<Connection> Connect() {
    auto c = wh_->Connect();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  // Ends the server process behind `victim` from another connection.
  void Terminate(Connection* victim) {
    const std::string pid = Scalar(victim, "SELECT pg_backend_pid()");
    auto admin = Connect();
    ASSERT_EQ(Scalar(admin.get(), "SELECT pg_terminate_backend(" + pid + ")"), "true");
    // Wait until the backend is gone, so the next statement surely fails.
    for (int i = 0; i < 500; ++i) {
      if (Scalar(admin.get(), "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) == "0")
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "backend " << pid << " did not go away";
  }
  std::string Commit(const std::string& sink) {
    auto reader = Connect();
    auto r = reader->LastCommit(sink);
    if (!r.ok()) return "error: " + r.status().ToString();
    if (!r->has_value()) return "none";
    return std::to_string((*r)->checkpoint_id) + " " + (*r)->position;
  }

  PostgresTarget target_;
  std::unique_ptr<Warehouse> wh_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(PostgresCommitTest, ServerGoneMidFlushCommitsNothing) {
  auto reader = Connect();
  auto r = conn_->Upsert("t", *RowSchema(), {"id"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto& up = *r;
  ASSERT_TRUE(up->WriteChanges(Upserts(0, 10)).ok());
  ASSERT_TRUE(up->FlushWithCommit("s", 1, "p1").ok());
  // 200K changes: more than one COPY chunk, so part of them already went to the server
  // inside the open transaction when the connection dies.
  for (int64_t first = 0; first < 200000; first += 2048) {
    ASSERT_TRUE(up->WriteChanges(Upserts(first, 2048, 2)).ok());
  }
  Terminate(conn_.get());
  Status st = up->FlushWithCommit("s", 2, "p2");
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("lost the connection"), std::string::npos) << st.message();
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) || ' ' || sum(amount) FROM t"), "10 10");
  EXPECT_EQ(Commit("s"), "1 p1");
  // The dead upserter keeps failing cleanly; closing and destroying it is safe.
  Status after = up->WriteChanges(Upserts(0, 3000, 3));
  if (after.ok()) after = up->Close();
  EXPECT_EQ(after.code(), StatusCode::kIOError) << after.ToString();
  up.reset();
  // A fresh connection resumes from the committed checkpoint.
  auto again = Connect();
  auto up2 = again->Upsert("t", *RowSchema(), {"id"});
  ASSERT_TRUE(up2.ok()) << up2.status().ToString();
  ASSERT_TRUE((*up2)->WriteChanges(Upserts(0, 20, 2)).ok());
  ASSERT_TRUE((*up2)->FlushWithCommit("s", 2, "p2").ok());
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) || ' ' || sum(amount) FROM t"), "20 40");
  EXPECT_EQ(Commit("s"), "2 p2");
}

TEST_F(PostgresCommitTest, AppenderConnectionLostBeforeCommit) {
  auto reader = Connect();
  auto r = conn_->Append("t", *RowSchema());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE((*r)->Write(*Upserts(0, 5).rows).ok());
  ASSERT_TRUE((*r)->FlushWithCommit("a", 1, "p1").ok());
  for (int64_t first = 0; first < 300000; first += 2048) {
    ASSERT_TRUE((*r)->Write(*Upserts(first, 2048).rows).ok());
  }
  Terminate(conn_.get());
  Status st = (*r)->FlushWithCommit("a", 2, "p2");
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "5");
  EXPECT_EQ(Commit("a"), "1 p1");
}

TEST_F(PostgresCommitTest, SecondWriterWaitsForTheRowLockThenSeesAReplay) {
  auto up = conn_->Upsert("t", *RowSchema(), {"id"});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  ASSERT_TRUE((*up)->FlushWithCommit("s", 1, "p1").ok());
  // Another writer holds the sink's row (it is committing checkpoint 2 right now).
  auto other = Connect();
  ASSERT_TRUE(other
                  ->Execute("BEGIN; SELECT * FROM _sluice_commits WHERE sink = 's' FOR UPDATE; "
                            "UPDATE _sluice_commits SET checkpoint_id = 2, position = 'other' "
                            "WHERE sink = 's'")
                  .ok());
  ASSERT_TRUE((*up)->WriteChanges(Upserts(0, 10)).ok());
  Status st;
  std::thread flusher([&] { st = (*up)->FlushWithCommit("s", 2, "mine"); });
  // Whether the flush is already waiting or not, it must see checkpoint 2 once the
  // other transaction commits (no timing is asserted; the pause only makes the wait likely).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(other->Execute("COMMIT").ok());
  flusher.join();
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_NE(st.message().find("already committed checkpoint 2"), std::string::npos)
      << st.message();
  EXPECT_EQ(Commit("s"), "2 other");
  EXPECT_EQ(Scalar(conn_.get(), "SELECT count(*) FROM t"), "0");
}

TEST_F(PostgresCommitTest, HandMadeTablesWithKeysAndOddColumnTypes) {
  ASSERT_TRUE(conn_
                  ->Execute("CREATE SCHEMA \"Shop\"; CREATE DOMAIN qty AS bigint CHECK (VALUE >= 0); "
                            "CREATE TABLE \"Shop\".\"Orders\" (\"OrderId\" bigint PRIMARY KEY, "
                            "placed timestamptz NOT NULL, note varchar(20), n qty, "
                            "extra text DEFAULT 'kept')")
                  .ok());
  auto schema = MakeSchema({{"orderid", DataType::Int64()},
                            {"placed", DataType::Timestamp()},
                            {"note", DataType::Varchar()},
                            {"n", DataType::Int64()}});
  auto up = conn_->Upsert("shop.orders", *schema, {"OrderID", "placed"});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  auto batch = [&](std::vector<std::tuple<ChangeOp, int64_t, int64_t, std::string>> rows) {
    BatchBuilder b(schema);
    ChangeBatch out;
    for (const auto& [op, id, ts, note] : rows) {
      b.column(0)->Append<int64_t>(id);
      b.column(1)->Append<int64_t>(ts);
      b.column(2)->AppendString(note);
      b.column(3)->Append<int64_t>(id * 2);
      out.ops.push_back(op);
    }
    out.rows = b.Finish();
    return out;
  };
  // The primary key does not get in the way: a key is deleted before it is inserted again.
  ASSERT_TRUE((*up)->WriteChanges(batch({{ChangeOp::kInsert, 1, 1000000, "a"},
                                         {ChangeOp::kInsert, 2, 2000000, "b"}}))
                  .ok());
  ASSERT_TRUE((*up)->Flush().ok());
  ASSERT_TRUE((*up)->WriteChanges(batch({{ChangeOp::kUpdateAfter, 1, 1000000, "a2"},
                                         {ChangeOp::kDelete, 2, 2000000, ""}}))
                  .ok());
  ASSERT_TRUE((*up)->FlushWithCommit("orders", 1, "x").ok());
  // The session time zone must not matter for timestamptz keys.
  ASSERT_TRUE(conn_->Execute("SET TimeZone = 'Asia/Kolkata'").ok());
  ASSERT_TRUE(
      (*up)->WriteChanges(batch({{ChangeOp::kUpdateAfter, 1, 1000000, "a3"}})).ok());
  ASSERT_TRUE((*up)->Close().ok());
  EXPECT_EQ(Scalar(conn_.get(),
                   "SELECT count(*) || ' ' || string_agg(note || n || extra, ',') FROM "
                   "\"Shop\".\"Orders\""),
            "1 a32kept");
  // A value the domain refuses rolls the flush back with the server's message.
  auto up2 = conn_->Upsert("shop.orders", *schema, {"orderid"});
  ASSERT_TRUE(up2.ok()) << up2.status().ToString();
  ChangeBatch bad = batch({{ChangeOp::kInsert, -5, 0, "neg"}});
  ASSERT_TRUE((*up2)->WriteChanges(bad).ok());
  Status st = (*up2)->Flush();
  EXPECT_NE(st.message().find("qty"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("rolled back"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sluice::warehouse
