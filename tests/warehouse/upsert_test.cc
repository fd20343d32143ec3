// Changelog upserts (Connection::Upsert, TableUpserter), run against every adapter
// (warehouse_targets.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "warehouse/changelog.h"
#include "warehouse_targets.h"

namespace sluice::warehouse {
namespace {

using testing::Lower;
using testing::Scalar;

constexpr ChangeOp kI = ChangeOp::kInsert;
constexpr ChangeOp kUb = ChangeOp::kUpdateBefore;
constexpr ChangeOp kUa = ChangeOp::kUpdateAfter;
constexpr ChangeOp kD = ChangeOp::kDelete;

struct Change {
  ChangeOp op;
  std::optional<int64_t> id;  // nullopt = NULL key
  std::string name;
  int64_t amount;
};

SchemaPtr RowSchema() {
  return MakeSchema({{"id", DataType::Int64()},
                     {"name", DataType::Varchar()},
                     {"amount", DataType::Int64()}});
}

ChangeBatch Changes(const std::vector<Change>& changes) {
  BatchBuilder b(RowSchema());
  ChangeBatch out;
  for (const Change& c : changes) {
    if (c.id) {
      b.column(0)->Append<int64_t>(*c.id);
    } else {
      b.column(0)->AppendNull();
    }
    b.column(1)->AppendString(c.name);
    b.column(2)->Append<int64_t>(c.amount);
    out.ops.push_back(c.op);
  }
  out.rows = b.Finish();
  return out;
}

// Every row of `sql` as text, one per line.
std::string Rows(Connection* conn, const std::string& sql) {
  auto r = conn->Query(sql);
  if (!r.ok()) return "error: " + r.status().ToString();
  std::string out;
  for (const auto& b : r->batches) out += b->ToString();
  return out;
}

template <typename Target>
class UpsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto wh = target_.Open("warehouse");
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    wh_ = std::move(*wh);
    conn_ = Connect();
    ASSERT_TRUE(conn_->EnsureTable("t", *RowSchema()).ok());
  }
  std::unique_ptr<Connection> Connect() {
    auto c = wh_->Connect();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::unique_ptr<TableUpserter> Upserter(std::vector<std::string> keys = {"id"}) {
    auto u = conn_->Upsert("t", *RowSchema(), keys);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? std::move(*u) : nullptr;
  }
  std::string Table() { return Rows(conn_.get(), "SELECT * FROM t ORDER BY id, name"); }

  Target target_;
  std::unique_ptr<Warehouse> wh_;
  std::unique_ptr<Connection> conn_;
};

TYPED_TEST_SUITE(UpsertTest, testing::WarehouseTargets, testing::TargetNames);

TYPED_TEST(UpsertTest, InsertsUpdatesAndDeletes) {
  auto up = this->Upserter();
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 1, "a", 10}, {kI, 2, "b", 20}, {kI, 3, "c", 30}})).ok());
  ASSERT_TRUE(up->Flush().ok());
  EXPECT_EQ(this->Table(), "1 | a | 10\n2 | b | 20\n3 | c | 30\n");
  ASSERT_TRUE(up->WriteChanges(Changes({{kUb, 2, "b", 20}, {kUa, 2, "B", 21}, {kD, 3, "c", 30},
                                        {kD, 99, "never there", 0}, {kI, 4, "d", 40}}))
                  .ok());
  ASSERT_TRUE(up->Flush().ok());
  EXPECT_EQ(this->Table(), "1 | a | 10\n2 | B | 21\n4 | d | 40\n");
  // +I of an existing key replaces it (an upsert, not a duplicate).
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 1, "again", 11}})).ok());
  ASSERT_TRUE(up->Close().ok());
  EXPECT_EQ(this->Table(), "1 | again | 11\n2 | B | 21\n4 | d | 40\n");
}

TYPED_TEST(UpsertTest, LaterChangesToAKeyWinWithinABatch) {
  auto up = this->Upserter();
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 1, "x", 1},
                                        {kUb, 1, "x", 1},
                                        {kUa, 1, "y", 2},
                                        {kI, 2, "gone", 5},
                                        {kUb, 1, "y", 2},
                                        {kUa, 1, "z", 3},
                                        {kD, 2, "gone", 5},
                                        {kD, 3, "back", 0},
                                        {kI, 3, "back", 7}}))
                  .ok());
  ASSERT_TRUE(up->Flush().ok());
  EXPECT_EQ(this->Table(), "1 | z | 3\n3 | back | 7\n");
}

TYPED_TEST(UpsertTest, UpdateBeforeIsADeleteUnlessAnUpdateAfterFollows) {
  auto up = this->Upserter();
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 1, "a", 1}, {kI, 2, "b", 2}, {kI, 3, "c", 3}})).ok());
  ASSERT_TRUE(up->Flush().ok());
  // A -U at the end of one batch and its +U at the start of the next: compaction spans
  // every batch since the last flush, so key 1 is updated, never missing.
  ASSERT_TRUE(up->WriteChanges(Changes({{kUb, 1, "a", 1}})).ok());
  ASSERT_TRUE(up->WriteChanges(Changes({{kUa, 1, "a2", 11}})).ok());
  // A lone -U (the key itself changed from 2 to 20) removes the old key's row.
  ASSERT_TRUE(up->WriteChanges(Changes({{kUb, 2, "b", 2}, {kUa, 20, "b", 2}})).ok());
  // A later batch deleting key 3 and another re-inserting it: the last one wins.
  ASSERT_TRUE(up->WriteChanges(Changes({{kD, 3, "c", 3}})).ok());
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 3, "c2", 33}})).ok());
  // And the other way round: an insert undone by a delete in a later batch.
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 5, "short-lived", 5}})).ok());
  ASSERT_TRUE(up->WriteChanges(Changes({{kD, 5, "short-lived", 5}})).ok());
  ASSERT_TRUE(up->Flush().ok());
  EXPECT_EQ(this->Table(), "1 | a2 | 11\n3 | c2 | 33\n20 | b | 2\n");
}

TYPED_TEST(UpsertTest, CompositeKeys) {
  auto schema = MakeSchema({{"region", DataType::Varchar()},
                            {"id", DataType::Int32()},
                            {"day", DataType::Date()},
                            {"v", DataType::Decimal(10, 2)}});
  ASSERT_TRUE(this->conn_->EnsureTable("analytics.c", *schema).ok());
  auto up = this->conn_->Upsert("analytics.c", *schema, {"REGION", "id", "day"});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  auto batch = [&](const std::vector<std::tuple<ChangeOp, std::string, int32_t, int32_t, int64_t>>&
                       rows) {
    BatchBuilder b(schema);
    ChangeBatch out;
    for (const auto& [op, region, id, day, v] : rows) {
      b.column(0)->AppendString(region);
      b.column(1)->Append<int32_t>(id);
      b.column(2)->Append<int32_t>(day);
      b.column(3)->Append<int64_t>(v);
      out.ops.push_back(op);
    }
    out.rows = b.Finish();
    return out;
  };
  ASSERT_TRUE((*up)->WriteChanges(batch({{kI, "eu", 1, 0, 100},
                                         {kI, "us", 1, 0, 200},
                                         {kI, "eu", 1, 1, 300},
                                         {kI, "eu", 2, 0, 400}}))
                  .ok());
  ASSERT_TRUE((*up)->Flush().ok());
  ASSERT_TRUE((*up)->WriteChanges(batch({{kUa, "us", 1, 0, 201}, {kD, "eu", 1, 1, 0}})).ok());
  ASSERT_TRUE((*up)->Close().ok());
  EXPECT_EQ(Rows(this->conn_.get(), "SELECT region, id, day, v FROM analytics.c ORDER BY region, id, day"),
            "eu | 1 | 1970-01-01 | 1.00\neu | 2 | 1970-01-01 | 4.00\nus | 1 | 1970-01-01 | 2.01\n");
}

TYPED_TEST(UpsertTest, NullKeyRefusesTheBatchNamingTheColumn) {
  auto up = this->Upserter();
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 1, "kept", 1}})).ok());
  Status st = up->WriteChanges(Changes({{kI, 2, "b", 2}, {kD, std::nullopt, "null key", 0}}));
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("key column 'id' is NULL in row 1"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("(op -D)"), std::string::npos) << st.message();
  // The refused batch wrote nothing; changes before it are still pending and commit.
  ASSERT_TRUE(up->Flush().ok());
  EXPECT_EQ(this->Table(), "1 | kept | 1\n");
}

TYPED_TEST(UpsertTest, BadOpsAreRefused) {
  auto up = this->Upserter();
  ChangeBatch batch = Changes({{kI, 1, "a", 1}, {kI, 2, "b", 2}});
  batch.ops.pop_back();
  Status st = up->WriteChanges(batch);
  EXPECT_NE(st.message().find("2 rows but 1 ops"), std::string::npos) << st.message();
  batch.ops = {kI, static_cast<ChangeOp>(7)};
  st = up->WriteChanges(batch);
  EXPECT_NE(st.message().find("row 1 has op code 7"), std::string::npos) << st.message();
  EXPECT_FALSE(up->WriteChanges(ChangeBatch{}).ok());
  auto other = MakeSchema({{"id", DataType::Int32()}});
  BatchBuilder b(other);
  b.column(0)->Append<int32_t>(1);
  st = up->WriteChanges(ChangeBatch{b.Finish(), {kI}});
  EXPECT_NE(st.message().find("expects 3"), std::string::npos) << st.message();
  ASSERT_TRUE(up->Flush().ok());
  EXPECT_EQ(this->Table(), "");
}

TYPED_TEST(UpsertTest, BadKeysAndTablesAreRefusedAtUpsert) {
  auto message = [&](std::string_view table, const Schema& schema,
                     const std::vector<std::string>& keys) {
    auto r = this->conn_->Upsert(table, schema, keys);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  const SchemaPtr schema = RowSchema();
  const Schema& s = *schema;
  EXPECT_NE(message("t", s, {}).find("no key columns"), std::string::npos);
  EXPECT_NE(message("t", s, {"nope"}).find("key column 'nope' is not a column"), std::string::npos);
  EXPECT_NE(message("t", s, {"id", "ID"}).find("'ID' is repeated"), std::string::npos);
  EXPECT_NE(message("missing", s, {"id"}).find("does not exist"), std::string::npos);
  Schema wider({{"id", DataType::Int64()}, {"extra", DataType::Int64()}});
  EXPECT_NE(message("t", wider, {"id"}).find("no column 'extra'"), std::string::npos);
  Schema retyped({{"id", DataType::Int32()}});
  EXPECT_NE(Lower(message("t", retyped, {"id"})).find("has type bigint"), std::string::npos);
  Schema dbl({{"x", DataType::Double()}});
  ASSERT_TRUE(this->conn_->EnsureTable("d", dbl).ok());
  EXPECT_NE(message("d", dbl, {"x"}).find("DOUBLE column cannot be an upsert key"),
            std::string::npos);
  Schema reserved({{"id", DataType::Int64()}, {"_sluice_delete", DataType::Boolean()}});
  ASSERT_TRUE(this->conn_->EnsureTable("t", reserved).ok());
  EXPECT_NE(message("t", reserved, {"id"}).find("reserved prefix"), std::string::npos);
  // Warehouses without upserts say so (the interface default).
  class Bare : public Connection {
   public:
    Status Execute(std::string_view) override { return Status::OK(); }
    Result<QueryResult> Query(std::string_view) override { return QueryResult{}; }
    Result<bool> TableExists(std::string_view) override { return false; }
    Status EnsureTable(std::string_view, const Schema&) override { return Status::OK(); }
    Result<std::unique_ptr<TableAppender>> Append(std::string_view, const Schema&) override {
      return Status::NotImplemented("x");
    }
  } bare;
  EXPECT_EQ(bare.Upsert("t", s, {"id"}).status().code(), StatusCode::kNotImplemented);
  EXPECT_EQ(bare.LastCommit("s").status().code(), StatusCode::kNotImplemented);
}

TYPED_TEST(UpsertTest, WriteUpsertsAndReplacesEveryRowWithTheKey) {
  ASSERT_TRUE(this->conn_->Execute("INSERT INTO t VALUES (1, 'dup', 0), (1, 'dup', 0), (2, 'b', 2)").ok());
  auto up = this->Upserter();
  BatchBuilder b(RowSchema());
  b.column(0)->Append<int64_t>(1);
  b.column(1)->AppendString("one");
  b.column(2)->Append<int64_t>(1);
  ASSERT_TRUE(up->Write(*b.Finish()).ok());
  ASSERT_TRUE(up->Close().ok());
  EXPECT_EQ(this->Table(), "1 | one | 1\n2 | b | 2\n");
  EXPECT_FALSE(up->WriteChanges(Changes({{kI, 3, "c", 3}})).ok());  // closed
}

TYPED_TEST(UpsertTest, ChangesAreInvisibleUntilFlushAndDroppedWithoutClose) {
  auto reader = this->Connect();
  {
    auto up = this->Upserter();
    ASSERT_TRUE(up->WriteChanges(Changes({{kI, 1, "a", 1}})).ok());
    EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "0");
    ASSERT_TRUE(up->Flush().ok());
    EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "1");
    ASSERT_TRUE(up->WriteChanges(Changes({{kD, 1, "a", 1}, {kI, 2, "b", 2}})).ok());
  }  // destroyed without Close: the pending delete and insert are dropped
  EXPECT_EQ(Rows(reader.get(), "SELECT * FROM t"), "1 | a | 1\n");
  // The staging table went with the upserter; the connection works on.
  EXPECT_EQ(Scalar(this->conn_.get(), TypeParam::TempTablesSql()), "0");
  auto up = this->Upserter();
  ASSERT_TRUE(up->WriteChanges(Changes({{kUa, 1, "a2", 2}})).ok());
  ASSERT_TRUE(up->Close().ok());
  EXPECT_EQ(Rows(reader.get(), "SELECT * FROM t"), "1 | a2 | 2\n");
}

TYPED_TEST(UpsertTest, AFailedApplyRollsBackAndTheUpserterRecovers) {
  ASSERT_TRUE(this->conn_->Execute("CREATE TABLE checked (id BIGINT, name VARCHAR, "
                             "amount BIGINT CHECK (amount >= 0))")
                  .ok());
  auto r = this->conn_->Upsert("checked", *RowSchema(), {"id"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto& up = *r;
  ASSERT_TRUE(up->WriteChanges(Changes({{kI, 1, "a", 1}, {kI, 2, "b", 2}})).ok());
  ASSERT_TRUE(up->Flush().ok());
  ASSERT_TRUE(up->WriteChanges(Changes({{kD, 1, "a", 1}})).ok());
  ASSERT_TRUE(up->WriteChanges(Changes({{kUa, 2, "negative", -5}})).ok());
  Status st = up->Flush();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("were rolled back"), std::string::npos) << st.message();
  EXPECT_NE(Lower(st.message()).find("check constraint"), std::string::npos) << st.message();
  EXPECT_EQ(Rows(this->conn_.get(), "SELECT * FROM checked ORDER BY id"), "1 | a | 1\n2 | b | 2\n");
  // The next flush starts clean: nothing of the failed one comes back.
  ASSERT_TRUE(up->WriteChanges(Changes({{kUa, 2, "fine", 5}})).ok());
  ASSERT_TRUE(up->Flush().ok());
  EXPECT_EQ(Rows(this->conn_.get(), "SELECT * FROM checked ORDER BY id"), "1 | a | 1\n2 | fine | 5\n");
}

// 100K keys (25K on PostgreSQL), 4 random changes per key in batches of 2048, a flush
// every 5 batches; the table must equal a reference applied row by row in the test.
TYPED_TEST(UpsertTest, ManyKeysMatchAReference) {
  // A quarter of it on PostgreSQL, whose round trips make it slower (the test binary
  // stays fast); the mix of changes is the same.
  const int64_t kKeys = TypeParam::kIsDuckDB ? 100000 : 25000;
  const int64_t kChanges = 4 * kKeys;
  auto up = this->Upserter();
  std::unordered_map<int64_t, int64_t> reference;  // id -> amount
  uint64_t state = 42;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  BatchBuilder b(RowSchema());
  ChangeBatch batch;
  int64_t batches = 0;
  for (int64_t i = 0; i < kChanges; ++i) {
    const auto id = static_cast<int64_t>(next() % kKeys);
    const uint64_t r = next();
    const ChangeOp op = r % 10 == 0 ? kD : r % 10 == 1 ? kUb : (r % 2 ? kI : kUa);
    const auto amount = static_cast<int64_t>(r >> 40);
    b.column(0)->Append<int64_t>(id);
    b.column(1)->AppendString(op == kI ? "i" : "u");
    b.column(2)->Append<int64_t>(amount);
    batch.ops.push_back(op);
    if (IsRemoval(op)) {
      reference.erase(id);
    } else {
      reference[id] = amount;
    }
    if (b.num_rows() == 2048 || i + 1 == kChanges) {
      batch.rows = b.Finish();
      ASSERT_TRUE(up->WriteChanges(batch).ok());
      batch.ops.clear();
      if (++batches % 5 == 0) {
        ASSERT_TRUE(up->Flush().ok());
      }
    }
  }
  ASSERT_TRUE(up->Close().ok());
  int64_t sum = 0;
  uint64_t mix = 0;
  for (const auto& [id, amount] : reference) {
    sum += amount;
    mix += static_cast<uint64_t>(id * 1000003 + amount) % 1000000007;
  }
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT count(*) FROM t"), std::to_string(reference.size()));
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT count(DISTINCT id) FROM t"),
            std::to_string(reference.size()));
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT sum(amount)::BIGINT FROM t"), std::to_string(sum));
  EXPECT_EQ(Scalar(this->conn_.get(), "SELECT sum((id * 1000003 + amount) % 1000000007)::BIGINT FROM t"),
            std::to_string(mix));
}

TEST(ChangeCompactorTest, KeepsTheLastChangePerKeyInOrder) {
  ChangeCompactor compactor({0}, {"id"});
  std::vector<int32_t> last;
  ChangeBatch batch = Changes({{kI, 5, "", 0}, {kI, 6, "", 0}, {kD, 5, "", 0}, {kI, 7, "", 0},
                               {kUa, 6, "", 0}});
  ASSERT_TRUE(compactor.Compact(batch, &last).ok());
  EXPECT_EQ(last, (std::vector<int32_t>{2, 3, 4}));
  // BOOLEAN keys compare as truth values, whatever non-zero byte holds "true".
  ChangeCompactor flags({0}, {"flag"});
  BatchBuilder b(MakeSchema({{"flag", DataType::Boolean()}}));
  for (uint8_t v : {1, 0, 2, 0}) b.column(0)->Append<uint8_t>(v);
  ASSERT_TRUE(flags.Compact(ChangeBatch{b.Finish(), {kI, kI, kI, kI}}, &last).ok());
  EXPECT_EQ(last, (std::vector<int32_t>{2, 3}));
  EXPECT_STREQ(ChangeOpName(ChangeOp::kUpdateBefore), "-U");
}

}  // namespace
}  // namespace sluice::warehouse
