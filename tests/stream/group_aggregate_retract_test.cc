// GroupAggregate over a changelog input (retractable mode): every aggregate kind under
// insert/retract sequences, groups leaving and coming back, HAVING, NULL arguments,
// inconsistent changelogs, approx_count_distinct, and a randomized comparison against
// recomputing from the surviving rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include "sql/sql.h"
#include "stream/aggregate_test_table.h"
#include "stream/group_aggregate.h"

namespace sluice::stream {
namespace {

using warehouse::ChangeBatch;
using warehouse::ChangeOp;

using testing::Compile;
using testing::InputSchema;

std::unique_ptr<GroupAggregate> Make(const std::string& sql) {
  return std::make_unique<GroupAggregate>(Compile(sql), /*retractable_input=*/true);
}

ChangeOp ParseOp(const std::string& op) {
  if (op == "+I") return ChangeOp::kInsert;
  if (op == "-U") return ChangeOp::kUpdateBefore;
  if (op == "+U") return ChangeOp::kUpdateAfter;
  return ChangeOp::kDelete;
}

// Lines "op k v d s" (space-separated, NULL for a null cell) -> a changelog batch.
ChangeBatch Changes(const std::vector<std::string>& lines) {
  BatchBuilder b(InputSchema());
  ChangeBatch c;
  for (const std::string& line : lines) {
    std::istringstream in(line);
    std::string op, k, v, d, s;
    in >> op >> k >> v >> d >> s;
    c.ops.push_back(ParseOp(op));
    if (k == "NULL")
      b.column(0)->AppendNull();
    else
      b.column(0)->AppendString(k);
    if (v == "NULL")
      b.column(1)->AppendNull();
    else
      b.column(1)->Append<int64_t>(std::stoll(v));
    if (d == "NULL")
      b.column(2)->AppendNull();
    else
      b.column(2)->Append<double>(std::stod(d));
    if (s == "NULL")
      b.column(3)->AppendNull();
    else
      b.column(3)->AppendString(s);
  }
  c.rows = b.Finish();
  return c;
}

std::string Row(const RecordBatch& b, int64_t r) {
  std::string out;
  for (int c = 0; c < b.num_columns(); ++c) out += (c ? " | " : "") + FormatCell(b.column(c), r);
  return out;
}

// Records changes as "op | row" lines.
struct Log final : ChangeSink {
  Status Emit(const ChangeBatch& c) override {
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      lines.push_back(std::string(warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)])) + " | " +
                      Row(*c.rows, r));
    }
    return Status::OK();
  }
  std::vector<std::string> Take() { return std::exchange(lines, {}); }
  std::vector<std::string> lines;
};

using Lines = std::vector<std::string>;

TEST(GroupAggregateRetractTest, CountSumAvgSubtract) {
  auto op = Make("SELECT k, count(*), count(v), sum(v), avg(v), sum(d), avg(d) FROM t GROUP BY k");
  Log log;
  ASSERT_TRUE(
      op->ApplyChanges(0, Changes({"+I a 1 0.5 x", "+I a 2 1.5 x", "+I a NULL NULL x"}), &log)
          .ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 3 | 2 | 3 | 1.5 | 2 | 1"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 1 0.5 x"}), &log).ok());
  EXPECT_EQ(log.Take(),
            (Lines{"-U | a | 3 | 2 | 3 | 1.5 | 2 | 1", "+U | a | 2 | 1 | 2 | 2 | 1.5 | 1.5"}));
  // Only the NULL row is left: sums and averages are NULL, count(*) still counts it.
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-U a 2 1.5 x", "+U a NULL NULL y"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 2 | 1 | 2 | 2 | 1.5 | 1.5",
                               "+U | a | 2 | 0 | NULL | NULL | NULL | NULL"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 7 0.25 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 2 | 0 | NULL | NULL | NULL | NULL",
                               "+U | a | 3 | 1 | 7 | 7 | 0.25 | 0.25"}));
}

TEST(GroupAggregateRetractTest, MinMaxSurviveRetractingTheCurrentExtreme) {
  auto op = Make("SELECT k, min(v), max(v), min(d), max(d), min(s), max(s) FROM t GROUP BY k");
  Log log;
  ASSERT_TRUE(
      op->ApplyChanges(0, Changes({"+I a 5 5.5 m", "+I a 3 3.5 c", "+I a 9 9.5 x", "+I a 3 3.5 c"}),
                       &log)
          .ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 3 | 9 | 3.5 | 9.5 | c | x"}));
  // One copy of the minimum goes: the other still holds it, nothing changes.
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 3 3.5 c"}), &log).ok());
  EXPECT_EQ(log.Take(), Lines{});
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 3 3.5 c"}), &log).ok());
  EXPECT_EQ(log.Take(),
            (Lines{"-U | a | 3 | 9 | 3.5 | 9.5 | c | x", "+U | a | 5 | 9 | 5.5 | 9.5 | m | x"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 9 9.5 x"}), &log).ok());
  EXPECT_EQ(log.Take(),
            (Lines{"-U | a | 5 | 9 | 5.5 | 9.5 | m | x", "+U | a | 5 | 5 | 5.5 | 5.5 | m | m"}));
  // All values retracted while a row with NULLs stays: min/max are NULL.
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a NULL NULL NULL", "-D a 5 5.5 m"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 5 | 5 | 5.5 | 5.5 | m | m",
                               "+U | a | NULL | NULL | NULL | NULL | NULL | NULL"}));
}

TEST(GroupAggregateRetractTest, CountDistinctGoesToZero) {
  auto op = Make(
      "SELECT k, count(DISTINCT v) AS n, count(DISTINCT s) AS ns, count(*) AS c "
      "FROM t GROUP BY k");
  Log log;
  ASSERT_TRUE(
      op->ApplyChanges(0, Changes({"+I a 1 0 x", "+I a 1 0 y", "+I a 2 0 x", "+I a NULL 0 NULL"}),
                       &log)
          .ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 2 | 2 | 4"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 1 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 2 | 2 | 4", "+U | a | 2 | 2 | 3"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 1 0 y", "-D a 2 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 2 | 2 | 3", "+U | a | 0 | 0 | 1"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 2 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 0 | 0 | 1", "+U | a | 1 | 1 | 2"}));
}

TEST(GroupAggregateRetractTest, GroupsVanishAndReappearWithFreshState) {
  auto op = Make(
      "SELECT k, count(*) AS n, min(v) AS lo, count(DISTINCT s) AS ds, sum(d) AS sd "
      "FROM t GROUP BY k");
  Log log;
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 1 0.1 x", "+I b 2 0.2 y"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 1 | 1 | 1 | 0.1", "+I | b | 1 | 2 | 1 | 0.2"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 1 0.1 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-D | a | 1 | 1 | 1 | 0.1"}));
  EXPECT_EQ(op->num_live_groups(), 1);
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 8 0.3 z"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 1 | 8 | 1 | 0.3"}));
  EXPECT_EQ(op->num_live_groups(), 2);
  // A group born and gone within one batch emits nothing; an update of a whole row
  // inside one group is one -U/+U.
  ASSERT_TRUE(op->ApplyChanges(
                    0, Changes({"+I c 1 0 x", "-D c 1 0 x", "-U b 2 0.2 y", "+U b 3 0.2 y"}), &log)
                  .ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | b | 1 | 2 | 1 | 0.2", "+U | b | 1 | 3 | 1 | 0.2"}));
  // A -U whose +U was filtered away upstream: the group just loses the row.
  ASSERT_TRUE(
      op->ApplyChanges(0, Changes({"-U b 3 0.2 y", "-U a 8 0.3 z", "+U a 9 0.3 z"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-D | b | 1 | 3 | 1 | 0.2", "-U | a | 1 | 8 | 1 | 0.3",
                               "+U | a | 1 | 9 | 1 | 0.3"}));
  EXPECT_EQ(op->num_live_groups(), 1);
}

TEST(GroupAggregateRetractTest, HavingTurnsOnAndOffUnderRetractions) {
  auto op = Make("SELECT k, count(*) AS n FROM t GROUP BY k HAVING count(*) >= 2");
  Log log;
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 1 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), Lines{});
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 2 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 2"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 1 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-D | a | 2"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 3 0 x", "+I a 4 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 3"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 3 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 3", "+U | a | 2"}));
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 2 0 x", "-D a 4 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-D | a | 2"}));
  EXPECT_EQ(op->num_live_groups(), 0);
}

TEST(GroupAggregateRetractTest, WhereKeepsEachRowsOp) {
  auto op = Make("SELECT k, count(*) AS n, sum(v) AS s FROM t WHERE v > 0 GROUP BY k");
  Log log;
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 5 0 x", "+I a -1 0 x", "+I a 7 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 2 | 12"}));
  // The filtered row's -D is dropped with it (it never counted).
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a -1 0 x", "+I a 1 0 x", "-D a 5 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"-U | a | 2 | 12", "+U | a | 2 | 8"}));
}

TEST(GroupAggregateRetractTest, NullKeysAndGlobalAggregate) {
  auto keyed = Make("SELECT k, count(*) AS n FROM t GROUP BY k");
  Log log;
  ASSERT_TRUE(keyed->ApplyChanges(0, Changes({"+I NULL 1 0 x", "+I NULL 2 0 x"}), &log).ok());
  ASSERT_TRUE(keyed->ApplyChanges(0, Changes({"-D NULL 1 0 x", "-D NULL 2 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | NULL | 2", "-D | NULL | 2"}));

  // The global group stays in the output with count(*) = 0 (SQL: one row even for no input).
  auto global = Make("SELECT count(*) AS n, max(s) AS m FROM t");
  ASSERT_TRUE(global->ApplyChanges(0, Changes({"+I a 1 0 x"}), &log).ok());
  ASSERT_TRUE(global->ApplyChanges(0, Changes({"-D a 1 0 x"}), &log).ok());
  ASSERT_TRUE(global->Finish(&log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | 1 | x", "-U | 1 | x", "+U | 0 | NULL"}));
}

TEST(GroupAggregateRetractTest, AppendOnlyRowsFeedTheSameState) {
  auto op = Make("SELECT k, max(v) AS m FROM t GROUP BY k");
  Log log;
  ChangeBatch c = Changes({"+I a 4 0 x", "+I a 9 0 x"});
  ASSERT_TRUE(op->Apply(*c.rows, &log).ok());
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"-D a 9 0 x"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 9", "-U | a | 9", "+U | a | 4"}));
}

TEST(GroupAggregateRetractTest, RetractingARowNeverAccumulatedIsInternal) {
  auto op = Make("SELECT k, v, count(*) AS n FROM t GROUP BY k, v");
  Log log;
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 1 0 x"}), &log).ok());
  Status st = op->ApplyChanges(0, Changes({"-D zz 42 0 x"}), &log);
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  EXPECT_NE(st.message().find("never accumulated, in group (zz, 42)"), std::string::npos)
      << st.ToString();

  // The group has rows but not this value: min(v)'s multiset notices.
  auto mm = Make("SELECT k, min(v) AS lo FROM t GROUP BY k");
  ASSERT_TRUE(mm->ApplyChanges(0, Changes({"+I a 1 0 x"}), &log).ok());
  st = mm->ApplyChanges(0, Changes({"+I a 2 0 x", "-D a 7 0 x"}), &log);
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  EXPECT_NE(st.message().find("aggregate min(v) retracts a value that was never accumulated, in "
                              "group (a)"),
            std::string::npos)
      << st.ToString();
}

TEST(GroupAggregateRetractTest, BadRowsAreInvalidAndChangeNothing) {
  auto op = Make("SELECT k, count(*) AS n, sum(CAST(s AS BIGINT)) AS total FROM t GROUP BY k");
  Log log;
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 1 0 5"}), &log).ok());
  Status st = op->ApplyChanges(0, Changes({"-D a 1 0 5", "+I a 1 0 oops"}), &log);
  EXPECT_EQ(st.code(), StatusCode::kInvalid) << st.ToString();
  ASSERT_TRUE(op->ApplyChanges(0, Changes({"+I a 1 0 6"}), &log).ok());
  EXPECT_EQ(log.Take(), (Lines{"+I | a | 1 | 5", "-U | a | 1 | 5", "+U | a | 2 | 11"}));
}

TEST(GroupAggregateRetractTest, AppendOnlyModeRefusesRetractions) {
  GroupAggregate op(Compile("SELECT k, count(*) AS n FROM t GROUP BY k"));
  Log log;
  EXPECT_TRUE(op.ApplyChanges(0, Changes({"+I a 1 0 x"}), &log).ok());
  Status st = op.ApplyChanges(0, Changes({"-D a 1 0 x"}), &log);
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented) << st.ToString();
}

TEST(GroupAggregateRetractTest, ApproxCountDistinctIsRefusedForChangelogs) {
  auto q = Compile("SELECT k, approx_count_distinct(v) AS n FROM t GROUP BY k");
  EXPECT_FALSE(sql::SupportsRetraction(sql::AggregateKind::kApproxCountDistinct));
  EXPECT_TRUE(sql::SupportsRetraction(sql::AggregateKind::kCountDistinct));
  Status st = q->CheckRetractableInput();
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented);
  EXPECT_EQ(st.message(),
            "approx_count_distinct cannot consume updates or deletes; use count(DISTINCT ...)");
  EXPECT_TRUE(Compile("SELECT k, count(DISTINCT v), min(s) FROM t GROUP BY k")
                  ->CheckRetractableInput()
                  .ok());
  // An operator built anyway takes inserts but refuses the first retraction.
  GroupAggregate op(q, /*retractable_input=*/true);
  Log log;
  EXPECT_TRUE(op.ApplyChanges(0, Changes({"+I a 1 0 x"}), &log).ok());
  st = op.ApplyChanges(0, Changes({"-D a 1 0 x"}), &log);
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented) << st.ToString();
}

TEST(GroupAggregateRetractTest, ApproxCountDistinctIsWithinTwoPercent) {
  GroupAggregate op(
      Compile("SELECT k, approx_count_distinct(v) AS n, approx_count_distinct(s) AS "
              "ns FROM t GROUP BY k"));
  Log log;
  const int64_t kDistinct = 100000;
  for (int64_t start = 0; start < 2 * kDistinct; start += 10000) {
    BatchBuilder b(InputSchema());
    for (int64_t i = start; i < start + 10000; ++i) {
      b.column(0)->AppendString(i % 2 == 0 ? "even" : "odd");  // 50k values each
      b.column(1)->Append<int64_t>(i % kDistinct * 2 + i % 2);
      b.column(2)->Append<double>(0);
      b.column(3)->AppendString("s" + std::to_string(i % kDistinct * 2 + i % 2));
    }
    ASSERT_TRUE(op.Apply(*b.Finish(), &log).ok());
  }
  std::map<std::string, std::pair<int64_t, int64_t>> last;
  for (const std::string& line : log.Take()) {
    std::istringstream in(line);
    std::string o, bar, k;
    int64_t n = 0, ns = 0;
    in >> o >> bar >> k >> bar >> n >> bar >> ns;
    if (o[0] == '+') last[k] = {n, ns};
  }
  ASSERT_EQ(last.size(), 2u);
  for (const auto& [k, n] : last) {
    EXPECT_NEAR(static_cast<double>(n.first), 50000.0, 1000.0) << k;
    EXPECT_NEAR(static_cast<double>(n.second), 50000.0, 1000.0) << k;
  }
}

// Applies a changelog to a table keyed by the first output column, checking that every
// removal removes the row currently there.
void ApplyToTable(const std::vector<std::string>& lines,
                  std::map<std::string, std::string>* table) {
  for (const std::string& line : lines) {
    const std::string op = line.substr(0, 2);
    const std::string row = line.substr(5);
    const std::string key = row.substr(0, row.find(" | "));
    if (op == "-U" || op == "-D") {
      ASSERT_EQ((*table)[key], row) << line;
      table->erase(key);
    } else {
      ASSERT_EQ(table->count(key), 0u) << line;
      (*table)[key] = row;
    }
  }
}

TEST(GroupAggregateRetractTest, RandomChangelogMatchesRecomputingFromSurvivingRows) {
  const std::string sql =
      "SELECT k, count(*), count(v), sum(v), avg(v), min(v), max(v), sum(d), min(d), max(d), "
      "min(s), max(s), count(DISTINCT v), count(DISTINCT s), count(*) FILTER (WHERE v > 3) "
      "FROM t WHERE v IS NULL OR v <> 7 GROUP BY k HAVING count(*) <> 4";
  std::mt19937_64 rng(20261124);
  for (int round = 0; round < 5; ++round) {
    auto op = Make(sql);
    Log log;
    std::map<std::string, std::string> table;
    std::vector<std::string> alive;  // rows as "k v d s"
    for (int batch = 0; batch < 40; ++batch) {
      std::vector<std::string> lines;
      const int n = static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) {
        if (!alive.empty() && rng() % 3 == 0) {
          const size_t j = rng() % alive.size();
          lines.push_back((rng() % 2 ? "-D " : "-U ") + alive[j]);
          alive.erase(alive.begin() + static_cast<std::ptrdiff_t>(j));
        } else {
          auto cell = [&](int64_t range) {
            return rng() % 6 == 0 ? std::string("NULL") : std::to_string(rng() % range);
          };
          std::string row = "g" + std::to_string(rng() % 6) + " " + cell(10) + " " + cell(5) + " " +
                            (rng() % 6 == 0 ? "NULL" : "s" + std::to_string(rng() % 8));
          lines.push_back((rng() % 2 ? "+I " : "+U ") + row);
          alive.push_back(row);
        }
      }
      if (lines.empty()) continue;
      ASSERT_TRUE(op->ApplyChanges(0, Changes(lines), &log).ok());
      ApplyToTable(log.Take(), &table);
    }
    // Recompute: an append-only aggregate over the surviving rows.
    GroupAggregate fresh(Compile(sql));
    std::vector<std::string> inserts;
    for (const std::string& row : alive) inserts.push_back("+I " + row);
    if (!inserts.empty()) {
      ASSERT_TRUE(fresh.Apply(*Changes(inserts).rows, &log).ok());
    }
    std::map<std::string, std::string> expected;
    ApplyToTable(log.Take(), &expected);
    EXPECT_EQ(table, expected) << "round " << round;
    EXPECT_FALSE(table.empty());
  }
}

TEST(GroupAggregateRetractTest, TombstonesAreRebuiltAway) {
  auto op = Make("SELECT v, count(*) AS n, max(s) AS m FROM t GROUP BY v");
  struct Count final : ChangeSink {
    Status Emit(const ChangeBatch& c) override {
      for (auto o : c.ops) ops[static_cast<int>(o)]++;
      return Status::OK();
    }
    int ops[4] = {0, 0, 0, 0};
  } out;
  std::vector<std::string> ins, del;
  for (int i = 0; i < 3000; ++i) {
    ins.push_back("+I a " + std::to_string(i) + " 0 x");
    del.push_back("-D a " + std::to_string(i) + " 0 x");
  }
  ASSERT_TRUE(op->ApplyChanges(0, Changes(ins), &out).ok());
  ASSERT_TRUE(
      op->ApplyChanges(0, Changes(std::vector<std::string>(del.begin(), del.begin() + 2500)), &out)
          .ok());
  EXPECT_EQ(op->num_live_groups(), 500);
  EXPECT_EQ(op->num_groups(), 500);  // rebuilt: 2500 tombstones > 500 live
  // The surviving groups are still found by key, the gone ones come back fresh.
  ASSERT_TRUE(
      op->ApplyChanges(0, Changes(std::vector<std::string>(del.begin() + 2500, del.end())), &out)
          .ok());
  ASSERT_TRUE(op->ApplyChanges(0, Changes(ins), &out).ok());
  EXPECT_EQ(op->num_live_groups(), 3000);
  EXPECT_EQ(out.ops[0], 6000);  // +I
  EXPECT_EQ(out.ops[3], 3000);  // -D
  EXPECT_EQ(out.ops[1] + out.ops[2], 0);
}

}  // namespace
}  // namespace sluice::stream
