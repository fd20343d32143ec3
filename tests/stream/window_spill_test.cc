// WindowAggregate with the rocksdb state backend: under a tiny budget (constant eviction)
// randomized TUMBLE, HOP and CUMULATE aggregates with out-of-order and late rows emit
// exactly the memory backend's changelog (EMIT ON WINDOW CLOSE: the same rows per call,
// as a multiset), with and without allowed lateness; snapshots restore with either
// backend; one window several times the budget completes within it; closed windows
// leave no store directory behind; a store that cannot be created fails clearly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/value.h"
#include "sql/sql.h"
#include "stream/state_codec.h"
#include "stream/state_test_util.h"
#include "stream/window_aggregate.h"

namespace sluice::stream {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSec = 1000000;

SchemaPtr Bids() {
  return MakeSchema({{"bidder", DataType::Varchar()},
                     {"ts", DataType::Timestamp()},
                     {"price", DataType::Int64()}});
}

class BidCatalog final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return name == "bid" ? Bids() : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"bid"}; }
};

std::shared_ptr<sql::CompiledAggregate> Compile(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  if (!select.ok()) return nullptr;
  auto q = sql::CompileSelectQuery(**select, BidCatalog(), sql, "q.sql");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return nullptr;
  return std::move(q->aggregate);
}

// Heap containers (max, count(DISTINCT)), a HAVING that turns groups on and off.
const char* const kAggregates =
    "SELECT window_start, window_end, bidder, count(*) AS n, sum(price) AS s, "
    "max(price) AS mx, count(DISTINCT price % 7) AS dp, avg(price) AS a FROM ";
const char* const kGroupBy = " GROUP BY window_start, window_end, bidder HAVING count(*) <> 2";

std::string Query(const std::string& window, bool eowc) {
  return std::string(kAggregates) + window + kGroupBy + (eowc ? " EMIT ON WINDOW CLOSE" : "");
}

const char* const kTumble = "TUMBLE(bid, ts, INTERVAL '30' SECOND)";
const char* const kHop = "HOP(bid, ts, INTERVAL '10' SECOND, INTERVAL '40' SECOND)";
const char* const kCumulate = "CUMULATE(bid, ts, INTERVAL '10' SECOND, INTERVAL '40' SECOND)";

std::string TempDir(const std::string& name) { return testing::TempStateDir("sluice_wspill_test", name); }
using testing::Rocks;
using testing::ScopedDir;

struct Changes final : ChangeSink {
  Status Emit(const warehouse::ChangeBatch& c) override {
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      std::string line(warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)]));
      for (int col = 0; col < c.rows->num_columns(); ++col)
        line += " | " + FormatCell(c.rows->column(col), r);
      lines.push_back(std::move(line));
    }
    return Status::OK();
  }
  std::vector<std::string> Take() { return std::exchange(lines, {}); }
  std::vector<std::string> lines;
};

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Random bids: event time creeping forward with rows up to 25 s out of order (some late
// beyond the lateness), a few NULL bidders and NULL times, `keys` bidders.
class BidGenerator {
 public:
  BidGenerator(uint32_t seed, int keys) : rng_(seed), keys_(keys) {}
  RecordBatchPtr Next(int rows) {
    BatchBuilder b(Bids());
    for (int i = 0; i < rows; ++i) {
      if (Pick(50) == 0) {
        b.column(0)->AppendNull();
      } else {
        b.column(0)->AppendString("b" + std::to_string(Pick(keys_)));
      }
      now_ += static_cast<int64_t>(Pick(40)) * kSec / 1000;  // ~20 ms a row
      if (Pick(200) == 0) {
        b.column(1)->AppendNull();
      } else {
        const int64_t back = Pick(8) == 0 ? static_cast<int64_t>(Pick(25000)) * kSec / 1000 : 0;
        b.column(1)->Append<int64_t>(now_ - back);
      }
      b.column(2)->Append<int64_t>(static_cast<int64_t>(Pick(1000)));
    }
    return b.Finish();
  }
  int64_t now() const { return now_; }

 private:
  uint32_t Pick(int n) { return static_cast<uint32_t>(rng_() % static_cast<uint32_t>(n)); }
  std::mt19937 rng_;
  int keys_;
  int64_t now_ = 1000 * kSec;
};

std::string Snapshot(const StreamOperator& op) {
  StateWriter w;
  EXPECT_TRUE(op.Snapshot(&w).ok());
  return w.Finish();
}

Status Restore(StreamOperator* op, const std::string& bytes) {
  SLUICE_ASSIGN_OR_RETURN(StateReader in, StateReader::Open(bytes, "snapshot"));
  return op->Restore(&in);
}

struct Case {
  const char* window;
  bool eowc;
  int64_t lateness_s;
};

// Drives a memory and a rocksdb operator with the same batches (and watermarks), and
// compares every call's output; halfway, the rocksdb operator is replaced by one restored
// from its snapshot (into a fresh directory). Returns how many groups were spilled at
// most, so the caller can check that eviction happened.
int64_t CompareBackends(const Case& c, uint32_t seed, int64_t budget) {
  SCOPED_TRACE(std::string(c.window) + (c.eowc ? " EOWC" : "") + " lateness " +
               std::to_string(c.lateness_s) + " seed " + std::to_string(seed));
  ScopedDir dir{TempDir("cmp")};
  const std::string sql = Query(c.window, c.eowc);
  WindowAggregate memory(Compile(sql), 2 * kSec, c.lateness_s * kSec);
  auto rocks = std::make_unique<WindowAggregate>(Compile(sql), 2 * kSec, c.lateness_s * kSec,
                                                 Rocks(dir.path + "/a", budget));
  BidGenerator gen(seed, 400);
  std::mt19937 rng(seed);
  int64_t max_spilled = 0;
  const auto check = [&](Status a, Status b, Changes* ma, Changes* rb) {
    ASSERT_TRUE(a.ok()) << a.ToString();
    ASSERT_TRUE(b.ok()) << b.ToString();
    std::vector<std::string> want = ma->Take();
    std::vector<std::string> got = rb->Take();
    if (c.eowc) {
      ASSERT_EQ(Sorted(got), Sorted(want));
    } else {
      ASSERT_EQ(got, want);
    }
    ASSERT_LE(rocks->MemoryBytes(), budget);
    max_spilled = std::max(max_spilled, rocks->spilled_groups());
  };
  Changes ma, rb, mc;
  std::unique_ptr<WindowAggregate> memory_copy;
  for (int batch = 0; batch < 50; ++batch) {
    RecordBatchPtr input = gen.Next(1 + static_cast<int>(rng() % 300));
    const Status applied = memory.Apply(*input, &ma);
    if (memory_copy) {
      EXPECT_TRUE(memory_copy->Apply(*input, &mc).ok());
      EXPECT_EQ(Sorted(mc.Take()), Sorted(ma.lines));
    }
    check(applied, rocks->Apply(*input, &rb), &ma, &rb);
    if (::testing::Test::HasFatalFailure()) return max_spilled;
    EXPECT_EQ(rocks->TakeRefusedRows().reasons, memory.TakeRefusedRows().reasons);
    if (rng() % 10 == 0) {
      const int64_t wm = gen.now() - static_cast<int64_t>(rng() % 5) * kSec;
      const Status advanced = memory.OnWatermark(wm, &ma);
      if (memory_copy) {
        EXPECT_TRUE(memory_copy->OnWatermark(wm, &mc).ok());
        EXPECT_EQ(Sorted(mc.Take()), Sorted(ma.lines));
      }
      check(advanced, rocks->OnWatermark(wm, &rb), &ma, &rb);
      if (::testing::Test::HasFatalFailure()) return max_spilled;
    }
    if (batch == 25) {
      const std::string snap = Snapshot(*rocks);
      auto restored = std::make_unique<WindowAggregate>(
          Compile(sql), 2 * kSec, c.lateness_s * kSec, Rocks(dir.path + "/b", budget));
      Status st = Restore(restored.get(), snap);
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_LE(restored->MemoryBytes(), budget);
      // The memory backend restores the same snapshot, spilled groups and all, and then
      // continues as the original memory operator (checked below).
      memory_copy = std::make_unique<WindowAggregate>(Compile(sql), 2 * kSec, c.lateness_s * kSec);
      st = Restore(memory_copy.get(), snap);
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(memory_copy->open_windows(), memory.open_windows());
      rocks = std::move(restored);
    }
  }
  const Status finished = memory.Finish(&ma);
  EXPECT_TRUE(memory_copy->Finish(&mc).ok());
  EXPECT_EQ(Sorted(mc.Take()), Sorted(ma.lines));
  check(finished, rocks->Finish(&rb), &ma, &rb);
  EXPECT_EQ(rocks->open_windows(), 0u);
  rocks.reset();
  // Every window's store is gone (the operators' directories are empty or absent).
  for (const char* sub : {"/a", "/b"}) {
    EXPECT_TRUE(!fs::exists(dir.path + sub) || fs::is_empty(dir.path + sub)) << sub;
  }
  return max_spilled;
}

TEST(WindowSpillTest, RandomizedWindowsMatchTheMemoryBackend) {
  const std::vector<Case> cases = {
      {kTumble, false, 0}, {kTumble, true, 0}, {kTumble, false, 15}, {kTumble, true, 15},
      {kHop, false, 0},    {kHop, true, 12},   {kCumulate, true, 8},  {kCumulate, false, 0},
  };
  uint32_t seed = 11;
  for (const Case& c : cases) {
    const int64_t spilled = CompareBackends(c, seed++, 24 << 10);
    if (HasFatalFailure()) return;
    EXPECT_GT(spilled, 0) << c.window << " never spilled: the test proves nothing";
  }
}

// A state much larger than the budget in one window: 200K bidders (several times the
// budget in memory) in one TUMBLE window, EMIT ON WINDOW CLOSE, 2 MB. The operator stays
// within the budget after every batch and emits every group once with the right counts.
TEST(WindowSpillTest, OneWindowManyTimesTheBudgetCompletes) {
  ScopedDir dir{TempDir("big")};
  constexpr int64_t kBudget = 2 << 20;
  constexpr int kKeys = 200000;
  constexpr int kBatch = 4096;
  WindowAggregate op(Compile(Query("TUMBLE(bid, ts, INTERVAL '1' HOUR)", true)), 0, 0,
                     Rocks(dir.path, kBudget));
  Changes out;
  // Every bidder twice (the second pass in reverse), so HAVING count(*) <> 2 drops them
  // all but the ones that come a third time: bidders divisible by 5.
  std::vector<int> order;
  for (int k = 0; k < kKeys; ++k) order.push_back(k);
  for (int k = kKeys - 1; k >= 0; --k) order.push_back(k);
  for (int k = 0; k < kKeys; k += 5) order.push_back(k);
  int64_t peak = 0;
  for (size_t at = 0; at < order.size(); at += kBatch) {
    BatchBuilder b(Bids());
    const size_t end = std::min(order.size(), at + kBatch);
    for (size_t i = at; i < end; ++i) {
      b.column(0)->AppendString("bidder" + std::to_string(order[i]));
      b.column(1)->Append<int64_t>(static_cast<int64_t>(i % 1000) * kSec);
      b.column(2)->Append<int64_t>(order[i] % 100);
    }
    ASSERT_TRUE(op.Apply(*b.Finish(), &out).ok());
    peak = std::max(peak, op.MemoryBytes());
    ASSERT_LE(op.MemoryBytes(), kBudget);
  }
  EXPECT_GT(op.spilled_groups(), kKeys / 2);
  EXPECT_TRUE(out.lines.empty());
  ASSERT_TRUE(op.OnWatermark(3600 * kSec, &out).ok());
  EXPECT_EQ(op.open_windows(), 0u);
  EXPECT_TRUE(!fs::exists(dir.path) || fs::is_empty(dir.path));
  ASSERT_EQ(out.lines.size(), static_cast<size_t>(kKeys / 5));
  for (const std::string& line : out.lines) {
    ASSERT_EQ(line.rfind("+I | ", 0), 0u) << line;
    ASSERT_NE(line.find(" | 3 | "), std::string::npos) << line;  // n = 3
  }
  std::vector<std::string> sorted = Sorted(out.lines);
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  std::printf("[ INFO ] 200K keys, 2 MB budget: peak tracked bytes %lld\n",
              static_cast<long long>(peak));
}

// Late rows update fired windows whose groups are all in the store (EMIT ON WINDOW
// CLOSE with allowed lateness): -U old final row, +U new one, exactly as in memory.
TEST(WindowSpillTest, LateRowsUpdateSpilledFiredWindow) {
  ScopedDir dir{TempDir("late")};
  const std::string sql = Query(kTumble, true);
  WindowAggregate memory(Compile(sql), 0, 30 * kSec);
  WindowAggregate rocks(Compile(sql), 0, 30 * kSec, Rocks(dir.path, 8 << 10));
  const auto batch = [](int first, int count, int64_t sec) {
    BatchBuilder b(Bids());
    for (int k = first; k < first + count; ++k) {
      b.column(0)->AppendString("b" + std::to_string(k));
      b.column(1)->Append<int64_t>(sec * kSec);
      b.column(2)->Append<int64_t>(k);
    }
    return b.Finish();
  };
  Changes ma, rb;
  for (int i = 0; i < 4; ++i) {  // 2000 bidders in [0, 30), once each
    ASSERT_TRUE(memory.Apply(*batch(i * 500, 500, 1), &ma).ok());
    ASSERT_TRUE(rocks.Apply(*batch(i * 500, 500, 1), &rb).ok());
  }
  ASSERT_GT(rocks.spilled_groups(), 0);
  ASSERT_TRUE(memory.Apply(*batch(0, 1, 35), &ma).ok());  // fires [0, 30)
  ASSERT_TRUE(rocks.Apply(*batch(0, 1, 35), &rb).ok());
  EXPECT_EQ(rb.lines.size(), 2000u);
  EXPECT_EQ(Sorted(rb.Take()), Sorted(ma.Take()));
  // Late rows for spilled groups: changelog order is the batch's, as in memory.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(memory.Apply(*batch(i * 450, 300, 2), &ma).ok());
    ASSERT_TRUE(rocks.Apply(*batch(i * 450, 300, 2), &rb).ok());
    EXPECT_EQ(rb.Take(), ma.Take());
    EXPECT_LE(rocks.MemoryBytes(), 8 << 10);
  }
  ASSERT_TRUE(memory.Finish(&ma).ok());
  ASSERT_TRUE(rocks.Finish(&rb).ok());
  EXPECT_EQ(Sorted(rb.Take()), Sorted(ma.Take()));
}

// A closed window's store directory is removed at once; stores left by an earlier run
// are wiped by the first window.
TEST(WindowSpillTest, ClosedWindowsLeaveNoStoreBehind) {
  ScopedDir dir{TempDir("free")};
  fs::create_directories(dir.path + "/w999");
  std::ofstream(dir.path + "/w999/stale") << "x";
  WindowAggregate op(Compile(Query(kTumble, false)), 0, 0, Rocks(dir.path, 4 << 10));
  BidGenerator gen(7, 2000);
  Changes out;
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(op.Apply(*gen.Next(200), &out).ok());
    ASSERT_LE(op.MemoryBytes(), 4 << 10);
    // Only open windows have a directory.
    for (const auto& e : fs::directory_iterator(dir.path)) {
      const int64_t end = std::stoll(e.path().filename().string().substr(1));
      EXPECT_EQ(e.path().string(), op.WindowDir(end));
      EXPECT_GT(end, op.watermark()) << "closed window " << end << " left its store";
    }
  }
  EXPECT_GT(op.spilled_groups(), 0);
  EXPECT_FALSE(fs::exists(dir.path + "/w999"));
  ASSERT_TRUE(op.Finish(&out).ok());
  EXPECT_TRUE(fs::is_empty(dir.path));
}

// The operator's destructor removes the stores of windows still open.
TEST(WindowSpillTest, DestructorRemovesOpenWindowStores) {
  ScopedDir dir{TempDir("dtor")};
  {
    WindowAggregate op(Compile(Query(kHop, true)), 0, 0, Rocks(dir.path, 4 << 10));
    BidGenerator gen(3, 2000);
    Changes out;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(op.Apply(*gen.Next(500), &out).ok());
    ASSERT_GT(op.spilled_groups(), 0);
    ASSERT_FALSE(fs::is_empty(dir.path));
  }
  EXPECT_FALSE(fs::exists(dir.path));
}

// MakeWindowOperator (what QueryGraph calls) hands the state options to the operator.
TEST(WindowSpillTest, MakeWindowOperatorPassesTheBackend) {
  ScopedDir dir{TempDir("make")};
  std::unique_ptr<StreamOperator> op =
      MakeWindowOperator(Compile(Query(kTumble, true)), 0, 0, Rocks(dir.path, 4 << 10));
  auto* window = dynamic_cast<WindowAggregate*>(op.get());
  ASSERT_NE(window, nullptr);
  BidGenerator gen(4, 1000);
  Changes out;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(op->Apply(*gen.Next(300), &out).ok());
  EXPECT_GT(window->spilled_groups(), 0);
  EXPECT_EQ(window->WindowDir(30 * kSec), dir.path + "/w30000000");
}

// A state directory that cannot be created: a clear IOError naming it, no crash.
TEST(WindowSpillTest, UnwritableStateDirFailsClearly) {
  ScopedDir dir{TempDir("bad")};
  fs::create_directories(dir.path);
  std::ofstream(dir.path + "/file") << "x";
  const std::string state = dir.path + "/file/op3";
  WindowAggregate op(Compile(Query(kTumble, false)), 0, 0, Rocks(state, 1 << 10));
  BidGenerator gen(5, 500);
  Changes out;
  Status st;
  for (int i = 0; i < 5 && st.ok(); ++i) st = op.Apply(*gen.Next(300), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find(state), std::string::npos) << st.ToString();
}

// A memory backend snapshot restores into rocksdb and spills to the budget at once; a
// truncated snapshot is refused, not a crash.
TEST(WindowSpillTest, MemorySnapshotRestoresIntoRocksDbWithinBudget) {
  ScopedDir dir{TempDir("mem2rocks")};
  const std::string sql = Query(kHop, false);
  WindowAggregate memory(Compile(sql), 0, 0);
  BidGenerator gen(9, 3000);
  Changes out;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(memory.Apply(*gen.Next(400), &out).ok());
  const std::string snap = Snapshot(memory);
  WindowAggregate rocks(Compile(sql), 0, 0, Rocks(dir.path + "/a", 16 << 10));
  Status st = Restore(&rocks, snap);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_LE(rocks.MemoryBytes(), 16 << 10);
  EXPECT_GT(rocks.spilled_groups(), 0);
  EXPECT_EQ(rocks.open_windows(), memory.open_windows());
  Changes ma, rb;
  for (int i = 0; i < 10; ++i) {
    RecordBatchPtr b = gen.Next(400);
    ASSERT_TRUE(memory.Apply(*b, &ma).ok());
    ASSERT_TRUE(rocks.Apply(*b, &rb).ok());
    EXPECT_EQ(rb.Take(), ma.Take());
  }
  WindowAggregate again(Compile(sql), 0, 0, Rocks(dir.path + "/b", 16 << 10));
  EXPECT_FALSE(Restore(&again, snap.substr(0, snap.size() / 2)).ok());
}

}  // namespace
}  // namespace sluice::stream
