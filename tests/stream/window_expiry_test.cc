// State downstream of window aggregates is freed when the window closes: HashJoin's
// expiry offset, GroupAggregate's expiry by watermark, and whole query graphs (Nexmark
// q5's updating shape and variants) run with and without the planner's window-close
// expiry over out-of-order and late input, which must give exactly the same changelog
// and refused rows while the expiring graph keeps only the open windows' state.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/time.h"
#include "core/value.h"
#include "sql/parser.h"
#include "sql/plan.h"
#include "sql/sql.h"
#include "stream/group_aggregate.h"
#include "stream/hash_join.h"
#include "stream/query_graph.h"
#include "sql/plan_test_util.h"
#include "stream/change_lines.h"
#include "stream/state_codec.h"

namespace sluice::stream {
namespace {

using warehouse::ChangeOp;
constexpr int64_t kSecond = 1000 * 1000;

using LogSink = testing::ChangeLines;

// ---- HashJoin: expiry columns with an offset -------------------------------------------

// Both sides: k BIGINT, endtime TIMESTAMP.
SchemaPtr SideSchema() {
  return MakeSchema({{"k", DataType::Int64()}, {"endtime", DataType::Timestamp()}});
}

RecordBatchPtr Side(const std::vector<std::pair<int64_t, int64_t>>& rows) {
  BatchBuilder b(SideSchema());
  for (const auto& [k, end_s] : rows) {
    b.column(0)->Append<int64_t>(k);
    b.column(1)->Append<int64_t>(end_s * kSecond);
  }
  return b.Finish();
}

HashJoinOptions EndJoin(int64_t offset_us) {
  HashJoinOptions o;
  o.left_keys = {1};
  o.right_keys = {1};
  o.left_expiry = 1;
  o.right_expiry = 1;
  o.expiry_offset_us = offset_us;
  o.left_schema = SideSchema();
  o.right_schema = SideSchema();
  return o;
}

TEST(WindowExpiryJoin, RowsLeaveAtTheirWindowEndPlusTheOffset) {
  auto made = HashJoin::Make(EndJoin(5 * kSecond), sql::ErrorContext{});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  HashJoin& j = **made;
  LogSink out;
  ASSERT_TRUE(j.ApplyInput(0, *Side({{1, 10}, {2, 20}}), &out).ok());
  ASSERT_TRUE(j.ApplyInput(1, *Side({{3, 10}}), &out).ok());
  EXPECT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(j.state_rows(0), 2);
  EXPECT_EQ(j.state_rows(1), 1);
  // Window end 10 s + 5 s: kept at 14.999999 s, dropped at 15 s.
  ASSERT_TRUE(j.OnWatermark(15 * kSecond - 1, &out).ok());
  EXPECT_EQ(j.state_rows(0), 2);
  EXPECT_EQ(j.state_rows(1), 1);
  // A row of window 10 still joins inside the offset.
  ASSERT_TRUE(j.ApplyInput(1, *Side({{4, 10}}), &out).ok());
  EXPECT_EQ(out.lines.size(), 2u);
  ASSERT_TRUE(j.OnWatermark(15 * kSecond, &out).ok());
  EXPECT_EQ(j.state_rows(0), 1);
  EXPECT_EQ(j.state_rows(1), 0);
  EXPECT_EQ(out.lines.size(), 2u) << "expiry emits nothing";
  // A row of a window past end + offset is late, not silently dropped.
  ASSERT_TRUE(j.ApplyInput(1, *Side({{5, 10}, {6, 20}}), &out).ok());
  RefusedRows late = j.TakeRefusedRows();
  ASSERT_NE(late.rows, nullptr);
  ASSERT_EQ(late.rows->num_rows(), 1);
  EXPECT_EQ(late.rows->column(0).Get<int64_t>(0), 5);
  EXPECT_EQ(late.reasons[0].rfind("late", 0), 0u) << late.reasons[0];
  EXPECT_EQ(out.lines.size(), 3u) << "(6, 20) joins (2, 20)";
}

TEST(WindowExpiryJoin, ZeroOffsetIsTheWindowJoinRuleAndNegativeIsRefused) {
  auto zero = HashJoin::Make(EndJoin(0), sql::ErrorContext{});
  ASSERT_TRUE(zero.ok());
  LogSink out;
  ASSERT_TRUE((*zero)->ApplyInput(0, *Side({{1, 10}}), &out).ok());
  ASSERT_TRUE((*zero)->OnWatermark(10 * kSecond, &out).ok());
  EXPECT_EQ((*zero)->state_rows(0), 0);
  auto bad = HashJoin::Make(EndJoin(-1), sql::ErrorContext{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalid);
  EXPECT_NE(bad.status().message().find("negative"), std::string::npos);
}

// ---- GroupAggregate: groups freed by the watermark -------------------------------------

// t: endtime TIMESTAMP, x BIGINT, name VARCHAR
SchemaPtr TableSchema() {
  return MakeSchema({{"endtime", DataType::Timestamp()}, {"x", DataType::Int64()}, {"name", DataType::Varchar()}});
}

class OneTable final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return name == "t" ? TableSchema() : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"t"}; }
};

std::shared_ptr<sql::CompiledAggregate> Aggregate(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  auto q = sql::CompileSelectQuery(**select, OneTable(), sql, "q.sql");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return std::move(q->aggregate);
}

RecordBatchPtr TableRows(const std::vector<std::pair<std::optional<int64_t>, int64_t>>& rows) {
  BatchBuilder b(TableSchema());
  for (const auto& [end_s, x] : rows) {
    if (end_s) {
      b.column(0)->Append<int64_t>(*end_s * kSecond);
    } else {
      b.column(0)->AppendNull();
    }
    b.column(1)->Append<int64_t>(x);
    b.column(2)->AppendString("n");
  }
  return b.Finish();
}

TEST(WindowExpiryGroupAggregate, GroupsLeaveWhenTheWatermarkPassesKeyPlusOffset) {
  GroupAggregate agg(Aggregate("SELECT endtime, max(x) AS m FROM t GROUP BY endtime"));
  ASSERT_TRUE(agg.SetWatermarkExpiry(0, 2 * kSecond).ok());
  LogSink out;
  ASSERT_TRUE(agg.Apply(*TableRows({{10, 1}, {20, 2}, {30, 3}, {std::nullopt, 4}}), &out).ok());
  EXPECT_EQ(agg.num_groups(), 4);
  ASSERT_TRUE(agg.OnWatermark(12 * kSecond - 1, &out).ok());
  EXPECT_EQ(agg.num_groups(), 4);
  ASSERT_TRUE(agg.OnWatermark(22 * kSecond, &out).ok());
  EXPECT_EQ(agg.num_groups(), 2) << "10 and 20 freed; 30 and the NULL key stay";
  EXPECT_EQ(out.lines.size(), 4u) << "freeing emits nothing";
  // The remaining groups still update; new ones are tracked and freed later.
  ASSERT_TRUE(agg.Apply(*TableRows({{30, 9}, {40, 1}}), &out).ok());
  EXPECT_EQ(out.lines.size(), 7u);  // -U/+U for 30, +I for 40
  EXPECT_EQ(out.lines[4].substr(0, 2), "-U");
  EXPECT_EQ(out.lines[6].substr(0, 2), "+I");
  ASSERT_TRUE(agg.OnWatermark(INT64_MAX, &out).ok());
  EXPECT_EQ(agg.num_groups(), 1) << "only the NULL key never expires";
  // A watermark that does not advance does nothing.
  ASSERT_TRUE(agg.OnWatermark(0, &out).ok());
  EXPECT_EQ(agg.num_groups(), 1);
}

TEST(WindowExpiryGroupAggregate, RetractableGroupsAreFreedToo) {
  GroupAggregate agg(Aggregate("SELECT endtime, max(x) AS m, count(*) AS n FROM t GROUP BY endtime"),
                     /*retractable_input=*/true);
  ASSERT_TRUE(agg.SetWatermarkExpiry(0, 0).ok());
  LogSink out;
  warehouse::ChangeBatch in;
  in.rows = TableRows({{10, 1}, {10, 5}, {20, 2}, {10, 1}});
  in.ops = {ChangeOp::kInsert, ChangeOp::kInsert, ChangeOp::kInsert, ChangeOp::kDelete};
  ASSERT_TRUE(agg.ApplyChanges(0, in, &out).ok());
  EXPECT_EQ(agg.num_live_groups(), 2);
  EXPECT_GT(agg.MemoryBytes(), 0);
  ASSERT_TRUE(agg.OnWatermark(10 * kSecond, &out).ok());
  EXPECT_EQ(agg.num_groups(), 1);
  // A snapshot after freeing restores the kept group; its multiset is intact:
  // retracting its only value removes it.
  StateWriter w;
  ASSERT_TRUE(agg.Snapshot(&w).ok());
  const std::string bytes = w.Finish();
  GroupAggregate restored(Aggregate("SELECT endtime, max(x) AS m, count(*) AS n FROM t GROUP BY endtime"),
                          /*retractable_input=*/true);
  ASSERT_TRUE(restored.SetWatermarkExpiry(0, 0).ok());
  auto reader = StateReader::Open(bytes, "snap");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE(restored.Restore(&*reader).ok());
  EXPECT_EQ(restored.num_groups(), 1);
  warehouse::ChangeBatch del;
  del.rows = TableRows({{20, 2}});
  del.ops = {ChangeOp::kDelete};
  const size_t before = out.lines.size();
  ASSERT_TRUE(restored.ApplyChanges(0, del, &out).ok());
  ASSERT_EQ(out.lines.size(), before + 1);
  EXPECT_EQ(out.lines.back().substr(0, 2), "-D");
  ASSERT_TRUE(restored.OnWatermark(20 * kSecond, &out).ok());
  EXPECT_EQ(restored.num_groups(), 0);
}

TEST(WindowExpiryGroupAggregate, RefusesKeysThatAreNotTimes) {
  GroupAggregate agg(Aggregate("SELECT name, endtime, count(*) AS n FROM t GROUP BY name, endtime"));
  Status st = agg.SetWatermarkExpiry(0, 0);
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("VARCHAR"), std::string::npos) << st.message();
  EXPECT_EQ(agg.SetWatermarkExpiry(2, 0).code(), StatusCode::kInvalid);
  EXPECT_EQ(agg.SetWatermarkExpiry(-1, 0).code(), StatusCode::kInvalid);
  EXPECT_EQ(agg.SetWatermarkExpiry(1, -5).code(), StatusCode::kInvalid);
  EXPECT_TRUE(agg.SetWatermarkExpiry(1, 0).ok());
}

// ---- Query graphs: the same changelog with and without window-close expiry --------------

class BidTable final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return name == "bid" ? Schema() : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"bid"}; }
  static SchemaPtr Schema() {
    return MakeSchema({{"auction", DataType::Int64(), false}, {"ts", DataType::Timestamp(), false}});
  }
};

sql::PlanPtr PlanScript(const std::string& script) { return sql::testing::PlanStatement(script, BidTable()); }

// The plan as it was before window-close expiry: nothing freed by window close.
int StripWindowCloseExpiry(sql::PlanNode* n) {
  int stripped = 0;
  if (n->window_close_expiry) {
    ++stripped;
    n->window_close_expiry = false;
    n->expiry_key = -1;
    if (n->kind == sql::PlanKind::kJoin) n->left_expiry = n->right_expiry = -1;
    n->expiry_offset_us = 0;
  }
  for (const sql::PlanPtr& in : n->inputs) stripped += StripWindowCloseExpiry(in.get());
  return stripped;
}

// Join rows and GROUP BY groups held by the graph's joins and non-window aggregates.
int64_t DownstreamState(const QueryGraph& g) {
  int64_t held = 0;
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    if (const auto* j = dynamic_cast<const HashJoin*>(g.node_operator(i))) {
      held += j->state_rows(0) + j->state_rows(1);
    } else if (const auto* a = dynamic_cast<const GroupAggregate*>(g.node_operator(i))) {
      held += a->num_groups();
    }
  }
  return held;
}

// Bids in event-time order with jitter inside the delay, a few late ones within the
// allowed lateness and a few beyond it; `batches` batches of up to 8 rows.
std::vector<RecordBatchPtr> RandomBids(uint32_t seed, int batches) {
  std::mt19937 rng(seed);
  std::vector<RecordBatchPtr> out;
  int64_t now = 1'700'000'000 * kSecond;
  for (int b = 0; b < batches; ++b) {
    BatchBuilder builder(BidTable::Schema());
    const int rows = 1 + static_cast<int>(rng() % 8);
    for (int r = 0; r < rows; ++r) {
      now += static_cast<int64_t>(rng() % 700) * 1000;
      int64_t ts = now - static_cast<int64_t>(rng() % 2000) * 1000;  // within the 2 s delay
      const uint32_t kind = rng() % 20;
      if (kind == 0) ts = now - static_cast<int64_t>(2 + rng() % 6) * kSecond;    // lateness
      if (kind == 1) ts = now - static_cast<int64_t>(10 + rng() % 20) * kSecond;  // beyond
      builder.column(0)->Append<int64_t>(1 + static_cast<int64_t>(rng() % 4));
      builder.column(1)->Append<int64_t>(ts);
    }
    out.push_back(builder.Finish());
  }
  return out;
}

struct Run {
  std::vector<std::string> lines;  // changes and refused rows, in order
  int64_t max_state = 0;           // the most downstream state seen after a batch
  int64_t final_state = 0;         // before Finish
};

Run Execute(sql::PlanPtr plan, const std::vector<RecordBatchPtr>& bids, bool watermarks) {
  Run run;
  QueryGraphOptions options;
  options.watermark_delay_us = 2 * kSecond;
  auto made = QueryGraph::Make(plan, options);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  if (!made.ok()) return run;
  QueryGraph& g = **made;
  LogSink out;
  auto refused = [&]() {
    for (RefusedRows r = g.TakeRefusedRows(); r.rows != nullptr; r = g.TakeRefusedRows()) {
      for (int64_t i = 0; i < r.rows->num_rows(); ++i) {
        out.lines.push_back("refused | " + r.reasons[static_cast<size_t>(i)]);
      }
    }
  };
  int64_t max_ts = INT64_MIN;
  for (const RecordBatchPtr& b : bids) {
    for (int port = 0; port < g.num_inputs(); ++port) {
      Status st = g.ApplyInput(port, *b, &out);
      EXPECT_TRUE(st.ok()) << st.ToString();
      refused();
    }
    for (int64_t i = 0; i < b->num_rows(); ++i) max_ts = std::max(max_ts, b->column(1).Get<int64_t>(i));
    if (watermarks) {  // the pipeline's idle-source watermark, now and then
      Status st = g.OnWatermark(max_ts - 3 * kSecond, &out);
      EXPECT_TRUE(st.ok()) << st.ToString();
      refused();
    }
    run.max_state = std::max(run.max_state, DownstreamState(g));
  }
  run.final_state = DownstreamState(g);
  EXPECT_TRUE(g.Finish(&out).ok());
  refused();
  run.lines = std::move(out.lines);
  return run;
}

constexpr const char* kQ5 = R"(
CREATE MATERIALIZED VIEW q5 WITH (allowed_lateness = 'LATENESS') AS
SELECT AuctionBids.auction, AuctionBids.num, AuctionBids.endtime
FROM (
  SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
  GROUP BY auction, window_start, window_end EMIT
) AS AuctionBids
JOIN (
  SELECT max(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
  FROM (
    SELECT count(*) AS num, window_start AS starttime, window_end AS endtime
    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
    GROUP BY auction, window_start, window_end EMIT
  ) AS CountBids
  GROUP BY CountBids.starttime, CountBids.endtime
) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime AND
   AuctionBids.endtime = MaxBids.endtime AND
   AuctionBids.num >= MaxBids.maxn)";

// A LEFT join on window_end only, over TUMBLE windows.
constexpr const char* kLeftEnd = R"(
CREATE MATERIALIZED VIEW v WITH (allowed_lateness = 'LATENESS') AS
SELECT a.auction, a.num, m.maxn, a.endtime
FROM (SELECT auction, count(*) AS num, window_end AS endtime
      FROM TUMBLE(bid, ts, INTERVAL '3' SECOND) GROUP BY auction, window_start, window_end EMIT) AS a
LEFT JOIN (SELECT max(num) AS maxn, endtime FROM
             (SELECT count(*) AS num, window_end AS endtime FROM TUMBLE(bid, ts, INTERVAL '3' SECOND)
              GROUP BY auction, window_start, window_end EMIT) AS c
           GROUP BY endtime) AS m
ON a.endtime = m.endtime AND a.num = m.maxn)";

std::string Query(const char* text, const std::string& lateness, bool eowc) {
  std::string q = text;
  q.replace(q.find("LATENESS"), 8, lateness);
  for (size_t at = q.find(" EMIT"); at != std::string::npos; at = q.find(" EMIT", at + 1)) {
    q.replace(at, 5, eowc ? " EMIT ON WINDOW CLOSE" : "");
  }
  return q;
}

void ExpectSameChangelog(const std::string& sql, uint32_t seed, bool watermarks) {
  SCOPED_TRACE(sql + "\nseed " + std::to_string(seed) + (watermarks ? " with OnWatermark" : ""));
  sql::PlanPtr expiring = PlanScript(sql);
  sql::PlanPtr keeping = PlanScript(sql);
  ASSERT_TRUE(expiring && keeping);
  ASSERT_EQ(StripWindowCloseExpiry(keeping.get()), 2) << expiring->ToString();
  const std::vector<RecordBatchPtr> bids = RandomBids(seed, 300);
  const Run a = Execute(expiring, bids, watermarks);
  const Run b = Execute(keeping, bids, watermarks);
  ASSERT_EQ(a.lines.size(), b.lines.size());
  for (size_t i = 0; i < a.lines.size(); ++i) ASSERT_EQ(a.lines[i], b.lines[i]) << "change " << i;
  int refused = 0;
  for (const std::string& l : a.lines) refused += l.rfind("refused", 0) == 0;
  EXPECT_GT(refused, 0) << "the input has rows beyond the allowed lateness";
  for (const std::string& l : a.lines) {
    if (l.rfind("refused", 0) == 0) {
      EXPECT_NE(l.find("window ["), std::string::npos) << "only window aggregates refuse: " << l;
    }
  }
  // 300 batches span minutes of event time; only the open windows' state stays.
  EXPECT_GT(b.final_state, 200);
  EXPECT_LT(a.final_state, b.final_state / 5) << a.final_state << " vs " << b.final_state;
  EXPECT_LT(a.max_state, b.final_state / 4);
}

TEST(WindowExpiryGraph, Q5UpdatingWithoutLatenessMatchesTheUnboundedPlan) {
  for (uint32_t seed : {1u, 2u}) ExpectSameChangelog(Query(kQ5, "0s", false), seed, false);
}

TEST(WindowExpiryGraph, Q5UpdatingWithLatenessMatchesTheUnboundedPlan) {
  for (uint32_t seed : {3u, 4u}) ExpectSameChangelog(Query(kQ5, "5s", false), seed, false);
  ExpectSameChangelog(Query(kQ5, "5s", false), 5, true);
}

TEST(WindowExpiryGraph, Q5EmitOnWindowCloseMatchesTheUnboundedPlan) {
  ExpectSameChangelog(Query(kQ5, "0s", true), 6, false);
  ExpectSameChangelog(Query(kQ5, "4s", true), 7, true);
}

TEST(WindowExpiryGraph, LeftJoinOnWindowEndMatchesTheUnboundedPlan) {
  ExpectSameChangelog(Query(kLeftEnd, "0s", false), 8, false);
  ExpectSameChangelog(Query(kLeftEnd, "3s", false), 9, true);
  ExpectSameChangelog(Query(kLeftEnd, "3s", true), 10, false);
}

}  // namespace
}  // namespace sluice::stream
