// The planner's closed-by-watermark window bounds (WindowCloseOffset) and where they let
// state be freed: joins pairing window bounds of window aggregates on both sides, and
// GROUP BYs of such a bound; and the cases where they must not.
#include <gtest/gtest.h>

#include "sql/parser.h"
#include "sql/plan.h"
#include "sql/plan_test_util.h"

namespace sluice::sql {
namespace {

constexpr int64_t kSecond = 1000 * 1000;

PlanPtr Plan(const std::string& text) { return testing::PlanOverBids(text); }

const PlanNode* Find(const PlanNode& n, PlanKind kind) { return testing::FindNode(n, kind); }

int Column(const PlanNode& n, const std::string& name) { return n.schema->FieldIndex(name); }

const char* kHop =
    "SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime, "
    "window_end + INTERVAL '0' SECOND AS shifted "
    "FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND) "
    "GROUP BY auction, window_start, window_end";

TEST(WindowClosePlan, WindowBoundsOfAWindowAggregate) {
  PlanPtr p = Plan(std::string("CREATE MATERIALIZED VIEW v WITH (allowed_lateness = '3s') AS ") + kHop);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->kind, PlanKind::kWindowAggregate);
  EXPECT_EQ(WindowCloseOffset(*p, Column(*p, "endtime")), 3 * kSecond) << "end + allowed lateness";
  EXPECT_EQ(WindowCloseOffset(*p, Column(*p, "starttime")), 13 * kSecond) << "start + size + lateness";
  EXPECT_EQ(WindowCloseOffset(*p, Column(*p, "shifted")), kNotWindowBound) << "an expression";
  EXPECT_EQ(WindowCloseOffset(*p, Column(*p, "auction")), kNotWindowBound);
  EXPECT_EQ(WindowCloseOffset(*p, Column(*p, "num")), kNotWindowBound);
  EXPECT_EQ(WindowCloseOffset(*p, -1), kNotWindowBound);
  EXPECT_EQ(WindowCloseOffset(*p, 99), kNotWindowBound);

  // Through a subquery's Select, renamed.
  PlanPtr s = Plan(std::string("SELECT endtime AS e, starttime + INTERVAL '10' SECOND AS e2 FROM (") +
                   kHop + ") t");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->kind, PlanKind::kSelect);
  EXPECT_EQ(WindowCloseOffset(*s, 0), 0);
  EXPECT_EQ(WindowCloseOffset(*s, 1), kNotWindowBound);
}

TEST(WindowClosePlan, CumulateEndOnlyAndNeverSessions) {
  PlanPtr c = Plan(
      "SELECT window_start AS s, window_end AS e, count(*) AS n "
      "FROM CUMULATE(bid, date_time, INTERVAL '5' SECOND, INTERVAL '15' SECOND) "
      "GROUP BY window_start, window_end");
  ASSERT_TRUE(c);
  EXPECT_EQ(WindowCloseOffset(*c, Column(*c, "e")), 0);
  EXPECT_EQ(WindowCloseOffset(*c, Column(*c, "s")), kNotWindowBound) << "windows share a start";
  // A session's end moves when sessions merge (-U/+U of its row).
  PlanPtr s = Plan(
      "SELECT auction, window_end AS e, count(*) AS n FROM SESSION(bid, date_time, INTERVAL '5' SECOND) "
      "GROUP BY auction, window_start, window_end");
  ASSERT_TRUE(s);
  EXPECT_EQ(WindowCloseOffset(*s, Column(*s, "e")), kNotWindowBound);
}

std::string Q5(const std::string& options) {
  return "CREATE MATERIALIZED VIEW q5 " + options + " AS "
         "SELECT A.auction, A.num FROM ("
         "  SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime "
         "  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(date_time), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) "
         "  GROUP BY auction, window_start, window_end) AS A "
         "JOIN ("
         "  SELECT max(C.num) AS maxn, C.starttime, C.endtime FROM ("
         "    SELECT count(*) AS num, window_start AS starttime, window_end AS endtime "
         "    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(date_time), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) "
         "    GROUP BY auction, window_start, window_end) AS C "
         "  GROUP BY C.starttime, C.endtime) AS M "
         "ON A.starttime = M.starttime AND A.endtime = M.endtime AND A.num >= M.maxn";
}

TEST(WindowClosePlan, Q5JoinAndMaxExpireWhenWindowsClose) {
  PlanPtr p = Plan(Q5("WITH (allowed_lateness = '5s')"));
  ASSERT_TRUE(p);
  const PlanNode* join = Find(*p, PlanKind::kJoin);
  ASSERT_NE(join, nullptr);
  EXPECT_TRUE(join->window_close_expiry);
  // The first key pair, starttime = starttime: closed at start + 10 s + 5 s.
  EXPECT_EQ(join->inputs[0]->schema->field(join->left_expiry).name, "starttime");
  EXPECT_EQ(join->inputs[1]->schema->field(join->right_expiry).name, "starttime");
  EXPECT_EQ(join->expiry_offset_us, 15 * kSecond);
  const PlanNode* max = Find(*p, PlanKind::kAggregate);
  ASSERT_NE(max, nullptr);
  EXPECT_TRUE(max->window_close_expiry);
  EXPECT_EQ(max->expiry_key, 0);  // GROUP BY starttime, endtime
  EXPECT_EQ(max->expiry_offset_us, 15 * kSecond);
  EXPECT_NE(p->ToString().find("Join inner (changelog) [auction, num, starttime, endtime, maxn, "
                               "starttime, endtime] expire(starttime, starttime +15s)"),
            std::string::npos)
      << p->ToString();
  EXPECT_NE(p->ToString().find("Aggregate (changelog) [maxn, starttime, endtime] expire(starttime +15s)"),
            std::string::npos)
      << p->ToString();
  // The max's output starttime/endtime are closed bounds too (its group keys).
  EXPECT_EQ(WindowCloseOffset(*max, Column(*max, "endtime")), 5 * kSecond);
  EXPECT_EQ(WindowCloseOffset(*max, Column(*max, "maxn")), kNotWindowBound);
  // Without lateness, EOWC or not: the same rule with offset size.
  PlanPtr plain = Plan(Q5(""));
  ASSERT_TRUE(plain);
  EXPECT_EQ(Find(*plain, PlanKind::kJoin)->expiry_offset_us, 10 * kSecond);
}

TEST(WindowClosePlan, JoinOnAWindowEndOfOneSideOnlyKeepsItsState) {
  // The right side's "endtime" is an updating non-window aggregate's max: it can change.
  PlanPtr p = Plan(
      "SELECT A.auction FROM (SELECT auction, count(*) AS num, window_end AS endtime "
      "FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end) A "
      "JOIN (SELECT auction, max(date_time) AS endtime FROM bid GROUP BY auction) B "
      "ON A.endtime = B.endtime");
  ASSERT_TRUE(p);
  const PlanNode* join = Find(*p, PlanKind::kJoin);
  ASSERT_NE(join, nullptr);
  EXPECT_FALSE(join->window_close_expiry);
  EXPECT_EQ(join->left_expiry, -1);
  EXPECT_EQ(join->right_expiry, -1);
}

TEST(WindowClosePlan, JoinOnAComputedWindowEndKeepsItsState) {
  PlanPtr p = Plan(
      "SELECT A.auction FROM (SELECT auction, window_end AS endtime "
      "FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end) A "
      "JOIN (SELECT auction, window_end + INTERVAL '0' SECOND AS endtime "
      "FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end) B "
      "ON A.endtime = B.endtime");
  ASSERT_TRUE(p);
  EXPECT_FALSE(Find(*p, PlanKind::kJoin)->window_close_expiry);
  // Joined on the key only, no window bound at all.
  PlanPtr k = Plan(
      "SELECT A.auction FROM (SELECT auction, window_end AS endtime "
      "FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end) A "
      "JOIN (SELECT auction, window_end AS endtime "
      "FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end) B "
      "ON A.auction = B.auction");
  ASSERT_TRUE(k);
  EXPECT_FALSE(Find(*k, PlanKind::kJoin)->window_close_expiry);
}

TEST(WindowClosePlan, GroupByOfAnUpdatingNonWindowAggregateKeepsItsGroups) {
  PlanPtr p = Plan(
      "SELECT last, count(*) AS n FROM (SELECT auction, max(date_time) AS last FROM bid GROUP BY auction) t "
      "GROUP BY last");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->kind, PlanKind::kAggregate);
  EXPECT_FALSE(p->window_close_expiry);
  EXPECT_EQ(p->expiry_key, -1);
  // GROUP BY an expression of a window end: not the bound itself.
  PlanPtr e = Plan(std::string("SELECT endtime + INTERVAL '1' SECOND AS e, max(num) AS m FROM (") + kHop +
                   ") t GROUP BY endtime + INTERVAL '1' SECOND");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->window_close_expiry);
  // A join's output column is never a bound (the other side can retract its rows).
  PlanPtr j = Plan(
      "SELECT endtime, count(*) AS n FROM (SELECT A.endtime FROM (SELECT auction, window_end AS endtime "
      "FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start, window_end) A "
      "JOIN (SELECT auction, max(price) AS p FROM bid GROUP BY auction) B ON A.auction = B.auction) t "
      "GROUP BY endtime");
  ASSERT_TRUE(j);
  ASSERT_EQ(j->kind, PlanKind::kAggregate);
  EXPECT_FALSE(j->window_close_expiry);
  // Grouped by the bound and another key: expires by the bound.
  PlanPtr g = Plan(std::string("SELECT auction, endtime, max(num) AS m FROM (") + kHop +
                   ") t GROUP BY auction, endtime");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->window_close_expiry);
  EXPECT_EQ(g->expiry_key, 1);
  EXPECT_EQ(g->expiry_offset_us, 0);
}

TEST(WindowClosePlan, ProcessingTimeWindowsAreNotBounds) {
  PlanPtr p = Plan(
      "SELECT auction, window_end AS e, count(*) AS n FROM TUMBLE(bid, PROCTIME(), INTERVAL '10' SECOND) "
      "GROUP BY auction, window_start, window_end");
  ASSERT_TRUE(p);
  EXPECT_EQ(WindowCloseOffset(*p, Column(*p, "e")), kNotWindowBound);
}

}  // namespace
}  // namespace sluice::sql
