// HashJoin with the rocksdb state backend (hash_join_spill.h): randomized inner and LEFT
// joins with retractions, NULL keys, duplicates and residuals under tiny budgets produce
// exactly the memory backend's changelog (batch by batch, in the same order); interval
// and window joins with expiry (spilled keys are forgotten once expired); snapshots
// restore into either backend; state many times the budget stays within it; a store
// that cannot be created fails naming its directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/value.h"
#include "sql/binder.h"
#include "sql/join_condition.h"
#include "sql/parser.h"
#include "sql/plan.h"
#include "sql/sql.h"
#include "stream/hash_join.h"
#include "stream/query_graph.h"
#include "stream/state_codec.h"
#include "stream/state_test_util.h"

namespace sluice::stream {
namespace {

namespace fs = std::filesystem;
using warehouse::ChangeOp;
constexpr int64_t kSecond = 1000 * 1000;

std::string TempDir(const std::string& name) { return testing::TempStateDir("sluice_join_spill_test", name); }
using testing::Rocks;
using testing::ScopedDir;

// l: k BIGINT, lv VARCHAR, lts TIMESTAMP;  r: k INTEGER, rv VARCHAR, rts TIMESTAMP
// (INTEGER joins BIGINT: both encode as 8 bytes, so spilled keys match across sides).
SchemaPtr LeftSchema() {
  return MakeSchema({{"k", DataType::Int64()}, {"lv", DataType::Varchar()}, {"lts", DataType::Timestamp()}});
}
SchemaPtr RightSchema() {
  return MakeSchema({{"k", DataType::Int32()}, {"rv", DataType::Varchar()}, {"rts", DataType::Timestamp()}});
}

struct Row {
  std::optional<int64_t> k;
  std::string v;
  int64_t ts = 0;  // micros
  bool operator==(const Row& o) const { return k == o.k && v == o.v && ts == o.ts; }
};

RecordBatchPtr Rows(int port, const std::vector<Row>& rows) {
  BatchBuilder b(port == 0 ? LeftSchema() : RightSchema());
  for (const Row& r : rows) {
    if (!r.k) {
      b.column(0)->AppendNull();
    } else if (port == 0) {
      b.column(0)->Append<int64_t>(*r.k);
    } else {
      b.column(0)->Append<int32_t>(static_cast<int32_t>(*r.k));
    }
    b.column(1)->AppendString(r.v);
    b.column(2)->Append<int64_t>(r.ts);
  }
  return b.Finish();
}

// Keeps every change as "+I 1|a|...".
struct Collect final : ChangeSink {
  Status Emit(const warehouse::ChangeBatch& c) override {
    count += c.rows->num_rows();
    if (!keep) return Status::OK();
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      std::string line = warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)]);
      for (int col = 0; col < c.rows->num_columns(); ++col) {
        line += (col == 0 ? " " : "|") + FormatCell(c.rows->column(col), r);
      }
      lines.push_back(std::move(line));
    }
    return Status::OK();
  }
  std::vector<std::string> Take() { return std::exchange(lines, {}); }
  std::vector<std::string> lines;
  int64_t count = 0;
  bool keep = true;
};

// Options from an ON condition over l and r (through the join analysis).
HashJoinOptions FromOn(const std::string& on, sql::JoinType type) {
  return testing::JoinOptionsFromOn(on, type, LeftSchema(), RightSchema());
}

std::unique_ptr<HashJoin> Make(HashJoinOptions o) {
  sql::ErrorContext ctx{"", "q.sql"};
  auto j = HashJoin::Make(std::move(o), ctx);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  return j.ok() ? std::move(*j) : nullptr;
}

// One input batch: rows and ops (empty ops = append-only) on a port, or a watermark.
struct Step {
  int port = 0;
  std::vector<Row> rows;
  std::vector<ChangeOp> ops;
  std::optional<int64_t> watermark;
};

// What a join did with a step: its changes (in order) and refused rows' reasons.
std::vector<std::string> RunStep(HashJoin* j, const Step& s) {
  Collect out;
  Status st;
  if (s.watermark) {
    st = j->OnWatermark(*s.watermark, &out);
  } else if (s.ops.empty()) {
    st = j->ApplyInput(s.port, *Rows(s.port, s.rows), &out);
  } else {
    st = j->ApplyChanges(s.port, warehouse::ChangeBatch{Rows(s.port, s.rows), s.ops}, &out);
  }
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<std::string> lines = out.Take();
  RefusedRows refused = j->TakeRefusedRows();
  for (const std::string& r : refused.reasons) lines.push_back("refused: " + r);
  return lines;
}

// A random changelog on both ports: inserts of keys 0..keys-1 (some NULL, values from a
// small set so rows repeat), retractions of stored rows (and sometimes of absent ones),
// optionally increasing event times, and watermarks.
std::vector<Step> RandomSteps(uint64_t seed, int steps, int keys, bool times) {
  std::mt19937_64 rng(seed);
  std::vector<Row> live[2];
  std::vector<Step> out;
  int64_t now = 100 * kSecond;
  for (int s = 0; s < steps; ++s) {
    Step step;
    step.port = static_cast<int>(rng() % 2);
    if (times && rng() % 8 == 0) {
      step.watermark = now - 3 * kSecond;
      out.push_back(std::move(step));
      continue;
    }
    const int n = 1 + static_cast<int>(rng() % 12);
    bool changes = rng() % 3 != 0;
    for (int i = 0; i < n; ++i) {
      std::vector<Row>& mine = live[step.port];
      if (changes && !mine.empty() && rng() % 3 == 0) {
        const size_t at = rng() % mine.size();
        step.rows.push_back(mine[at]);
        step.ops.push_back(rng() % 2 ? ChangeOp::kDelete : ChangeOp::kUpdateBefore);
        mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(at));
        continue;
      }
      Row r;
      if (rng() % 16 != 0) r.k = static_cast<int64_t>(rng() % static_cast<uint64_t>(keys));
      r.v = std::string(1, static_cast<char>('a' + rng() % 4));
      if (times) now += static_cast<int64_t>(rng() % (kSecond / 2));
      r.ts = times ? now - static_cast<int64_t>(rng() % kSecond) : 0;
      if (changes && rng() % 40 == 0) {
        // A retraction of a row that was never inserted: refused by both backends.
        r.v = "never";
        step.rows.push_back(r);
        step.ops.push_back(ChangeOp::kDelete);
        continue;
      }
      step.rows.push_back(r);
      step.ops.push_back(rng() % 2 ? ChangeOp::kInsert : ChangeOp::kUpdateAfter);
      mine.push_back(r);
    }
    if (!changes) step.ops.clear();
    out.push_back(std::move(step));
  }
  return out;
}

// Runs `steps` through a memory join and a rocksdb join built from `make` and expects
// the same output at every step. Returns the rocksdb join.
std::unique_ptr<HashJoin> ExpectSameAsMemory(const std::function<HashJoinOptions()>& make,
                                             const std::vector<Step>& steps,
                                             const OperatorStateOptions& rocks) {
  auto mem = Make(make());
  HashJoinOptions o = make();
  o.state = rocks;
  auto spill = Make(std::move(o));
  int64_t changes = 0;
  for (size_t s = 0; s < steps.size(); ++s) {
    const std::vector<std::string> want = RunStep(mem.get(), steps[s]);
    const std::vector<std::string> got = RunStep(spill.get(), steps[s]);
    changes += static_cast<int64_t>(want.size());
    EXPECT_EQ(got, want) << "step " << s;
    if (got != want) break;
    EXPECT_LE(spill->state_memory_bytes(), std::max<int64_t>(rocks.memory_budget_bytes, 1024)) << "step " << s;
  }
  EXPECT_GT(changes, 50);  // the test is not vacuous
  EXPECT_GT(spill->spill()->keys_evicted(), 0);
  EXPECT_GT(spill->spill()->keys_loaded(), 0);
  EXPECT_GT(spill->spill()->keys_appended(), 0);  // split keys (inserts while spilled)
  return spill;
}

struct Case {
  sql::JoinType type;
  const char* on;
  int64_t budget;
};

TEST(HashJoinSpillTest, RandomizedJoinsMatchTheMemoryBackend) {
  ScopedDir dir{TempDir("random")};
  const Case cases[] = {
      {sql::JoinType::kInner, "l.k = r.k", 1},
      {sql::JoinType::kLeft, "l.k = r.k", 1},
      {sql::JoinType::kInner, "l.k = r.k AND l.lv <= r.rv", 1},
      {sql::JoinType::kLeft, "l.k = r.k AND l.lv <> r.rv || 'x'", 1},
      {sql::JoinType::kLeft, "l.k = r.k", 600},
      {sql::JoinType::kInner, "l.k = r.k AND l.lv < r.rv", 1500},
      {sql::JoinType::kLeft, "l.k = r.k AND l.lts <= r.rts", 900},
  };
  int n = 0;
  for (const Case& c : cases) {
    for (uint64_t seed = 1; seed <= 2; ++seed) {
      SCOPED_TRACE(std::string(c.on) + " left=" + std::to_string(c.type == sql::JoinType::kLeft) +
                   " budget=" + std::to_string(c.budget) + " seed=" + std::to_string(seed));
      const auto steps = RandomSteps(seed * 7 + static_cast<uint64_t>(n), 250, 25, false);
      ExpectSameAsMemory([&] { return FromOn(c.on, c.type); }, steps,
                         Rocks(dir.path + "/" + std::to_string(n++), c.budget));
    }
  }
}

TEST(HashJoinSpillTest, IntervalJoinWithExpiryMatchesTheMemoryBackend) {
  ScopedDir dir{TempDir("interval")};
  int n = 0;
  for (const sql::JoinType type : {sql::JoinType::kInner, sql::JoinType::kLeft}) {
    for (const int64_t budget : {int64_t{1}, int64_t{1000}}) {
      const auto make = [&] {
        HashJoinOptions o = FromOn("l.k = r.k AND r.rts BETWEEN l.lts - INTERVAL '1' SECOND AND "
                                   "l.lts + INTERVAL '2' SECOND",
                                   type);
        o.watermark_delay_us = kSecond;
        return o;
      };
      const auto steps = RandomSteps(40 + static_cast<uint64_t>(n), 400, 12, true);
      ExpectSameAsMemory(make, steps, Rocks(dir.path + "/" + std::to_string(n++), budget));
    }
  }
}

TEST(HashJoinSpillTest, WindowJoinForgetsExpiredSpilledKeys) {
  ScopedDir dir{TempDir("window")};
  const auto make = [] {
    HashJoinOptions o = FromOn("l.k = r.k", sql::JoinType::kInner);
    o.left_expiry = 2;  // rows expire at their timestamp (a window's end)
    o.right_expiry = 2;
    return o;
  };
  // Rows expire 10 s after they arrive; watermarks trail.
  std::vector<Step> steps;
  for (int b = 0; b < 60; ++b) {
    Step s;
    s.port = b % 2;
    for (int i = 0; i < 20; ++i) s.rows.push_back(Row{(b * 7 + i) % 40, "v", (b + 10) * kSecond});
    steps.push_back(std::move(s));
    if (b % 5 == 4) {
      Step w;
      w.watermark = b * kSecond;
      steps.push_back(std::move(w));
    }
  }
  auto spill = ExpectSameAsMemory(make, steps, Rocks(dir.path + "/w", 1));
  EXPECT_GT(spill->spilled_keys(), 0);
  // Past every row's window: nothing is left, in memory or in the spilled-key set.
  Step end;
  end.watermark = 1000 * kSecond;
  EXPECT_TRUE(RunStep(spill.get(), end).empty());
  EXPECT_EQ(spill->spilled_keys(), 0);
  EXPECT_EQ(spill->state_rows(0) + spill->state_rows(1), 0);
  // And a snapshot has no expired rows left in it (they were never reloaded).
  StateWriter w;
  ASSERT_TRUE(spill->Snapshot(&w).ok());
  const std::string snap = w.Finish();
  auto mem = Make(make());
  auto r = StateReader::Open(snap, "snapshot");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(mem->Restore(&*r).ok());
  EXPECT_EQ(mem->state_rows(0) + mem->state_rows(1), 0);
}

TEST(HashJoinSpillTest, SnapshotsRestoreIntoEitherBackend) {
  ScopedDir dir{TempDir("snapshot")};
  for (const sql::JoinType type : {sql::JoinType::kInner, sql::JoinType::kLeft}) {
    const auto make = [&] { return FromOn("l.k = r.k AND l.lv <= r.rv", type); };
    const auto steps = RandomSteps(type == sql::JoinType::kLeft ? 11 : 12, 400, 30, false);
    const size_t half = steps.size() / 2;
    auto reference = Make(make());
    HashJoinOptions o = make();
    o.state = Rocks(dir.path + "/a", 1);
    auto spill = Make(std::move(o));
    for (size_t s = 0; s < half; ++s) {
      const auto want = RunStep(reference.get(), steps[s]);
      ASSERT_EQ(RunStep(spill.get(), steps[s]), want) << s;
    }
    ASSERT_GT(spill->spilled_keys(), 0);
    StateWriter w;
    ASSERT_TRUE(spill->Snapshot(&w).ok());
    const std::string snap = w.Finish();
    // The snapshot of the memory backend at the same point restores the same way.
    StateWriter wm;
    ASSERT_TRUE(reference->Snapshot(&wm).ok());
    const std::string mem_snap = wm.Finish();

    auto into_memory = Make(make());
    HashJoinOptions o2 = make();
    o2.state = Rocks(dir.path + "/b", 1);
    auto into_rocks = Make(std::move(o2));
    HashJoinOptions o3 = make();
    o3.state = Rocks(dir.path + "/c", 2000);
    auto mem_into_rocks = Make(std::move(o3));
    for (auto [j, bytes] : {std::pair{into_memory.get(), &snap}, std::pair{into_rocks.get(), &snap},
                            std::pair{mem_into_rocks.get(), &mem_snap}}) {
      auto r = StateReader::Open(*bytes, "snapshot");
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(j->Restore(&*r).ok());
    }
    EXPECT_EQ(into_memory->state_rows(0), reference->state_rows(0));
    EXPECT_EQ(into_memory->state_rows(1), reference->state_rows(1));
    // Restored under the rocksdb backend, the state is spilled again at once.
    EXPECT_GT(into_rocks->spilled_keys(), 0);
    EXPECT_LE(into_rocks->state_memory_bytes(), 1024);
    for (size_t s = half; s < steps.size(); ++s) {
      const auto want = RunStep(reference.get(), steps[s]);
      ASSERT_EQ(RunStep(into_memory.get(), steps[s]), want) << s;
      ASSERT_EQ(RunStep(into_rocks.get(), steps[s]), want) << s;
      ASSERT_EQ(RunStep(mem_into_rocks.get(), steps[s]), want) << s;
      ASSERT_EQ(RunStep(spill.get(), steps[s]), want) << s;
    }
  }
}

TEST(HashJoinSpillTest, StateSeveralTimesTheBudgetCompletesWithinIt) {
  ScopedDir dir{TempDir("large")};
  constexpr int64_t kRows = 150000;  // per side
  constexpr int64_t kBudget = 2 << 20;
  constexpr int64_t kBatch = 4096;
  HashJoinOptions o = FromOn("l.k = r.k", sql::JoinType::kInner);
  o.state = Rocks(dir.path + "/big", kBudget);
  auto j = Make(std::move(o));
  Collect out;
  out.keep = false;
  int64_t peak = 0;
  // Left: 5 rows per key (keys 0..kRows/5) arriving slowly; right: one row per key (keys
  // 0..kRows) arriving 5 times faster, so a right row is usually stored (and spilled)
  // long before its left partners come and load it back.
  for (int64_t b = 0; b * kBatch < kRows; ++b) {
    for (int port = 0; port < 2; ++port) {
      std::vector<Row> rows;
      for (int64_t i = b * kBatch; i < std::min(kRows, (b + 1) * kBatch); ++i) {
        rows.push_back(Row{port == 0 ? i / 5 : i, "value-" + std::to_string(i % 1000), i});
      }
      ASSERT_TRUE(j->ApplyInput(port, *Rows(port, rows), &out).ok());
      peak = std::max(peak, j->state_memory_bytes());
    }
  }
  EXPECT_EQ(out.count, kRows);  // each left row meets its key's one right row
  EXPECT_GT(j->state_rows(0) + j->state_rows(1), 0);
  EXPECT_LE(peak, kBudget);
  EXPECT_GT(j->spilled_keys(), 30000);
  // The state really is several times the budget: most rows live in the store.
  const double per_row = static_cast<double>(j->state_memory_bytes()) /
                         static_cast<double>(j->state_rows(0) + j->state_rows(1));
  EXPECT_GT(per_row * 2 * kRows, 4.0 * kBudget);
  std::cout << "peak tracked bytes " << peak << " of " << kBudget << ", spilled keys "
            << j->spilled_keys() << ", evicted " << j->spill()->keys_evicted() << ", loaded "
            << j->spill()->keys_loaded() << ", spilled-key set " << j->spill()->spilled_set_bytes()
            << " bytes\n";
}

TEST(HashJoinSpillTest, AStoreThatCannotBeCreatedFailsClearly) {
  ScopedDir dir{TempDir("blocked")};
  fs::create_directories(dir.path);
  std::ofstream(dir.path + "/file") << "in the way";
  HashJoinOptions o = FromOn("l.k = r.k", sql::JoinType::kInner);
  o.state = Rocks(dir.path + "/file/q", 1);
  auto j = Make(std::move(o));
  Collect out;
  Status st = j->ApplyInput(0, *Rows(0, {{1, "a", 0}, {2, "b", 0}}), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find(dir.path + "/file/q"), std::string::npos) << st.message();
}

// ---- wiring: a QueryGraph hands its state options to joins ----

SchemaPtr Events() {
  return MakeSchema({{"k", DataType::Varchar()}, {"v", DataType::Int64()}, {"ts", DataType::Timestamp()}});
}

class EventCatalog final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override { return name == "e" ? Events() : nullptr; }
  std::vector<std::string> TableNames() const override { return {"e"}; }
};

std::unique_ptr<QueryGraph> MakeGraph(const std::string& sql, const OperatorStateOptions& state) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  if (!select.ok()) return nullptr;
  auto plan = sql::PlanQuery(**select, EventCatalog(), sql::PlanOptions{}, sql::ErrorContext{sql, "q.sql"});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return nullptr;
  QueryGraphOptions o;
  o.watermark_delay_us = kSecond;
  o.state = state;
  auto g = QueryGraph::Make(*plan, o);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return g.ok() ? std::move(*g) : nullptr;
}

RecordBatchPtr EventBatch(int batch) {
  std::mt19937_64 rng(static_cast<uint64_t>(batch) * 31 + 7);
  BatchBuilder b(Events());
  for (int i = 0; i < 16; ++i) {
    if (rng() % 13 == 0) {
      b.column(0)->AppendNull();
    } else {
      b.column(0)->AppendString("key" + std::to_string(rng() % 40));
    }
    b.column(1)->Append<int64_t>(static_cast<int64_t>(rng() % 100));
    b.column(2)->Append<int64_t>((batch * 16 + i) * (kSecond / 10));
  }
  return b.Finish();
}

TEST(HashJoinSpillTest, AQueryGraphSpillsItsJoinsInTheirOwnDirectories) {
  ScopedDir dir{TempDir("graph")};
  // A GROUP BY feeding a join (a changelog on the left), then an interval self-join.
  for (const char* sql :
       {"SELECT a.k, a.n, b.v FROM (SELECT k, count(*) AS n FROM e GROUP BY k) AS a "
        "JOIN e AS b ON a.k = b.k",
        "SELECT a.k, a.v, b.v AS w FROM e AS a LEFT JOIN e AS b ON a.k = b.k "
        "AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '2' SECOND"}) {
    SCOPED_TRACE(sql);
    const bool aggregate = std::string(sql).find("GROUP BY") != std::string::npos;
    const std::string path = dir.path + "/" + std::to_string(aggregate);
    auto mem = MakeGraph(sql, OperatorStateOptions{});
    auto rocks = MakeGraph(sql, Rocks(path, 1));
    ASSERT_NE(mem, nullptr);
    ASSERT_NE(rocks, nullptr);
    int64_t changes = 0;
    for (int b = 0; b < 40; ++b) {
      Collect want, got;
      ASSERT_TRUE(mem->ApplyInput(b % 2, *EventBatch(b), &want).ok());
      ASSERT_TRUE(rocks->ApplyInput(b % 2, *EventBatch(b), &got).ok());
      EXPECT_EQ(got.lines, want.lines) << "batch " << b;
      changes += static_cast<int64_t>(want.lines.size());
      while (mem->TakeRefusedRows().rows != nullptr) {
      }
      while (rocks->TakeRefusedRows().rows != nullptr) {
      }
    }
    EXPECT_GT(changes, 100);
    // The join's store is its own op<node> directory under the query's.
    int stores = 0;
    for (const auto& e : fs::directory_iterator(path)) stores += e.path().filename().string().rfind("op", 0) == 0;
    EXPECT_EQ(stores, aggregate ? 2 : 1);  // the GROUP BY has its own
  }
}

TEST(HashJoinSpillTest, SpilledKeySetIsAMultisetOfHashes) {
  for (const bool expiry : {false, true}) {
    SpilledKeySet set(expiry);
    std::multiset<std::pair<uint64_t, int64_t>> model;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 4000; ++i) {
      // Few distinct hashes with colliding low bits (long probe runs). (Hash 0 is stored
      // as 1: the two behave as one hash, a harmless collision.)
      const uint64_t h = (1 + rng() % 300) << (rng() % 2 ? 0 : 40);
      const int64_t e = expiry ? static_cast<int64_t>(rng() % 50) : INT64_MAX;
      if (rng() % 3 != 0) {
        set.Insert(h, e);
        model.insert({h, e});
      } else {
        const bool there = model.count({h, e}) > 0;
        ASSERT_EQ(set.RemoveOne(h, e), there) << i;
        if (there) model.erase(model.find({h, e}));
      }
      if (expiry && i % 1000 == 999) {
        const int64_t wm = i / 200;
        int64_t gone = 0;
        for (auto it = model.begin(); it != model.end();) {
          if (it->second <= wm) {
            it = model.erase(it);
            ++gone;
          } else {
            ++it;
          }
        }
        ASSERT_EQ(set.ForgetExpired(wm), gone);
      }
      ASSERT_EQ(set.size(), static_cast<int64_t>(model.size()));
      const uint64_t probe = (1 + rng() % 300) << (rng() % 2 ? 0 : 40);
      if (i % 10 == 0) {
        bool any = false;
        for (const auto& m : model) any = any || m.first == probe;
        ASSERT_EQ(set.Contains(probe), any) << i;
      }
    }
    EXPECT_LE(set.MemoryBytes(), (expiry ? 16 : 8) * 4 * static_cast<int64_t>(model.size() + 64));
  }
}

TEST(HashJoinSpillTest, TheMemoryBackendNeverSpills) {
  auto j = Make(FromOn("l.k = r.k", sql::JoinType::kInner));
  Collect out;
  ASSERT_TRUE(j->ApplyInput(0, *Rows(0, {{1, "a", 0}, {2, "b", 0}}), &out).ok());
  EXPECT_EQ(j->spilled_keys(), 0);
  EXPECT_EQ(j->spill(), nullptr);
  EXPECT_GT(j->state_memory_bytes(), 0);
}

}  // namespace
}  // namespace sluice::stream
