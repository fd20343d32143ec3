// Planning lookup joins (JOIN t FOR SYSTEM_TIME AS OF ...): plan shapes, keys, refusals.
#include "sql/lookup_join_plan.h"

#include <gtest/gtest.h>

#include "sql/parser.h"

namespace sluice::sql {
namespace {

class Tables final : public Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    if (EqualsIgnoreCase(name, "bid")) {
      return MakeSchema({{"auction", DataType::Int64(), false},
                         {"bidder", DataType::Int64(), false},
                         {"price", DataType::Int64(), false},
                         {"date_time", DataType::Timestamp(), false}});
    }
    return nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"bid"}; }
  Result<SchemaPtr> FindLookupTable(std::string_view name) const override {
    if (EqualsIgnoreCase(name, "side_input")) {
      return MakeSchema({{"key", DataType::Int64(), true}, {"value", DataType::Varchar(), true}});
    }
    if (EqualsIgnoreCase(name, "small")) {
      return MakeSchema({{"id", DataType::Int32(), true}, {"name", DataType::Varchar(), true}});
    }
    if (EqualsIgnoreCase(name, "broken")) return Status::IOError("the warehouse is locked");
    return SchemaPtr();
  }
};

Result<PlanPtr> Plan(const std::string& sql) {
  SLUICE_ASSIGN_OR_RETURN(auto select, ParseSelect(sql, "q.sql"));
  Tables tables;
  return PlanQuery(*select, tables, PlanOptions{}, ErrorContext{sql, "q.sql"});
}

std::string Shape(const std::string& sql) {
  Result<PlanPtr> p = Plan(sql);
  return p.ok() ? (*p)->ToString() : p.status().message();
}

TEST(LookupJoinPlan, NexmarkQ13) {
  Result<PlanPtr> p = Plan(
      "SELECT B.auction, B.bidder, B.price, B.date_time, S.value "
      "FROM (SELECT *, PROCTIME() as p_time FROM bid) B "
      "JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S ON mod(B.auction, 10000) = S.key");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)->ToString(),
            "Select (append-only) [auction, bidder, price, date_time, value]\n"
            "  LookupJoin inner side_input (append-only) [auction, bidder, price, date_time, p_time, key, value]\n"
            "    Select (append-only) [auction, bidder, price, date_time, p_time]\n"
            "      Scan bid (append-only) [auction, bidder, price, date_time]\n");
  const PlanNode& j = *(*p)->inputs[0];
  EXPECT_EQ(j.lookup_table_keys, std::vector<int>{0});
  EXPECT_EQ(j.lookup_keys->output_schema()->num_fields(), 1);
  EXPECT_EQ(j.lookup_residual, nullptr);
  EXPECT_EQ(j.lookup_refresh_us, 60'000'000);
}

TEST(LookupJoinPlan, LeftJoinWithoutSystemTimeAndResidual) {
  Result<PlanPtr> p = Plan(
      "SELECT b.auction, t.name FROM bid b LEFT JOIN small t "
      "ON t.id = b.bidder AND t.name <> 'x' AND b.price > 3");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const PlanNode& j = *(*p)->inputs[0];
  EXPECT_EQ(j.kind, PlanKind::kLookupJoin);
  EXPECT_EQ(j.join_type, JoinType::kLeft);
  EXPECT_EQ(j.lookup_table_keys, std::vector<int>{0});  // INT32 id widened: still a key
  EXPECT_NE(j.lookup_residual, nullptr);
  EXPECT_TRUE(j.schema->field(5).nullable);
}

TEST(LookupJoinPlan, AsOfProcTimeDirectlyAndCompositeKeys) {
  Result<PlanPtr> p = Plan(
      "SELECT * FROM bid JOIN small FOR SYSTEM_TIME AS OF PROCTIME() AS s "
      "ON s.id = bid.bidder AND s.name = CAST(bid.price AS VARCHAR)");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)->inputs[0]->lookup_table_keys, (std::vector<int>{0, 1}));
}

TEST(LookupJoinPlan, Refusals) {
  EXPECT_EQ(Shape("SELECT * FROM bid JOIN nope FOR SYSTEM_TIME AS OF PROCTIME() AS s ON s.k = bid.auction"),
            "q.sql:1:24: error: unknown table 'nope' for a lookup join; it must be a table of the "
            "warehouse (a seed, a model, or a materialized view declared before this query); check "
            "the name or create the table first\n"
            "  SELECT * FROM bid JOIN nope FOR SYSTEM_TIME AS OF PROCTIME() AS s ON s.k = bid.auction\n"
            "                         ^");
  EXPECT_NE(Shape("SELECT * FROM bid JOIN side_input FOR SYSTEM_TIME AS OF bid.date_time AS s "
                  "ON s.key = bid.auction")
                .find("FOR SYSTEM_TIME AS OF an event-time column"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM bid JOIN side_input FOR SYSTEM_TIME AS OF bid.price AS s "
                  "ON s.key = bid.auction")
                .find("needs the stream's processing time"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM bid JOIN side_input s ON s.value = 'a'").find("a lookup join without a key"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM bid JOIN side_input s ON s.value = bid.auction").find("CAST"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM bid JOIN side_input s ON s.nokey = bid.auction").find("nokey"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM bid a JOIN bid FOR SYSTEM_TIME AS OF PROCTIME() AS b ON a.auction = b.auction")
                .find("'bid' is a stream"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM bid JOIN broken s ON s.x = bid.auction").find("the warehouse is locked"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM (SELECT auction, count(*) AS n FROM bid GROUP BY auction) c "
                  "JOIN side_input FOR SYSTEM_TIME AS OF PROCTIME() AS s ON s.key = c.auction")
                .find("a lookup join over a changelog"),
            std::string::npos);
  EXPECT_NE(Shape("SELECT * FROM bid, side_input WHERE side_input.key = bid.auction").find("without ON"),
            std::string::npos);
}

TEST(LookupJoinPlan, RefreshIntervalOption) {
  Result<std::vector<Statement>> st = ParseScript(
      "CREATE MATERIALIZED VIEW v WITH (lookup_refresh_interval = '5s') AS SELECT auction FROM bid", "v.sql");
  ASSERT_TRUE(st.ok()) << st.status().message();
  Result<PlanOptions> o = ReadPlanOptions((*st)[0], ErrorContext{"", "v.sql"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->lookup_refresh_us, 5'000'000);
  EXPECT_EQ(o->state_backend, "");  // the project's
  EXPECT_EQ(o->state_memory_budget_bytes, 0);
}

TEST(PlanOptions, StateBackendPerQuery) {
  Result<std::vector<Statement>> st = ParseScript(
      "CREATE MATERIALIZED VIEW v WITH (state_backend = 'rocksdb', state_memory_budget = '64MB') "
      "AS SELECT auction, count(*) FROM bid GROUP BY auction", "v.sql");
  ASSERT_TRUE(st.ok()) << st.status().message();
  Result<PlanOptions> o = ReadPlanOptions((*st)[0], ErrorContext{"", "v.sql"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->state_backend, "rocksdb");
  EXPECT_EQ(o->state_memory_budget_bytes, int64_t{64} << 20);
}

}  // namespace
}  // namespace sluice::sql
