// AnalyzeJoinCondition over ON conditions bound by the real binder: equality keys,
// time bounds (BETWEEN, >=, <, =, intervals on either side), the residual, and the
// refusal of conditions that would need a cross join.
#include "sql/join_condition.h"

#include <gtest/gtest.h>

#include "sql/binder.h"
#include "sql/parser.h"

namespace sluice::sql {
namespace {

constexpr int64_t kSecond = 1000 * 1000;

// l: id BIGINT, k INT, ts TIMESTAMP, name VARCHAR, price DOUBLE
// r: id BIGINT, k BIGINT, ts TIMESTAMP, name VARCHAR, qty INT, ts2 TIMESTAMP
InputRelation Input() {
  InputRelation in;
  in.table = "l JOIN r";
  in.schema = MakeSchema({{"id", DataType::Int64()},
                          {"k", DataType::Int32()},
                          {"ts", DataType::Timestamp()},
                          {"name", DataType::Varchar()},
                          {"price", DataType::Double()},
                          {"id", DataType::Int64()},
                          {"k", DataType::Int64()},
                          {"ts", DataType::Timestamp()},
                          {"name", DataType::Varchar()},
                          {"qty", DataType::Int32()},
                          {"ts2", DataType::Timestamp()}});
  in.scopes = {RelationScope{{"l"}, 0, 5}, RelationScope{{"r"}, 5, 6}};
  return in;
}

Result<JoinCondition> Analyze(const std::string& on) {
  ErrorContext ctx{on, "q.sql"};
  SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr e, ParseExpression(on, "q.sql"));
  Binder binder(ctx, Input());
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr bound, binder.BindBoolean(*e, "ON"));
  return AnalyzeJoinCondition(std::move(bound), 5, ctx);
}

TEST(JoinConditionTest, OneEqualityIsAKey) {
  auto c = Analyze("l.id = r.id");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->left_keys, std::vector<int>{0});
  EXPECT_EQ(c->right_keys, std::vector<int>{0});
  EXPECT_FALSE(c->has_time_bounds);
  EXPECT_EQ(c->residual, nullptr);
}

TEST(JoinConditionTest, KeysInEitherOrderAndTheRestIsResidual) {
  auto c = Analyze("r.id = l.id AND l.name = r.name AND l.price > 3 AND r.qty < 10");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->left_keys, (std::vector<int>{0, 3}));
  EXPECT_EQ(c->right_keys, (std::vector<int>{0, 3}));
  ASSERT_NE(c->residual, nullptr);
  EXPECT_EQ(c->residual->op, BoundOp::kAnd);
  EXPECT_EQ(c->residual->type, DataType::Boolean());
  EXPECT_NE(c->residual->text.find("price"), std::string::npos);
  EXPECT_NE(c->residual->text.find("qty"), std::string::npos);
}

TEST(JoinConditionTest, AnIntColumnWidenedToBigintIsStillAKey) {
  auto c = Analyze("l.k = r.k");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->left_keys, std::vector<int>{1});
  EXPECT_EQ(c->right_keys, std::vector<int>{1});
  EXPECT_EQ(c->residual, nullptr);
}

TEST(JoinConditionTest, BetweenGivesBothBounds) {
  auto c = Analyze("l.id = r.id AND r.ts BETWEEN l.ts AND l.ts + INTERVAL '10' SECOND");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->has_time_bounds);
  EXPECT_EQ(c->left_time, 2);
  EXPECT_EQ(c->right_time, 2);
  EXPECT_EQ(c->lower_us, 0);
  EXPECT_EQ(c->upper_us, 10 * kSecond);
  EXPECT_EQ(c->residual, nullptr);  // bounds are exact: not repeated
}

TEST(JoinConditionTest, ComparisonsInEitherDirectionIntersectAndStrictTightens) {
  auto c = Analyze(
      "l.id = r.id AND r.ts >= l.ts - INTERVAL '5' SECOND AND l.ts > r.ts - INTERVAL '1' MINUTE "
      "AND r.ts <= l.ts + INTERVAL '2' MINUTE");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->has_time_bounds);
  EXPECT_EQ(c->lower_us, -5 * kSecond);
  EXPECT_EQ(c->upper_us, 60 * kSecond - 1);  // r.ts - l.ts < 60s
  EXPECT_EQ(c->residual, nullptr);
}

TEST(JoinConditionTest, EqualTimestampsAreAKeyAndZeroWidthBounds) {
  auto c = Analyze("l.ts = r.ts");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->left_keys, std::vector<int>{2});
  ASSERT_TRUE(c->has_time_bounds);
  EXPECT_EQ(c->lower_us, 0);
  EXPECT_EQ(c->upper_us, 0);
  EXPECT_EQ(c->residual, nullptr);
}

TEST(JoinConditionTest, TimeBoundsAloneAreEnough) {
  auto c = Analyze("r.ts BETWEEN l.ts - INTERVAL '1' HOUR AND l.ts");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->left_keys.empty());
  EXPECT_EQ(c->lower_us, -3600 * kSecond);
  EXPECT_EQ(c->upper_us, 0);
}

TEST(JoinConditionTest, BoundsOnAnotherColumnPairStayResidual) {
  auto c = Analyze("l.id = r.id AND r.ts BETWEEN l.ts AND l.ts + INTERVAL '1' SECOND AND r.ts2 > l.ts");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->right_time, 2);
  EXPECT_EQ(c->upper_us, kSecond);
  ASSERT_NE(c->residual, nullptr);
  EXPECT_NE(c->residual->text.find("ts2"), std::string::npos);
}

TEST(JoinConditionTest, SameSideEqualityAndMonthIntervalsStayResidual) {
  auto c = Analyze("l.id = r.id AND l.id = l.k AND r.ts <= l.ts + INTERVAL '1' MONTH");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->left_keys, std::vector<int>{0});
  EXPECT_FALSE(c->has_time_bounds);
  ASSERT_NE(c->residual, nullptr);
  EXPECT_EQ(c->residual->op, BoundOp::kAnd);
}

TEST(JoinConditionTest, NoKeyAndNoBoundsIsACrossJoinAndRefused) {
  for (const char* on : {"l.price > r.qty", "l.id = r.id OR l.name = r.name", "TRUE"}) {
    auto c = Analyze(on);
    ASSERT_FALSE(c.ok()) << on;
    EXPECT_EQ(c.status().code(), StatusCode::kNotImplemented) << on;
    EXPECT_NE(c.status().message().find("a stream join needs an equality between the two sides"),
              std::string::npos)
        << c.status().ToString();
    EXPECT_NE(c.status().message().find("q.sql:1:"), std::string::npos) << c.status().ToString();
  }
}

TEST(JoinConditionTest, OneSidedTimeBoundIsNotEnoughWithoutKeys) {
  auto c = Analyze("r.ts >= l.ts");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("only one direction"), std::string::npos) << c.status().ToString();
}

TEST(JoinConditionTest, NonBooleanConditionIsInvalid) {
  ErrorContext ctx{"l.id", "q.sql"};
  auto e = std::make_unique<BoundExpr>();
  e->op = BoundOp::kColumn;
  e->type = DataType::Int64();
  e->column = 0;
  e->pos = SourcePos{1, 1, 0};
  auto c = AnalyzeJoinCondition(std::move(e), 5, ctx);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalid);
  EXPECT_NE(c.status().message().find("must be BOOLEAN"), std::string::npos);
}

}  // namespace
}  // namespace sluice::sql
