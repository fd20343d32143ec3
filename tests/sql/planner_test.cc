// The planner's output: plan shapes, changelog/append-only, row keys, processing time.
#include "sql/plan.h"

#include <gtest/gtest.h>

#include "sql/join_condition.h"
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
    if (EqualsIgnoreCase(name, "auction")) {
      return MakeSchema({{"id", DataType::Int64(), false},
                         {"seller", DataType::Int64(), false},
                         {"date_time", DataType::Timestamp(), false}});
    }
    return nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"auction", "bid"}; }
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

TEST(Planner, StatelessSelectIsAppendOnly) {
  EXPECT_EQ(Shape("SELECT auction, price FROM bid WHERE price > 10"),
            "Select (append-only) [auction, price]\n"
            "  Scan bid (append-only) [auction, bidder, price, date_time]\n");
}

TEST(Planner, AggregateIsAChangelogKeyedByItsGroupColumns) {
  EXPECT_EQ(Shape("SELECT auction, count(*) AS n FROM bid GROUP BY auction"),
            "Aggregate (changelog) [auction, n] key(auction)\n"
            "  Scan bid (append-only) [auction, bidder, price, date_time]\n");
}

TEST(Planner, TopNIsKeyedByPartitionAndRank) {
  EXPECT_EQ(Shape("SELECT auction, price, rn FROM (SELECT auction, price, ROW_NUMBER() OVER "
                  "(PARTITION BY auction ORDER BY price DESC) AS rn FROM bid) t WHERE rn <= 3"),
            "Select (changelog) [auction, price, rn] key(auction, rn)\n"
            "  Select (changelog) [auction, price, rn] key(auction, rn)\n"
            "    TopN limit 3 (changelog) [auction, price, __partition0, __order0, __rank]\n"
            "      Select (append-only) [auction, price, __partition0, __order0]\n"
            "        Scan bid (append-only) [auction, bidder, price, date_time]\n");
}

// An OVER aggregate emits one row per input row: the input's key (here an aggregate's
// GROUP BY columns) identifies its rows, so a materialized view can upsert it.
TEST(Planner, OverAggregateKeepsItsInputKey) {
  Result<PlanPtr> p = Plan(
      "SELECT auction, n, sum(n) OVER (PARTITION BY 1 ORDER BY auction ROWS 2 PRECEDING) AS s "
      "FROM (SELECT auction, count(*) AS n FROM bid GROUP BY auction) t");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ((*p)->unique_key.size(), 1u) << (*p)->ToString();
  EXPECT_EQ((*p)->schema->field((*p)->unique_key[0]).name, "auction");
  Result<PlanPtr> plain = Plan("SELECT auction, sum(price) OVER (PARTITION BY auction ORDER BY date_time "
                               "ROWS 2 PRECEDING) AS s FROM bid");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_TRUE((*plain)->unique_key.empty()) << "rows of a plain stream have no key";
}

TEST(Planner, InnerJoinOfStreamsIsAppendOnlyAndLeftJoinIsNot) {
  EXPECT_EQ(Shape("SELECT a.id, b.price FROM auction a JOIN bid b ON a.id = b.auction"),
            "Select (append-only) [id, price]\n"
            "  Join inner (append-only) [id, seller, date_time, auction, bidder, price, date_time]\n"
            "    Scan auction (append-only) [id, seller, date_time]\n"
            "    Scan bid (append-only) [auction, bidder, price, date_time]\n");
  Result<PlanPtr> left = Plan("SELECT a.id, b.price FROM auction a LEFT JOIN bid b ON a.id = b.auction");
  ASSERT_TRUE(left.ok()) << left.status().message();
  EXPECT_FALSE((*left)->append_only);
}

TEST(Planner, IntervalBoundsOnStreamTimesDriveExpiryButNotOnAggregates) {
  Result<PlanPtr> p = Plan(
      "SELECT a.id FROM auction a JOIN bid b ON a.id = b.auction AND "
      "b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL '1' HOUR");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE((*p)->inputs[0]->join->has_time_bounds);
  Result<PlanPtr> q = Plan(
      "SELECT a.auction FROM (SELECT auction, max(date_time) AS t FROM bid GROUP BY auction) a "
      "JOIN bid b ON a.auction = b.auction AND b.date_time BETWEEN a.t AND a.t + INTERVAL '1' HOUR");
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_FALSE((*q)->inputs[0]->join->has_time_bounds);
  EXPECT_NE((*q)->inputs[0]->join->residual, nullptr);
}

TEST(Planner, ProcessingTimeWindowsComputeTheirTimeColumn) {
  Result<PlanPtr> p = Plan("SELECT bidder, count(*) AS n, window_start FROM "
                           "TUMBLE(bid, PROCTIME(), INTERVAL '10' SECOND) GROUP BY bidder, window_start");
  ASSERT_TRUE(p.ok()) << p.status().message();
  const PlanNode& w = **p;
  ASSERT_EQ(w.kind, PlanKind::kWindowAggregate);
  EXPECT_TRUE(w.aggregate->window().processing_time);
  EXPECT_EQ(w.inputs[0]->kind, PlanKind::kSelect);
  EXPECT_EQ(w.inputs[0]->schema->field(4).name, "proctime");
}

TEST(Planner, UnionAllMergesNullability) {
  EXPECT_EQ(Shape("SELECT auction AS x FROM bid UNION ALL SELECT id AS x FROM auction"),
            "Union (append-only) [x]\n"
            "  Select (append-only) [x]\n"
            "    Scan bid (append-only) [auction, bidder, price, date_time]\n"
            "  Select (append-only) [x]\n"
            "    Scan auction (append-only) [id, seller, date_time]\n");
}

}  // namespace
}  // namespace sluice::sql
