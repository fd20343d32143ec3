// Interval joins whose one side's time is a window aggregate's window bound (Nexmark q7):
// HashJoin's window-time mode (HashJoinOptions::window_time_offset_us) expires both sides
// by the MIN of the stream's and the window aggregates' watermarks, and whole query
// graphs give exactly the changelog of the plan that keeps every row (time bounds as a
// plain condition) while holding only the rows that can still match.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/value.h"
#include "sql/join_condition.h"
#include "sql/parser.h"
#include "sql/plan.h"
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

// Both sides: price BIGINT, t TIMESTAMP (left: a bid's time; right: a window's end).
SchemaPtr SideSchema() { return MakeSchema({{"price", DataType::Int64()}, {"t", DataType::Timestamp()}}); }

RecordBatchPtr Rows(const std::vector<std::pair<int64_t, int64_t>>& rows) {
  BatchBuilder b(SideSchema());
  for (const auto& [price, t_s] : rows) {
    b.column(0)->Append<int64_t>(price);
    b.column(1)->Append<int64_t>(t_s * kSecond);
  }
  return b.Finish();
}

warehouse::ChangeBatch Changes(const std::vector<std::pair<int64_t, int64_t>>& rows,
                               std::vector<ChangeOp> ops) {
  warehouse::ChangeBatch c;
  c.rows = Rows(rows);
  c.ops = std::move(ops);
  return c;
}

// q7: right.t (window end E) - left.t in [0, 10 s]; the right side closes at E + lateness.
HashJoinOptions Q7Join(int64_t lateness_us) {
  HashJoinOptions o;
  o.left_keys = {0};
  o.right_keys = {0};
  o.time_bounds = JoinTimeBounds{1, 1, 0, 10 * kSecond};
  o.window_time_offset_us[1] = lateness_us;
  o.watermark_delay_us = 2 * kSecond;
  o.left_schema = SideSchema();
  o.right_schema = SideSchema();
  return o;
}

TEST(IntervalWindowJoin, WatermarkIsTheMinOfStreamAndWindows) {
  auto made = HashJoin::Make(Q7Join(5 * kSecond), sql::ErrorContext{});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  HashJoin& j = **made;
  LogSink out;
  ASSERT_TRUE(j.ApplyInput(0, *Rows({{1, 5}, {2, 12}, {3, 40}}), &out).ok());
  EXPECT_EQ(j.watermark(), INT64_MIN) << "no window watermark yet: the stream alone says nothing";
  EXPECT_EQ(j.state_rows(0), 3);
  // The windows are far ahead; the stream's 40 s - 2 s bounds the watermark.
  ASSERT_TRUE(j.OnWindowWatermark(100 * kSecond, &out).ok());
  EXPECT_EQ(j.watermark(), 38 * kSecond);
  // Bid at 5 s: its windows end by 15 s and close at 20 s; bid at 12 s: 27 s.
  EXPECT_EQ(j.state_rows(0), 1);
}

TEST(IntervalWindowJoin, StreamRowsWaitForTheirWindowsToClose) {
  auto made = HashJoin::Make(Q7Join(5 * kSecond), sql::ErrorContext{});
  ASSERT_TRUE(made.ok());
  HashJoin& j = **made;
  LogSink out;
  ASSERT_TRUE(j.ApplyInput(0, *Rows({{1, 5}, {2, 12}, {9, 60}}), &out).ok());
  // Windows of 5 s end at <= 15 s, which may still change until 15 s + 5 s.
  ASSERT_TRUE(j.OnWindowWatermark(20 * kSecond - 1, &out).ok());
  EXPECT_EQ(j.watermark(), 20 * kSecond - 1);
  EXPECT_EQ(j.state_rows(0), 3);
  // Window (1, E = 15 s) arrives while the watermark is past E (inside the lateness):
  // accepted, and it matches the bid at 5 s.
  ASSERT_TRUE(j.ApplyChanges(1, Changes({{1, 15}}, {ChangeOp::kInsert}), &out).ok());
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(j.TakeRefusedRows().rows, nullptr);
  ASSERT_TRUE(j.OnWindowWatermark(20 * kSecond, &out).ok());
  EXPECT_EQ(j.state_rows(0), 2) << "the bid at 5 s has no open window left";
  // The window row (E = 15 s) itself leaves at max(E - lower + 1us, E + 5 s) = 20 s.
  EXPECT_EQ(j.state_rows(1), 0);
  // A bid behind the watermark is late (its partners may be gone).
  ASSERT_TRUE(j.ApplyInput(0, *Rows({{2, 19}}), &out).ok());
  RefusedRows late = j.TakeRefusedRows();
  ASSERT_NE(late.rows, nullptr);
  EXPECT_EQ(late.rows->num_rows(), 1);
  EXPECT_EQ(late.reasons[0].rfind("late", 0), 0u) << late.reasons[0];
  EXPECT_EQ(j.state_rows(0), 2);
}

TEST(IntervalWindowJoin, WindowRowsStayUntilTheyCannotChange) {
  // Lateness 20 s: a window row E stays until E + 20 s even when no bid can match it.
  auto made = HashJoin::Make(Q7Join(20 * kSecond), sql::ErrorContext{});
  ASSERT_TRUE(made.ok());
  HashJoin& j = **made;
  LogSink out;
  ASSERT_TRUE(j.ApplyInput(0, *Rows({{7, 3}, {7, 8}}), &out).ok());
  ASSERT_TRUE(j.ApplyChanges(1, Changes({{7, 10}}, {ChangeOp::kInsert}), &out).ok());
  EXPECT_EQ(out.lines.size(), 2u);
  ASSERT_TRUE(j.ApplyInput(0, *Rows({{0, 60}}), &out).ok());  // the stream runs ahead
  ASSERT_TRUE(j.OnWindowWatermark(30 * kSecond - 1, &out).ok());
  EXPECT_EQ(j.state_rows(1), 1);
  // The window's max moves on (-U/+U, as a window aggregate within its lateness does):
  // the retraction finds its row and retracts both joined rows.
  ASSERT_TRUE(j.ApplyChanges(1, Changes({{7, 10}, {8, 10}}, {ChangeOp::kUpdateBefore, ChangeOp::kUpdateAfter}),
                             &out).ok());
  EXPECT_EQ(j.TakeRefusedRows().rows, nullptr);
  ASSERT_EQ(out.lines.size(), 4u);
  EXPECT_EQ(out.lines[2].substr(0, 2), "-D");
  EXPECT_EQ(out.lines[3].substr(0, 2), "-D");
  EXPECT_EQ(j.state_rows(1), 1);
  ASSERT_TRUE(j.OnWindowWatermark(30 * kSecond, &out).ok());
  EXPECT_EQ(j.state_rows(1), 0);
  EXPECT_EQ(j.state_rows(0), 3) << "bids stay until their windows' end + 20 s (33 s, 38 s)";
  ASSERT_TRUE(j.OnWindowWatermark(38 * kSecond, &out).ok());
  EXPECT_EQ(j.state_rows(0), 1) << "only the bid at 60 s";
}

TEST(IntervalWindowJoin, PipelineWatermarkRaisesBothAndSnapshotsKeepIt) {
  auto made = HashJoin::Make(Q7Join(0), sql::ErrorContext{});
  ASSERT_TRUE(made.ok());
  HashJoin& j = **made;
  LogSink out;
  ASSERT_TRUE(j.ApplyInput(0, *Rows({{1, 5}, {2, 30}}), &out).ok());
  // The pipeline's watermark (an idle source, say) counts for the stream and the
  // windows alike (a window aggregate takes it too).
  ASSERT_TRUE(j.OnWatermark(16 * kSecond, &out).ok());
  EXPECT_EQ(j.watermark(), 16 * kSecond);
  EXPECT_EQ(j.state_rows(0), 1);
  StateWriter w;
  ASSERT_TRUE(j.Snapshot(&w).ok());
  const std::string bytes = w.Finish();
  auto again = HashJoin::Make(Q7Join(0), sql::ErrorContext{});
  ASSERT_TRUE(again.ok());
  auto reader = StateReader::Open(bytes, "snap");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*again)->Restore(&*reader).ok());
  EXPECT_EQ((*again)->watermark(), 16 * kSecond);
  // Until the windows' watermark comes again, nothing more expires.
  ASSERT_TRUE((*again)->ApplyInput(0, *Rows({{3, 90}}), &out).ok());
  EXPECT_EQ((*again)->watermark(), 16 * kSecond);
  ASSERT_TRUE((*again)->OnWindowWatermark(41 * kSecond, &out).ok());
  EXPECT_EQ((*again)->watermark(), 41 * kSecond);
  EXPECT_EQ((*again)->state_rows(0), 1);
}

TEST(IntervalWindowJoin, BadOptions) {
  HashJoinOptions o = Q7Join(0);
  o.window_time_offset_us[0] = -2;
  EXPECT_EQ(HashJoin::Make(std::move(o), sql::ErrorContext{}).status().code(), StatusCode::kInvalid);
  HashJoinOptions n = Q7Join(0);
  n.time_bounds.reset();
  auto made = HashJoin::Make(std::move(n), sql::ErrorContext{});
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("time bounds"), std::string::npos) << made.status().message();
}

// ---- Query graphs: the same changelog as the plan that keeps every row ------------------

class BidTable final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override { return name == "bid" ? Schema() : nullptr; }
  std::vector<std::string> TableNames() const override { return {"bid"}; }
  static SchemaPtr Schema() {
    return MakeSchema({{"auction", DataType::Int64(), false},
                       {"price", DataType::Int64(), false},
                       {"ts", DataType::Timestamp(), false}});
  }
};

sql::PlanPtr PlanScript(const std::string& script) { return sql::testing::PlanStatement(script, BidTable()); }

// The plan without the window-time expiry: time bounds as a plain condition, every row kept.
int StripWindowTime(sql::PlanNode* n) {
  int stripped = 0;
  if (n->kind == sql::PlanKind::kJoin && (n->left_time_close_offset_us >= 0 || n->right_time_close_offset_us >= 0)) {
    ++stripped;
    sql::TimeBoundsToResidual(n->join.get(), *n->schema, n->inputs[0]->schema->num_fields());
    n->left_time_close_offset_us = n->right_time_close_offset_us = -1;
    n->window_close_expiry = false;
  }
  for (const sql::PlanPtr& in : n->inputs) stripped += StripWindowTime(in.get());
  return stripped;
}

int64_t JoinState(const QueryGraph& g) {
  int64_t held = 0;
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    if (const auto* j = dynamic_cast<const HashJoin*>(g.node_operator(i))) held += j->state_rows(0) + j->state_rows(1);
  }
  return held;
}

struct Input {
  RecordBatchPtr all;      // for the window aggregate: late rows included
  RecordBatchPtr on_time;  // for the join's stream side: rows within the delay
};

// Bids in event-time order with jitter inside the 2 s delay, a few late ones within the
// allowed lateness and a few beyond it (those only reach the window aggregate: the join
// refuses stream rows behind its watermark, the plan that keeps everything would not).
std::vector<Input> RandomBids(uint32_t seed, int batches) {
  std::mt19937 rng(seed);
  std::vector<Input> out;
  int64_t now = 1'700'000'000 * kSecond;
  int64_t max_seen = INT64_MIN;
  int64_t auction = 0;
  for (int b = 0; b < batches; ++b) {
    BatchBuilder all(BidTable::Schema());
    BatchBuilder on_time(BidTable::Schema());
    const int rows = 1 + static_cast<int>(rng() % 8);
    int64_t batch_max = max_seen;
    for (int r = 0; r < rows; ++r) {
      now += static_cast<int64_t>(rng() % 900) * 1000;
      int64_t ts = now - static_cast<int64_t>(rng() % 2000) * 1000;
      const uint32_t kind = rng() % 16;
      if (kind == 0) ts = now - static_cast<int64_t>(2 + rng() % 6) * kSecond;    // lateness
      if (kind == 1) ts = now - static_cast<int64_t>(10 + rng() % 20) * kSecond;  // beyond
      const int64_t price = 1 + static_cast<int64_t>(rng() % 5);
      ++auction;
      for (BatchBuilder* bb : {&all, &on_time}) {
        if (bb == &on_time && max_seen != INT64_MIN && ts < max_seen - 2 * kSecond) continue;
        bb->column(0)->Append<int64_t>(auction);
        bb->column(1)->Append<int64_t>(price);
        bb->column(2)->Append<int64_t>(ts);
      }
      batch_max = std::max(batch_max, ts);
    }
    max_seen = batch_max;
    out.push_back({all.Finish(), on_time.Finish()});
  }
  return out;
}

struct Run {
  std::vector<std::string> lines;
  int64_t max_state = 0;
  int64_t final_state = 0;
  int64_t max_spilled_keys = 0;  // join keys in the rocksdb store
};

Run Execute(sql::PlanPtr plan, const std::vector<Input>& bids, bool watermarks,
            const OperatorStateOptions& state = {}) {
  Run run;
  QueryGraphOptions options;
  options.watermark_delay_us = 2 * kSecond;
  options.state = state;
  auto made = QueryGraph::Make(plan, options);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  if (!made.ok()) return run;
  QueryGraph& g = **made;
  EXPECT_EQ(g.num_inputs(), 2);
  LogSink out;
  auto refused = [&]() {
    for (RefusedRows r = g.TakeRefusedRows(); r.rows != nullptr; r = g.TakeRefusedRows()) {
      for (int64_t i = 0; i < r.rows->num_rows(); ++i) out.lines.push_back("refused | " + r.reasons[static_cast<size_t>(i)]);
    }
  };
  int64_t max_ts = INT64_MIN;
  for (size_t b = 0; b < bids.size(); ++b) {
    const Input& in = bids[b];
    // Port 0: the window aggregate's scan (planned first); port 1: bid B, the stream
    // side. Every other batch reaches the stream side first.
    for (int k = 0; k < 2; ++k) {
      const int port = b % 2 == 0 ? k : 1 - k;
      Status st = g.ApplyInput(port, port == 1 ? *in.on_time : *in.all, &out);
      EXPECT_TRUE(st.ok()) << st.ToString();
      refused();
    }
    for (int64_t i = 0; i < in.all->num_rows(); ++i) max_ts = std::max(max_ts, in.all->column(2).Get<int64_t>(i));
    if (watermarks) {
      Status st = g.OnWatermark(max_ts - 3 * kSecond, &out);
      EXPECT_TRUE(st.ok()) << st.ToString();
      refused();
    }
    run.max_state = std::max(run.max_state, JoinState(g));
    for (size_t i = 0; i < g.num_nodes(); ++i) {
      if (const auto* j = dynamic_cast<const HashJoin*>(g.node_operator(i))) {
        run.max_spilled_keys = std::max(run.max_spilled_keys, j->spilled_keys());
      }
    }
  }
  run.final_state = JoinState(g);
  EXPECT_TRUE(g.Finish(&out).ok());
  refused();
  run.lines = std::move(out.lines);
  return run;
}

constexpr const char* kQ7 = R"(
CREATE MATERIALIZED VIEW q7 WITH (allowed_lateness = 'LATENESS') AS
SELECT B.auction, B.price, B.ts, B1.wend
FROM bid B
JOIN (SELECT MAX(price) AS maxprice, window_end AS wend
      FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '3' SECOND))
      GROUP BY window_start, window_end EMIT) B1
ON B.price = B1.maxprice
WHERE B.ts BETWEEN B1.wend - INTERVAL '3' SECOND AND B1.wend)";

// The window side on the left of a LEFT join, bounds in ON, on window_start of a HOP.
constexpr const char* kLeftHop = R"(
CREATE MATERIALIZED VIEW v WITH (allowed_lateness = 'LATENESS') AS
SELECT B1.maxprice, B1.wstart, B.auction, B.ts
FROM (SELECT MAX(price) AS maxprice, window_start AS wstart
      FROM HOP(bid, ts, INTERVAL '1' SECOND, INTERVAL '4' SECOND)
      GROUP BY window_start, window_end EMIT) B1
LEFT JOIN bid B
ON B.price = B1.maxprice AND B.ts >= B1.wstart AND B.ts < B1.wstart + INTERVAL '4' SECOND)";

std::string Query(const char* text, const std::string& lateness, bool eowc) {
  std::string q = text;
  q.replace(q.find("LATENESS"), 8, lateness);
  const size_t at = q.find(" EMIT");
  q.replace(at, 5, eowc ? " EMIT ON WINDOW CLOSE" : "");
  return q;
}

void ExpectSameChangelog(const std::string& sql, uint32_t seed, bool watermarks,
                         const OperatorStateOptions& state = {}) {
  SCOPED_TRACE(sql + "\nseed " + std::to_string(seed) + (watermarks ? " with OnWatermark" : ""));
  sql::PlanPtr expiring = PlanScript(sql);
  sql::PlanPtr keeping = PlanScript(sql);
  ASSERT_TRUE(expiring && keeping);
  ASSERT_EQ(StripWindowTime(keeping.get()), 1) << expiring->ToString();
  const std::vector<Input> bids = RandomBids(seed, 400);
  const Run a = Execute(expiring, bids, watermarks, state);
  const Run b = Execute(keeping, bids, watermarks);
  for (size_t i = 0; i < std::min(a.lines.size(), b.lines.size()); ++i) {
    ASSERT_EQ(a.lines[i], b.lines[i]) << "change " << i;
  }
  ASSERT_EQ(a.lines.size(), b.lines.size());
  int changes = 0;
  for (const std::string& l : a.lines) changes += l.rfind("refused", 0) != 0;
  EXPECT_GT(changes, 50);
  if (sql.find("EMIT ON WINDOW CLOSE") == std::string::npos) {
    int retracted = 0;
    for (const std::string& l : a.lines) retracted += l.rfind("-D", 0) == 0;
    EXPECT_GT(retracted, 5) << "windows' max changes retract joined rows";
  }
  // The keeping plan holds every bid; the expiring one the last seconds' only.
  EXPECT_GT(b.final_state, 1000);
  EXPECT_LT(a.max_state, b.final_state / 5) << a.max_state << " vs " << b.final_state;
  if (state.backend == StateBackendKind::kRocksDb) {
    EXPECT_GT(a.max_spilled_keys, 0);
  }
}

TEST(IntervalWindowGraph, Q7MatchesThePlanThatKeepsEveryRow) {
  for (const char* lateness : {"0s", "4s"}) {
    for (bool eowc : {false, true}) {
      for (uint32_t seed : {1u, 2u}) {
        ExpectSameChangelog(Query(kQ7, lateness, eowc), seed, false);
        ExpectSameChangelog(Query(kQ7, lateness, eowc), seed + 10, true);
      }
    }
  }
}

TEST(IntervalWindowGraph, RocksDbBackendSpillsAndStillMatches) {
  char dir[] = "/tmp/sluice_interval_window_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  OperatorStateOptions state;
  state.backend = StateBackendKind::kRocksDb;
  state.memory_budget_bytes = 16 << 10;  // far below the state: joins and windows spill
  state.dir = dir;
  ExpectSameChangelog(Query(kQ7, "4s", false), 21, true, state);
  std::filesystem::remove_all(dir);
}

TEST(IntervalWindowGraph, WindowSideLeftJoinOnHopStartMatches) {
  for (const char* lateness : {"0s", "3s"}) {
    for (bool eowc : {false, true}) {
      ExpectSameChangelog(Query(kLeftHop, lateness, eowc), 5, false);
      ExpectSameChangelog(Query(kLeftHop, lateness, eowc), 6, true);
    }
  }
}

}  // namespace
}  // namespace sluice::stream
