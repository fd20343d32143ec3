// GroupAggregate with the rocksdb state backend: the changelog is exactly the memory
// backend's under constant eviction (randomized inserts and retractions, NULL keys,
// HAVING, every retractable aggregate); snapshots restore with either backend; a state
// several times the budget completes within it; a store that cannot be created fails
// clearly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "sql/sql.h"
#include "stream/aggregate_test_table.h"
#include "stream/group_aggregate.h"
#include "stream/state_codec.h"
#include "stream/state_test_util.h"

namespace sluice::stream {
namespace {

namespace fs = std::filesystem;
using warehouse::ChangeBatch;
using warehouse::ChangeOp;

using testing::Compile;
using testing::InputSchema;

std::string TempDir(const std::string& name) { return testing::TempStateDir("sluice_spill_test", name); }
using testing::Rocks;
using testing::ScopedDir;

// Records changes as "op | cells" lines.
struct Log final : ChangeSink {
  Status Emit(const ChangeBatch& c) override {
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      std::string line(warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)]));
      for (int col = 0; col < c.rows->num_columns(); ++col)
        line += " | " + FormatCell(c.rows->column(col), r);
      lines.push_back(std::move(line));
    }
    return Status::OK();
  }
  std::vector<std::string> lines;
};

struct InputRow {
  std::optional<std::string> k;
  std::optional<int64_t> v;
  std::optional<double> d;
  std::optional<std::string> s;
};

// Random changelog batches: inserts, and retractions (-D, or -U then +U) of rows
// inserted before and not yet retracted, so the changelog is consistent.
class ChangeGenerator {
 public:
  explicit ChangeGenerator(uint32_t seed, bool retract) : rng_(seed), retract_(retract) {}

  ChangeBatch Next(int rows) {
    BatchBuilder b(InputSchema());
    ChangeBatch c;
    for (int i = 0; i < rows; ++i) {
      if (retract_ && !alive_.empty() && Pick(3) == 0) {
        const size_t at = Pick(static_cast<int>(alive_.size()));
        const InputRow old = alive_[at];
        alive_[at] = alive_.back();
        alive_.pop_back();
        const bool update = Pick(2) == 0;
        Add(&b, &c, update ? ChangeOp::kUpdateBefore : ChangeOp::kDelete, old);
        if (update) {
          InputRow fresh = Random();
          fresh.k = old.k;  // an update keeps the key most of the time
          if (Pick(4) == 0) fresh.k = Random().k;
          Add(&b, &c, ChangeOp::kUpdateAfter, fresh);
          alive_.push_back(fresh);
        }
        continue;
      }
      InputRow row = Random();
      Add(&b, &c, ChangeOp::kInsert, row);
      if (retract_) alive_.push_back(row);
    }
    c.rows = b.Finish();
    return c;
  }

 private:
  size_t Pick(int n) {
    return static_cast<size_t>(std::uniform_int_distribution<int>(0, n - 1)(rng_));
  }
  InputRow Random() {
    static const char* kStrings[] = {
        "a", "b", "a rather long string value one", "a rather long string value two", "z", "m"};
    InputRow r;
    if (Pick(12) != 0) r.k = "key" + std::to_string(Pick(70));
    if (Pick(8) != 0) r.v = static_cast<int64_t>(Pick(11)) - 5;
    if (Pick(8) != 0) r.d = static_cast<double>(Pick(9)) * 0.25;
    if (Pick(8) != 0) r.s = kStrings[Pick(6)];
    return r;
  }
  static void Add(BatchBuilder* b, ChangeBatch* c, ChangeOp op, const InputRow& r) {
    c->ops.push_back(op);
    if (r.k)
      b->column(0)->AppendString(*r.k);
    else
      b->column(0)->AppendNull();
    if (r.v)
      b->column(1)->Append<int64_t>(*r.v);
    else
      b->column(1)->AppendNull();
    if (r.d)
      b->column(2)->Append<double>(*r.d);
    else
      b->column(2)->AppendNull();
    if (r.s)
      b->column(3)->AppendString(*r.s);
    else
      b->column(3)->AppendNull();
  }

  std::mt19937 rng_;
  bool retract_;
  std::vector<InputRow> alive_;
};

Status Feed(GroupAggregate* op, const ChangeBatch& c, Log* log) {
  if (op->retractable_input()) return op->ApplyChanges(0, c, log);
  return op->Apply(*c.rows, log);
}

struct Case {
  const char* sql;
  bool retract;
  int batches;  // approx_count_distinct's output is slow to compute: fewer batches
};

const Case kCases[] = {
    {"SELECT k, count(*), count(v), sum(v), avg(d), sum(d), min(v), max(d), min(s), max(s), "
     "count(DISTINCT s) FROM t GROUP BY k",
     true, 120},
    {"SELECT k, v, count(*), sum(d), max(s) FROM t GROUP BY k, v HAVING count(*) > 1", true, 120},
    {"SELECT k, count(*), sum(v), avg(d), min(v), max(d), min(s), max(s), count(DISTINCT s) "
     "FROM t GROUP BY k",
     false, 120},
    {"SELECT k, approx_count_distinct(v), count(*) FROM t GROUP BY k", false, 12},
};

TEST(GroupAggregateSpillTest, RocksDbChangelogIsExactlyTheMemoryBackends) {
  ScopedDir scoped_dir{TempDir("equivalence")};
  const std::string& dir = scoped_dir.path;
  int run = 0;
  for (const Case& c : kCases) {
    for (const int64_t budget : {int64_t{1}, int64_t{4096}, int64_t{24} << 10}) {
      SCOPED_TRACE(std::string(c.sql) + " budget " + std::to_string(budget));
      GroupAggregate memory(Compile(c.sql), c.retract);
      GroupAggregate rocks(Compile(c.sql), c.retract,
                           Rocks(dir + "/" + std::to_string(run++), budget));
      ChangeGenerator gen(7 + static_cast<uint32_t>(run), c.retract);
      Log want, got;
      for (int batch = 0; batch < c.batches; ++batch) {
        const ChangeBatch changes = gen.Next(1 + batch % 40);
        ASSERT_TRUE(Feed(&memory, changes, &want).ok());
        Status st = Feed(&rocks, changes, &got);
        ASSERT_TRUE(st.ok()) << st.ToString();
        ASSERT_EQ(got.lines, want.lines) << "batch " << batch;
        ASSERT_LE(rocks.MemoryBytes(), std::max<int64_t>(budget, 1024));
      }
      EXPECT_GT(rocks.groups_evicted(), 0);
      EXPECT_GT(rocks.groups_loaded(), 0);
      EXPECT_GT(want.lines.size(), static_cast<size_t>(c.batches));
    }
  }
}

std::string Snapshot(const GroupAggregate& op) {
  StateWriter w;
  EXPECT_TRUE(op.Snapshot(&w).ok());
  return w.Finish();
}

Status Restore(GroupAggregate* op, const std::string& bytes) {
  SLUICE_ASSIGN_OR_RETURN(StateReader in, StateReader::Open(bytes, "snapshot"));
  SLUICE_RETURN_NOT_OK(op->Restore(&in));
  return in.ExpectEnd();
}

TEST(GroupAggregateSpillTest, SnapshotsRestoreWithEitherBackend) {
  ScopedDir scoped_dir{TempDir("snapshot")};
  const std::string& dir = scoped_dir.path;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.sql);
    GroupAggregate memory(Compile(c.sql), c.retract);
    GroupAggregate rocks(Compile(c.sql), c.retract, Rocks(dir + "/a", 4096));
    ChangeGenerator gen(99, c.retract);
    Log want, got;
    for (int batch = 0; batch < c.batches / 2; ++batch) {
      const ChangeBatch changes = gen.Next(30);
      ASSERT_TRUE(Feed(&memory, changes, &want).ok());
      ASSERT_TRUE(Feed(&rocks, changes, &got).ok());
    }
    ASSERT_GT(rocks.spilled_groups(), 0);
    const std::string spilled = Snapshot(rocks);
    const std::string in_memory = Snapshot(memory);
    // Four restored copies: each backend from each snapshot.
    std::vector<std::unique_ptr<GroupAggregate>> copies;
    copies.push_back(std::make_unique<GroupAggregate>(Compile(c.sql), c.retract));
    copies.push_back(std::make_unique<GroupAggregate>(Compile(c.sql), c.retract));
    copies.push_back(
        std::make_unique<GroupAggregate>(Compile(c.sql), c.retract, Rocks(dir + "/b", 4096)));
    copies.push_back(
        std::make_unique<GroupAggregate>(Compile(c.sql), c.retract, Rocks(dir + "/c", 2048)));
    for (size_t i = 0; i < copies.size(); ++i) {
      Status st = Restore(copies[i].get(), i % 2 == 0 ? spilled : in_memory);
      ASSERT_TRUE(st.ok()) << i << ": " << st.ToString();
    }
    EXPECT_EQ(copies[0]->num_live_groups(), memory.num_live_groups());  // all in memory
    EXPECT_GT(copies[2]->spilled_groups(), 0);
    std::vector<Log> logs(copies.size());
    Log rest;
    for (int batch = 0; batch < c.batches / 2; ++batch) {
      const ChangeBatch changes = gen.Next(30);
      ASSERT_TRUE(Feed(&memory, changes, &rest).ok());
      for (size_t i = 0; i < copies.size(); ++i) {
        Status st = Feed(copies[i].get(), changes, &logs[i]);
        ASSERT_TRUE(st.ok()) << i << ": " << st.ToString();
      }
    }
    for (size_t i = 0; i < copies.size(); ++i) EXPECT_EQ(logs[i].lines, rest.lines) << "copy " << i;
  }
}

// Counts the changes of GROUP BY v, count(*) without formatting them.
struct CountingSink final : ChangeSink {
  Status Emit(const ChangeBatch& c) override {
    for (size_t r = 0; r < c.ops.size(); ++r) {
      ++ops[static_cast<int>(c.ops[r])];
      if (c.ops[r] == ChangeOp::kUpdateAfter &&
          c.rows->column(1).Get<int64_t>(static_cast<int64_t>(r)) != 2) {
        ++bad_counts;
      }
    }
    return Status::OK();
  }
  int64_t ops[4] = {0, 0, 0, 0};
  int64_t bad_counts = 0;
};

TEST(GroupAggregateSpillTest, StateSeveralTimesTheBudgetCompletesWithinIt) {
  ScopedDir scoped_dir{TempDir("large")};
  const std::string& dir = scoped_dir.path;
  // (sluice bench runs it with 2M keys and 16 MB; a test keeps it to a few seconds.)
  constexpr int64_t kBudget = int64_t{2} << 20;
  constexpr int64_t kKeys = 200000;
  constexpr int64_t kBatch = 4096;
  GroupAggregate op(Compile("SELECT v, count(*), sum(d) FROM t GROUP BY v"), false,
                    Rocks(dir, kBudget));
  CountingSink sink;
  int64_t peak = 0;
  // Every key once, then every fifth key again (loaded back from the store).
  for (int pass = 0; pass < 2; ++pass) {
    const int64_t step = pass == 0 ? 1 : 5;
    for (int64_t start = 0; start < kKeys; start += kBatch * step) {
      BatchBuilder b(InputSchema());
      for (int64_t key = start; key < std::min(kKeys, start + kBatch * step); key += step) {
        b.column(0)->AppendNull();
        b.column(1)->Append<int64_t>(key);
        b.column(2)->Append<double>(1.5);
        b.column(3)->AppendNull();
      }
      ASSERT_TRUE(op.Apply(*b.Finish(), &sink).ok());
      peak = std::max(peak, op.MemoryBytes());
      ASSERT_LE(op.MemoryBytes(), kBudget);
    }
  }
  EXPECT_EQ(sink.ops[static_cast<int>(ChangeOp::kInsert)], kKeys);
  EXPECT_EQ(sink.ops[static_cast<int>(ChangeOp::kUpdateAfter)], kKeys / 5);
  EXPECT_EQ(sink.ops[static_cast<int>(ChangeOp::kUpdateBefore)], kKeys / 5);
  EXPECT_EQ(sink.bad_counts, 0);
  // The state really is several times the budget: most groups live in the store.
  EXPECT_GT(op.spilled_groups(), kKeys / 2);
  const double per_group =
      static_cast<double>(op.MemoryBytes()) / static_cast<double>(op.num_groups());
  EXPECT_GT(per_group * static_cast<double>(op.num_groups() + op.spilled_groups()), 3.0 * kBudget);
  std::cout << "peak tracked bytes " << peak << " of " << kBudget << ", spilled "
            << op.spilled_groups() << ", loaded " << op.groups_loaded() << "\n";
}

TEST(GroupAggregateSpillTest, AStoreThatCannotBeCreatedFailsClearly) {
  ScopedDir scoped_dir{TempDir("blocked")};
  const std::string& dir = scoped_dir.path;
  fs::create_directories(dir);
  std::ofstream(dir + "/file") << "in the way";
  GroupAggregate op(Compile("SELECT k, count(*) FROM t GROUP BY k"), false,
                    Rocks(dir + "/file/q", 1));
  ChangeGenerator gen(1, false);
  Log log;
  Status st = Feed(&op, gen.Next(10), &log);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find(dir + "/file/q"), std::string::npos) << st.message();
}

TEST(GroupAggregateSpillTest, AGlobalAggregateNeverSpills) {
  ScopedDir scoped_dir{TempDir("global")};
  const std::string& dir = scoped_dir.path;
  GroupAggregate op(Compile("SELECT count(*), sum(v) FROM t"), true, Rocks(dir, 1));
  ChangeGenerator gen(3, true);
  Log log;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Feed(&op, gen.Next(20), &log).ok());
  EXPECT_EQ(op.groups_evicted(), 0);
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace sluice::stream
