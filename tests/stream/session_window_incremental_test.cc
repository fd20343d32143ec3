// SessionWindow's incremental aggregation (one persistent accumulator slot per session,
// rebuilt from the kept rows on merges and restores) against re-aggregating every
// touched session from all its rows (set_incremental(false)). Random out-of-order input
// with merges, late rows, NULL partition keys, watermarks, EMIT ON WINDOW CLOSE and the
// changelog mode, several aggregates; the two changelogs must be identical line by line,
// and so must their snapshots. Deterministic (fixed seeds).
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "core/value.h"
#include "sql/binder.h"
#include "sql/compiled_aggregate.h"
#include "sql/parser.h"
#include "sql/sql.h"
#include "stream/session_window.h"
#include "stream/state_codec.h"

namespace sluice::stream {
namespace {

constexpr int64_t kSec = 1000000;

SchemaPtr Events() {
  return MakeSchema({{"bidder", DataType::Varchar()},
                     {"ts", DataType::Timestamp()},
                     {"price", DataType::Int64()},
                     {"score", DataType::Double()},
                     {"channel", DataType::Varchar()}});
}

class Catalog final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return name == "bid" ? Events() : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"bid"}; }
};

std::shared_ptr<sql::CompiledAggregate> Compile(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  if (!select.ok()) return nullptr;
  const sql::ErrorContext ctx{sql, "q.sql"};
  auto bound = sql::BindSelect(**select, Catalog(), ctx);
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  if (!bound.ok()) return nullptr;
  auto q = sql::CompiledAggregate::Make(std::move(*bound), ctx);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return nullptr;
  return std::shared_ptr<sql::CompiledAggregate>(std::move(*q));
}

// Keeps the changes as "op | cells" lines, and the result they build: every retraction
// (-D, -U) must remove a row inserted before (fails the test otherwise).
struct Lines final : ChangeSink {
  Status Emit(const warehouse::ChangeBatch& changes) override {
    for (int64_t r = 0; r < changes.rows->num_rows(); ++r) {
      const warehouse::ChangeOp op = changes.ops[static_cast<size_t>(r)];
      std::string cells;
      for (int c = 0; c < changes.rows->num_columns(); ++c) {
        cells += " | " + FormatCell(changes.rows->column(c), r);
      }
      if (warehouse::IsRemoval(op)) {
        auto it = result.find(cells);
        EXPECT_NE(it, result.end()) << "retracts a row not in the result:" << cells;
        if (it != result.end()) result.erase(it);
      } else {
        result.insert(cells);
      }
      lines.push_back(warehouse::ChangeOpName(op) + cells);
    }
    ++batches;
    return Status::OK();
  }
  std::vector<std::string> lines;
  std::multiset<std::string> result;
  int batches = 0;
};

// A random batch: bidders "b0".."b{keys-1}" or NULL, times around `center` seconds
// (out of order, some far behind: late), prices with repeats, scores with fractions.
RecordBatchPtr RandomBatch(std::mt19937_64* rng, int64_t center, int keys, int rows) {
  BatchBuilder b(Events());
  std::uniform_int_distribution<int> key(0, keys);  // == keys: NULL
  std::uniform_int_distribution<int64_t> jitter(-12, 6);
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<int64_t> price(0, 6);
  for (int i = 0; i < rows; ++i) {
    const int k = key(*rng);
    if (k == keys) {
      b.column(0)->AppendNull();
    } else {
      b.column(0)->AppendString("b" + std::to_string(k));
    }
    const int p = pct(*rng);
    if (p < 2) {
      b.column(1)->AppendNull();  // refused: no session
    } else {
      // Milliseconds, so that rows can fall just inside or outside a gap.
      const int64_t behind = p < 6 ? 40 : 0;  // mostly late
      const int64_t ms = (center + jitter(*rng) - behind) * 1000 + static_cast<int64_t>(pct(*rng)) * 10;
      b.column(1)->Append<int64_t>(ms * 1000);
    }
    if (pct(*rng) < 10) {
      b.column(2)->AppendNull();
    } else {
      b.column(2)->Append<int64_t>(price(*rng));
    }
    b.column(3)->Append<double>(static_cast<double>(pct(*rng)) / 7.0);
    b.column(4)->AppendString(pct(*rng) < 50 ? "web" : (pct(*rng) < 50 ? "app" : "phone-channel-long-name"));
  }
  return b.Finish();
}

std::string SnapshotOf(const SessionWindow& op) {
  StateWriter w;
  EXPECT_TRUE(op.Snapshot(&w).ok());
  return w.Finish();
}

void RestoreInto(SessionWindow* op, const std::string& snap) {
  auto r = StateReader::Open(snap, "snapshot");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(op->Restore(&*r).ok());
}

const char* kAggregates =
    "count(*) AS n, count(price) AS np, sum(price) AS total, min(price) AS lo, "
    "max(price) AS hi, avg(score) AS mean, sum(score) AS fsum, "
    "count(DISTINCT price) AS dp, count(DISTINCT channel) AS dc, min(channel) AS c0, "
    "max(channel) AS c1";

std::vector<std::string> Queries() {
  const std::string table_fn =
      "FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '10' SECOND)) ";
  const std::string group = "GROUP BY bidder, window_start, window_end";
  return {
      "SELECT bidder, window_start, window_end, " + std::string(kAggregates) + " " + table_fn + group,
      "SELECT window_start, window_end, bidder, " + std::string(kAggregates) + " " + table_fn + group +
          " EMIT ON WINDOW CLOSE",
      // HAVING turns sessions on and off as they grow; window bounds in the output.
      "SELECT window_end, bidder, count(*) AS n, sum(price) AS total " + table_fn + group +
          " HAVING count(*) % 2 = 1 AND sum(price) > 3",
      // The short form: partitioned by the GROUP BY keys.
      "SELECT window_start, window_end, bidder, count(*) AS n, max(score) AS m "
      "FROM SESSION(bid, ts, INTERVAL '3' SECOND) GROUP BY window_start, window_end, bidder",
  };
}

struct Timing {
  int64_t delay;
  int64_t lateness;
};

// Feeds the same random input to an incremental operator and a re-aggregating one and
// compares their output after every step; midway the incremental one is rebuilt from a
// snapshot (its slots are not checkpointed).
void Compare(const std::string& sql, const Timing& run, uint64_t seed) {
  SCOPED_TRACE(sql + " seed " + std::to_string(seed) + " delay " + std::to_string(run.delay) +
               " lateness " + std::to_string(run.lateness));
  auto query = Compile(sql);
  ASSERT_NE(query, nullptr);
  auto fast = std::make_unique<SessionWindow>(query, run.delay * kSec, run.lateness * kSec);
  SessionWindow slow(Compile(sql), run.delay * kSec, run.lateness * kSec);
  ASSERT_TRUE(fast->incremental());
  slow.set_incremental(false);
  ASSERT_FALSE(slow.incremental());
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> size(1, 40);
  std::uniform_int_distribution<int> step(0, 9);
  Lines fast_out, slow_out;
  int64_t center = 100;
  int64_t watermark = 0;
  for (int b = 0; b < 120; ++b) {
    const int s = step(rng);
    center += s < 6 ? step(rng) % 4 : (s >= 8 ? 12 + step(rng) * 2 : 0);  // jumps close sessions
    RecordBatchPtr batch = RandomBatch(&rng, center, 1 + static_cast<int>(seed % 5), size(rng));
    ASSERT_TRUE(fast->Apply(*batch, &fast_out).ok());
    ASSERT_TRUE(slow.Apply(*batch, &slow_out).ok());
    EXPECT_EQ(fast->TakeRefusedRows().reasons, slow.TakeRefusedRows().reasons);
    if (step(rng) == 0) {  // an explicit watermark step
      watermark = std::max(watermark, center - 12);
      ASSERT_TRUE(fast->OnWatermark(watermark * kSec, &fast_out).ok());
      ASSERT_TRUE(slow.OnWatermark(watermark * kSec, &slow_out).ok());
    }
    ASSERT_EQ(fast_out.lines, slow_out.lines) << "after batch " << b;
    EXPECT_EQ(fast->open_sessions(), slow.open_sessions());
    if (b == 60) {
      const std::string snap = SnapshotOf(*fast);
      EXPECT_EQ(snap, SnapshotOf(slow));  // the same state, however aggregated
      fast = std::make_unique<SessionWindow>(query, run.delay * kSec, run.lateness * kSec);
      RestoreInto(fast.get(), snap);
    }
    if (b == 90) {  // switching modes midway stays exact both ways
      fast->set_incremental(false);
    } else if (b == 95) {
      fast->set_incremental(true);
    }
  }
  ASSERT_TRUE(fast->Finish(&fast_out).ok());
  ASSERT_TRUE(slow.Finish(&slow_out).ok());
  EXPECT_EQ(fast_out.lines, slow_out.lines);
  EXPECT_EQ(fast_out.batches, slow_out.batches);
  EXPECT_GT(fast_out.lines.size(), 15u);
  EXPECT_EQ(fast->open_sessions(), 0u);
}

TEST(SessionWindowIncrementalTest, MatchesReaggregationOnRandomInput) {
  const std::vector<Timing> runs = {{0, 0}, {5, 0}, {2, 6}, {30, 0}};
  uint64_t seed = 1;
  for (const std::string& sql : Queries()) {
    for (const Timing& run : runs) {
      for (int rep = 0; rep < 3; ++rep) Compare(sql, run, seed++);
    }
  }
}

TEST(SessionWindowIncrementalTest, OnlyWhenEverySessionIsOneGroup) {
  // A GROUP BY key that is not a partition key: several groups per session, aggregated
  // afresh from the session's rows.
  SessionWindow several(Compile("SELECT window_start, window_end, channel, count(*) AS n "
                                "FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), "
                                "INTERVAL '10' SECOND)) GROUP BY window_start, window_end, bidder, channel"),
                        0);
  EXPECT_FALSE(several.incremental());
  several.set_incremental(true);
  EXPECT_FALSE(several.incremental());
  SessionWindow one(Compile(Queries()[0]), 0);
  EXPECT_TRUE(one.incremental());
}

// A long-lived session grown one row per batch: each batch retracts the previous row
// and inserts the new one (the whole session is not re-emitted), merges stay exact.
TEST(SessionWindowIncrementalTest, GrowingSessionAndMergeOfGrownSessions) {
  auto query = Compile("SELECT bidder, window_start, window_end, count(*) AS n, sum(price) AS s, "
                       "count(DISTINCT price) AS d FROM TABLE(SESSION(TABLE bid PARTITION BY "
                       "bidder, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY bidder, "
                       "window_start, window_end");
  SessionWindow op(query, 1000 * kSec);
  const auto row = [](const std::string& bidder, int64_t sec, int64_t price) {
    BatchBuilder b(Events());
    b.column(0)->AppendString(bidder);
    b.column(1)->Append<int64_t>(sec * kSec);
    b.column(2)->Append<int64_t>(price);
    b.column(3)->Append<double>(0.5);
    b.column(4)->AppendString("web");
    return b.Finish();
  };
  Lines out;
  for (int64_t i = 0; i < 50; ++i) ASSERT_TRUE(op.Apply(*row("a", i * 5, i % 3), &out).ok());
  for (int64_t i = 0; i < 50; ++i) ASSERT_TRUE(op.Apply(*row("a", 400 + i * 5, 7), &out).ok());
  EXPECT_EQ(op.open_sessions(), 2u);
  ASSERT_EQ(out.lines.size(), 1u + 2 * 49 + 1 + 2 * 49);
  EXPECT_EQ(out.lines[out.lines.size() - 1],
            "+I | a | " + FormatTimestamp(400 * kSec) + " | " + FormatTimestamp(655 * kSec) + " | 50 | 350 | 1");
  // A row at 250 lies between [0, 255) and [400, 655): no merge. Rows at 260..395 bridge.
  out.lines.clear();
  ASSERT_TRUE(op.Apply(*row("a", 250, 100), &out).ok());
  ASSERT_EQ(out.lines.size(), 2u);
  EXPECT_EQ(out.lines[1], "+I | a | " + FormatTimestamp(0) + " | " + FormatTimestamp(260 * kSec) +
                              " | 51 | 149 | 4");
  out.lines.clear();
  BatchBuilder bridge(Events());
  for (int64_t sec = 258; sec < 400; sec += 8) {
    bridge.column(0)->AppendString("a");
    bridge.column(1)->Append<int64_t>(sec * kSec);
    bridge.column(2)->Append<int64_t>(1);
    bridge.column(3)->Append<double>(0.5);
    bridge.column(4)->AppendString("web");
  }
  ASSERT_TRUE(op.Apply(*bridge.Finish(), &out).ok());
  EXPECT_EQ(op.open_sessions(), 1u);
  ASSERT_EQ(out.lines.size(), 3u);  // -D both, +I the merged one
  EXPECT_EQ(out.lines[2], "+I | a | " + FormatTimestamp(0) + " | " + FormatTimestamp(655 * kSec) +
                              " | 119 | 517 | 5");
}

// Thousands of short sessions, closed and freed as time jumps: the dead accumulator
// slots and the stale emitted rows are compacted away (more than 1024 dead slots, 4096
// stale rows) while the output stays that of re-aggregation.
TEST(SessionWindowIncrementalTest, ManySessionsCompactSlotsAndEmittedRows) {
  const std::string sql = Queries()[0];
  for (const bool eowc : {false, true}) {
    const std::string q = eowc ? sql + " EMIT ON WINDOW CLOSE" : sql;
    SessionWindow fast(Compile(q), 0);
    SessionWindow slow(Compile(q), 0);
    slow.set_incremental(false);
    Lines fast_out, slow_out;
    std::mt19937_64 rng(99);
    std::uniform_int_distribution<int64_t> ms(0, 2999);
    int64_t sec = 0;
    for (int b = 0; b < 400; ++b) {
      sec += b % 10 == 9 ? 20 : 1;
      BatchBuilder batch(Events());
      for (int k = 0; k < 100; ++k) {
        batch.column(0)->AppendString("k" + std::to_string(k));
        batch.column(1)->Append<int64_t>((sec * 1000 + ms(rng)) * 1000);
        batch.column(2)->Append<int64_t>(k % 7);
        batch.column(3)->Append<double>(0.25 * k);
        batch.column(4)->AppendString(k % 2 ? "web" : "app");
      }
      RecordBatchPtr rows = batch.Finish();
      ASSERT_TRUE(fast.Apply(*rows, &fast_out).ok());
      ASSERT_TRUE(slow.Apply(*rows, &slow_out).ok());
      ASSERT_EQ(fast_out.lines, slow_out.lines) << "batch " << b;
      fast_out.lines.clear();
      slow_out.lines.clear();
      EXPECT_LE(fast.open_sessions(), 200u);  // closed sessions are freed
    }
    ASSERT_TRUE(fast.Finish(&fast_out).ok());
    ASSERT_TRUE(slow.Finish(&slow_out).ok());
    EXPECT_EQ(fast_out.lines, slow_out.lines);
    EXPECT_EQ(fast.open_sessions(), 0u);
  }
}

}  // namespace
}  // namespace sluice::stream
