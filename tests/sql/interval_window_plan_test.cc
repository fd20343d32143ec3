// Interval joins whose time bound pairs a stream's event time with a window bound of a
// window aggregate (Nexmark q7): when the planner makes them time-bounded joins whose
// state expires (PlanNode::left/right_time_close_offset_us), and when it must not.
#include <gtest/gtest.h>

#include <string>

#include "core/schema.h"
#include "sql/join_condition.h"
#include "sql/parser.h"
#include "sql/plan.h"
#include "sql/plan_test_util.h"

namespace sluice::sql {
namespace {

constexpr int64_t kSecond = 1000 * 1000;

PlanPtr Plan(const std::string& text) { return testing::PlanOverBids(text); }

const PlanNode* FindJoin(const PlanNode& n) { return testing::FindNode(n, PlanKind::kJoin); }

// Nexmark q7 as Flink writes it, with `window` as B1's window table function and `end`
// as its time column (window_end unless told).
std::string Q7(const std::string& options = "", const std::string& window =
                   "TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND))",
               const std::string& end = "window_end") {
  return "CREATE MATERIALIZED VIEW q7 " + options +
         " AS SELECT B.auction, B.price, B.date_time FROM bid B "
         "JOIN (SELECT MAX(price) AS maxprice, " + end + " AS date_time FROM " + window +
         "      GROUP BY window_start, window_end) B1 "
         "ON B.price = B1.maxprice "
         "WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time";
}

// Whether `j` is a plain join with its time condition left as a residual (state kept).
void ExpectResidualOnly(const PlanNode& j) {
  EXPECT_FALSE(j.join->has_time_bounds);
  EXPECT_FALSE(j.window_close_expiry);
  EXPECT_EQ(j.left_time_close_offset_us, -1);
  EXPECT_EQ(j.right_time_close_offset_us, -1);
}

TEST(IntervalWindowPlan, Q7IsAnExpiringIntervalJoin) {
  PlanPtr p = Plan(Q7());
  ASSERT_TRUE(p);
  const PlanNode* j = FindJoin(*p);
  ASSERT_NE(j, nullptr);
  ASSERT_TRUE(j->join->has_time_bounds) << p->ToString();
  // B1.date_time - B.date_time in [0, 10 s]; B is the left side.
  EXPECT_EQ(j->join->lower_us, 0);
  EXPECT_EQ(j->join->upper_us, 10 * kSecond);
  EXPECT_EQ(j->inputs[0]->schema->field(j->join->left_time).name, "date_time");
  EXPECT_EQ(j->inputs[1]->schema->field(j->join->right_time).name, "date_time");
  EXPECT_EQ(j->join->left_keys.size(), 1u);
  EXPECT_EQ(j->join->residual, nullptr) << "the bounds say everything";
  EXPECT_TRUE(j->window_close_expiry);
  EXPECT_EQ(j->left_time_close_offset_us, -1) << "B: a stream's event time";
  EXPECT_EQ(j->right_time_close_offset_us, 0) << "B1: window_end, no lateness";
  EXPECT_EQ(j->left_expiry, -1);
  EXPECT_FALSE(j->append_only) << "the window side updates its max";
  EXPECT_NE(p->ToString().find("interval-expire(date_time event time, date_time window +0s)"),
            std::string::npos)
      << p->ToString();
  // The WHERE still filters above the join.
  EXPECT_EQ(p->kind, PlanKind::kSelect);
}

TEST(IntervalWindowPlan, LatenessWindowStartAndBoundsInOn) {
  PlanPtr late = Plan(Q7("WITH (allowed_lateness = '5s')"));
  ASSERT_TRUE(late);
  EXPECT_EQ(FindJoin(*late)->right_time_close_offset_us, 5 * kSecond);
  // window_start of a TUMBLE closes at start + size + lateness.
  PlanPtr start = Plan(Q7("", "TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND))",
                          "window_start"));
  ASSERT_TRUE(start);
  EXPECT_EQ(FindJoin(*start)->right_time_close_offset_us, 10 * kSecond);
  // The bounds in ON, the window side on the left, a LEFT join: the same rule.
  PlanPtr on = Plan(
      "SELECT B1.maxprice, B.auction FROM "
      "(SELECT MAX(price) AS maxprice, window_end AS wend FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) "
      " GROUP BY window_start, window_end) B1 "
      "LEFT JOIN bid B ON B.price = B1.maxprice AND B.date_time >= B1.wend - INTERVAL '10' SECOND "
      "AND B.date_time < B1.wend");
  ASSERT_TRUE(on);
  const PlanNode* j = FindJoin(*on);
  ASSERT_TRUE(j->join->has_time_bounds);
  EXPECT_EQ(j->join->lower_us, -10 * kSecond);
  EXPECT_EQ(j->join->upper_us, -1);
  EXPECT_EQ(j->left_time_close_offset_us, 0);
  EXPECT_EQ(j->right_time_close_offset_us, -1);
  EXPECT_TRUE(j->window_close_expiry);
}

TEST(IntervalWindowPlan, BothSidesWindowBounds) {
  // Two window aggregates matched on a value with bounds between their window ends: both
  // sides expire by the window watermark.
  PlanPtr p = Plan(
      "SELECT a.n, a.e, b.e AS be FROM "
      "(SELECT count(*) AS n, window_end AS e FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) "
      " GROUP BY window_start, window_end) a "
      "JOIN (SELECT count(*) AS n, window_end AS e FROM TUMBLE(bid, date_time, INTERVAL '5' SECOND) "
      " GROUP BY window_start, window_end) b "
      "ON a.n = b.n AND b.e BETWEEN a.e - INTERVAL '10' SECOND AND a.e");
  ASSERT_TRUE(p);
  const PlanNode* j = FindJoin(*p);
  ASSERT_TRUE(j->join->has_time_bounds);
  EXPECT_EQ(j->left_time_close_offset_us, 0);
  EXPECT_EQ(j->right_time_close_offset_us, 0);
  // Equal window ends stay the key-expiry rule (the bounds become a plain condition).
  PlanPtr eq = Plan(
      "SELECT a.n, a.e FROM "
      "(SELECT count(*) AS n, window_end AS e FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) "
      " GROUP BY window_start, window_end) a "
      "JOIN (SELECT count(*) AS n, window_end AS e FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) "
      " GROUP BY window_start, window_end) b ON a.e = b.e AND a.n = b.n");
  ASSERT_TRUE(eq);
  const PlanNode* k = FindJoin(*eq);
  EXPECT_FALSE(k->join->has_time_bounds);
  EXPECT_TRUE(k->window_close_expiry);
  EXPECT_EQ(k->left_expiry, 1);
  EXPECT_EQ(k->left_time_close_offset_us, -1);
  EXPECT_EQ(k->right_time_close_offset_us, -1);
}

TEST(IntervalWindowPlan, NotForComputedSessionOrProcessingTimeBounds) {
  // A computed time (an expression over window_end) is no closed window bound.
  PlanPtr computed = Plan(Q7("", "TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND))",
                             "window_end - INTERVAL '1' SECOND"));
  ASSERT_TRUE(computed);
  ExpectResidualOnly(*FindJoin(*computed));
  // A session's end moves when sessions merge.
  PlanPtr session = Plan(Q7("", "TABLE(SESSION(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND))"));
  ASSERT_TRUE(session);
  ExpectResidualOnly(*FindJoin(*session));
  // Processing-time windows close by the wall clock, not by event time.
  PlanPtr proc = Plan(Q7("", "TUMBLE(bid, PROCTIME(), INTERVAL '10' SECOND)"));
  ASSERT_TRUE(proc);
  ExpectResidualOnly(*FindJoin(*proc));
}

TEST(IntervalWindowPlan, WhereBoundsJoinOnlyInnerJoins) {
  // After a LEFT join, a WHERE is a filter of the joined rows (NULL-padded ones included):
  // it must not become the join's condition.
  std::string left = Q7();
  left.replace(left.find(" JOIN "), 6, " LEFT JOIN ");
  PlanPtr p = Plan(left);
  ASSERT_TRUE(p);
  ExpectResidualOnly(*FindJoin(*p));
  // Two streams with the bounds in WHERE: unchanged (a regular join, the WHERE above).
  PlanPtr streams = Plan(
      "SELECT a.auction FROM bid a JOIN bid b ON a.auction = b.auction "
      "WHERE b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL '1' SECOND");
  ASSERT_TRUE(streams);
  ExpectResidualOnly(*FindJoin(*streams));
  // A WHERE conjunct over other columns is not pulled; the time bound still is.
  PlanPtr mixed = Plan(Q7() + " AND B.auction > 3 AND B.price + B1.maxprice > 0");
  ASSERT_TRUE(mixed);
  const PlanNode* j = FindJoin(*mixed);
  EXPECT_TRUE(j->join->has_time_bounds);
  EXPECT_EQ(j->join->residual, nullptr);
}

TEST(IntervalWindowPlan, TimeBoundConjuncts) {
  // Unit level: only conjuncts that are time bounds between the two sides are picked.
  auto col = [](int c, DataType t) {
    auto b = std::make_unique<BoundExpr>();
    b->op = BoundOp::kColumn;
    b->type = t;
    b->column = c;
    return b;
  };
  auto cmp = [](BoundOp op, BoundExprPtr a, BoundExprPtr b) {
    auto c = std::make_unique<BoundExpr>();
    c->op = op;
    c->type = DataType::Boolean();
    c->args.push_back(std::move(a));
    c->args.push_back(std::move(b));
    return c;
  };
  auto conj = [](BoundExprPtr a, BoundExprPtr b) {
    auto c = std::make_unique<BoundExpr>();
    c->op = BoundOp::kAnd;
    c->type = DataType::Boolean();
    c->args.push_back(std::move(a));
    c->args.push_back(std::move(b));
    return c;
  };
  // Left: (k BIGINT, t TIMESTAMP); right: (k BIGINT, t TIMESTAMP).
  BoundExprPtr where = conj(conj(cmp(BoundOp::kLe, col(1, DataType::Timestamp()), col(3, DataType::Timestamp())),
                                 cmp(BoundOp::kEq, col(0, DataType::Int64()), col(2, DataType::Int64()))),
                            cmp(BoundOp::kLt, col(1, DataType::Timestamp()), col(1, DataType::Timestamp())));
  std::vector<BoundExprPtr> bounds = TimeBoundConjuncts(*where, 2);
  ASSERT_EQ(bounds.size(), 1u) << "a key and a one-sided comparison are not time bounds";
  EXPECT_EQ(bounds[0]->op, BoundOp::kLe);
  // Back to residual: two comparisons.
  JoinCondition cond;
  cond.has_time_bounds = true;
  cond.left_time = 1;
  cond.right_time = 1;
  cond.lower_us = 0;
  cond.upper_us = 5;
  const SchemaPtr joined = MakeSchema({{"k", DataType::Int64()}, {"t", DataType::Timestamp()},
                                       {"k", DataType::Int64()}, {"t", DataType::Timestamp()}});
  TimeBoundsToResidual(&cond, *joined, 2);
  EXPECT_FALSE(cond.has_time_bounds);
  ASSERT_NE(cond.residual, nullptr);
  EXPECT_EQ(cond.residual->op, BoundOp::kAnd);
}

}  // namespace
}  // namespace sluice::sql
