// SESSION windows (SessionWindow), allowed lateness and processing time for the windowed
// operators (WindowAggregate, SessionWindow), CUMULATE, and the window table function
// without aggregation (WindowAssign). Operators are driven directly with hand-built
// batches; changes are compared as "op | cells" lines. Times are seconds after the epoch.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "core/value.h"
#include "sql/binder.h"
#include "sql/compiled_aggregate.h"
#include "sql/parser.h"
#include "sql/sql.h"
#include "stream/session_window.h"
#include "stream/window_aggregate.h"
#include "stream/window_assign.h"

namespace sluice::stream {
namespace {

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

// Binds and compiles `sql`; `processing_time` marks the window as the planner would.
std::shared_ptr<sql::CompiledAggregate> Compile(const std::string& sql,
                                                bool processing_time = false) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  if (!select.ok()) return nullptr;
  const sql::ErrorContext ctx{sql, "q.sql"};
  auto bound = sql::BindSelect(**select, BidCatalog(), ctx);
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  if (!bound.ok()) return nullptr;
  bound->window_processing_time = processing_time;
  auto q = sql::CompiledAggregate::Make(std::move(*bound), ctx);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return nullptr;
  return std::shared_ptr<sql::CompiledAggregate>(std::move(*q));
}

struct Row {
  std::string bidder;
  int64_t sec;  // INT64_MIN: NULL time
  int64_t price = 1;
};

RecordBatchPtr Rows(const std::vector<Row>& rows) {
  BatchBuilder b(Bids());
  for (const Row& r : rows) {
    b.column(0)->AppendString(r.bidder);
    if (r.sec == INT64_MIN) {
      b.column(1)->AppendNull();
    } else {
      b.column(1)->Append<int64_t>(r.sec * kSec);
    }
    b.column(2)->Append<int64_t>(r.price);
  }
  return b.Finish();
}

std::string Line(const RecordBatch& rows, int64_t r) {
  std::string out;
  for (int c = 0; c < rows.num_columns(); ++c)
    out += (c ? " | " : "") + FormatCell(rows.column(c), r);
  return out;
}

struct Changes final : ChangeSink {
  Status Emit(const warehouse::ChangeBatch& changes) override {
    for (int64_t r = 0; r < changes.rows->num_rows(); ++r) {
      lines.push_back(std::string(warehouse::ChangeOpName(changes.ops[static_cast<size_t>(r)])) +
                      " | " + Line(*changes.rows, r));
    }
    return Status::OK();
  }
  // The lines since the last call.
  std::vector<std::string> Take() { return std::exchange(lines, {}); }
  std::vector<std::string> lines;
};

// "1970-01-01 00:00:ss" for small second counts.
std::string T(int64_t sec) { return FormatTimestamp(sec * kSec); }

std::vector<std::string> RefusedReasons(StreamOperator* op) {
  return op->TakeRefusedRows().reasons;
}

const char* kSessionSql =
    "SELECT window_start, window_end, bidder, count(*) AS n, sum(price) AS total "
    "FROM SESSION(bid, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end, bidder";

TEST(SessionWindowTest, ChangelogModeMergesSessionsBridgedByARow) {
  SessionWindow op(Compile(kSessionSql), 100 * kSec);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 0, 1}, {"a", 18, 2}, {"b", 5, 4}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"+I | " + T(0) + " | " + T(10) + " | a | 1 | 1",
                                      "+I | " + T(18) + " | " + T(28) + " | a | 1 | 2",
                                      "+I | " + T(5) + " | " + T(15) + " | b | 1 | 4"}));
  EXPECT_EQ(op.open_sessions(), 3u);
  // a@9 opens [9, 19): it overlaps [0, 10) and [18, 28), so the three become [0, 28).
  ASSERT_TRUE(op.Apply(*Rows({{"a", 9, 8}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"-D | " + T(0) + " | " + T(10) + " | a | 1 | 1",
                                      "-D | " + T(18) + " | " + T(28) + " | a | 1 | 2",
                                      "+I | " + T(0) + " | " + T(28) + " | a | 3 | 11"}));
  EXPECT_EQ(op.open_sessions(), 2u);
  // Extending a session: its rows are retracted and re-inserted with the new end.
  ASSERT_TRUE(op.Apply(*Rows({{"b", 12, 1}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"-D | " + T(5) + " | " + T(15) + " | b | 1 | 4",
                                      "+I | " + T(5) + " | " + T(22) + " | b | 2 | 5"}));
  ASSERT_TRUE(op.Finish(&out).ok());
  EXPECT_TRUE(out.Take().empty());
  EXPECT_EQ(op.open_sessions(), 0u);  // state freed
}

TEST(SessionWindowTest, TwoSessionsMergedWithinOneBatch) {
  SessionWindow op(Compile(kSessionSql), 100 * kSec);
  Changes out;
  // a@0 and a@18 are apart until a@9 in the same batch joins them.
  ASSERT_TRUE(op.Apply(*Rows({{"a", 0, 1}, {"a", 18, 2}, {"a", 9, 4}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"+I | " + T(0) + " | " + T(28) + " | a | 3 | 7"}));
  EXPECT_EQ(op.open_sessions(), 1u);
}

TEST(SessionWindowTest, FlinkFormWithPartitionByEmitsOnClose) {
  SessionWindow op(Compile("SELECT window_start, window_end, bidder, count(*) AS n "
                           "FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), "
                           "INTERVAL '10' SECOND)) GROUP BY window_start, window_end, bidder "
                           "EMIT ON WINDOW CLOSE"),
                   0);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 0}, {"a", 5}, {"b", 1}}), &out).ok());
  EXPECT_TRUE(out.Take().empty());
  ASSERT_TRUE(op.Apply(*Rows({{"a", 30}}), &out).ok());  // watermark 30 closes both
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(1) + " | " + T(11) + " | b | 1",
                                                  "+I | " + T(0) + " | " + T(15) + " | a | 2"}));
  EXPECT_EQ(op.open_sessions(), 1u);  // closed sessions freed (no lateness)
  ASSERT_TRUE(op.Finish(&out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(30) + " | " + T(40) + " | a | 1"}));
  EXPECT_EQ(op.open_sessions(), 0u);
}

TEST(SessionWindowTest, EmitOnCloseWithLatenessReEmitsAndThenRefuses) {
  SessionWindow op(Compile(std::string(kSessionSql) + " EMIT ON WINDOW CLOSE"), 0, 25 * kSec);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 0, 1}}), &out).ok());
  ASSERT_TRUE(op.Apply(*Rows({{"a", 30, 1}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"+I | " + T(0) + " | " + T(10) + " | a | 1 | 1"}));
  EXPECT_EQ(op.open_sessions(), 2u);  // [0, 10) is kept until 10 + 25
  // a@3 is within the lateness: the closed session changes, its final row is updated.
  ASSERT_TRUE(op.Apply(*Rows({{"a", 3, 5}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"-U | " + T(0) + " | " + T(10) + " | a | 1 | 1",
                                      "+U | " + T(0) + " | " + T(13) + " | a | 2 | 6"}));
  EXPECT_TRUE(RefusedReasons(&op).empty());
  // Watermark 45: [0, 13) is done (13 + 25 <= 45) and freed; [30, 40) closes.
  ASSERT_TRUE(op.Apply(*Rows({{"b", 45, 1}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"+I | " + T(30) + " | " + T(40) + " | a | 1 | 1"}));
  EXPECT_EQ(op.open_sessions(), 2u);  // a [30, 40) within lateness, b [45, 55) open
  // a@1: its window [1, 11) is past the lateness: refused, not aggregated.
  ASSERT_TRUE(op.Apply(*Rows({{"a", 1, 1}}), &out).ok());
  EXPECT_TRUE(out.Take().empty());
  const std::vector<std::string> reasons = RefusedReasons(&op);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], "late: window [" + T(1) + ", " + T(11) + ") closed at watermark " + T(45));
}

TEST(SessionWindowTest, NullTimeIsRefused) {
  SessionWindow op(Compile(kSessionSql), 0);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", INT64_MIN}, {"a", 1}}), &out).ok());
  EXPECT_EQ(out.Take().size(), 1u);
  RefusedRows r = op.TakeRefusedRows();
  ASSERT_NE(r.rows, nullptr);
  EXPECT_EQ(r.rows->num_rows(), 1);
  EXPECT_NE(r.reasons[0].find("NULL"), std::string::npos);
}

TEST(SessionWindowTest, ProcessingTimeClosesWithoutRows) {
  SessionWindow op(Compile(std::string(kSessionSql) + " EMIT ON WINDOW CLOSE", true), 0);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 100}}), &out).ok());
  ASSERT_TRUE(op.OnProcessingTime(109 * kSec, &out).ok());
  EXPECT_TRUE(out.Take().empty());
  ASSERT_TRUE(op.OnProcessingTime(110 * kSec, &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"+I | " + T(100) + " | " + T(110) + " | a | 1 | 1"}));
  EXPECT_EQ(op.open_sessions(), 0u);
}

// Feeds `rows` to `op` in batches of `batch` rows, finishes it, and applies its changelog
// to a multiset: the final rows, sorted. A retraction of a row not in the result fails.
std::vector<std::string> FinalTable(SessionWindow* op, const std::vector<Row>& rows, size_t batch) {
  Changes out;
  for (size_t i = 0; i < rows.size(); i += batch) {
    std::vector<Row> part(rows.begin() + static_cast<std::ptrdiff_t>(i),
                          rows.begin() + static_cast<std::ptrdiff_t>(std::min(i + batch, rows.size())));
    EXPECT_TRUE(op->Apply(*Rows(part), &out).ok());
  }
  EXPECT_TRUE(op->Finish(&out).ok());
  std::multiset<std::string> table;
  for (const std::string& line : out.Take()) {
    const std::string op_name = line.substr(0, 2);
    const std::string row = line.substr(5);
    if (op_name == "+I" || op_name == "+U") {
      table.insert(row);
      continue;
    }
    auto it = table.find(row);
    EXPECT_NE(it, table.end()) << "retraction of a row not in the result: " << line;
    if (it != table.end()) table.erase(it);
  }
  return {table.begin(), table.end()};
}

// Random rows in random order against sessions computed by sorting: EMIT ON WINDOW CLOSE
// emits exactly the final sessions, and the changelog mode's changes add up to them.
TEST(SessionWindowTest, OutOfOrderRowsMatchSessionsComputedBySorting) {
  uint64_t seed = 42;
  auto next = [&seed](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((seed >> 33) % n);
  };
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back({std::string(1, static_cast<char>('a' + next(3))), next(600), next(10)});
  }
  // Expected: per bidder, sorted times; a row joins the session while t < last + gap.
  std::vector<std::string> expected;
  for (const char* b : {"a", "b", "c"}) {
    std::vector<std::pair<int64_t, int64_t>> ts;
    for (const Row& r : rows) {
      if (r.bidder == b) ts.emplace_back(r.sec, r.price);
    }
    std::sort(ts.begin(), ts.end());
    for (size_t i = 0; i < ts.size();) {
      size_t j = i;
      int64_t total = 0;
      while (j < ts.size() && (j == i || ts[j].first < ts[j - 1].first + 10))
        total += ts[j++].second;
      expected.push_back(T(ts[i].first) + " | " + T(ts[j - 1].first + 10) + " | " + b + " | " +
                         std::to_string(j - i) + " | " + std::to_string(total));
      i = j;
    }
  }
  std::sort(expected.begin(), expected.end());
  for (const bool eowc : {true, false}) {
    SessionWindow op(Compile(std::string(kSessionSql) + (eowc ? " EMIT ON WINDOW CLOSE" : "")),
                     1000 * kSec);
    EXPECT_EQ(FinalTable(&op, rows, 7), expected) << "eowc=" << eowc;
    EXPECT_EQ(op.open_sessions(), 0u);
    EXPECT_EQ(op.TakeRefusedRows().rows, nullptr);
  }
}

// Sessions with several groups each (GROUP BY also price) and HAVING, many sessions
// touched, merged and closed per batch: the changelog (emitted per batch for all the
// sessions together) nets out to the groups computed by sorting, with and without EMIT
// ON WINDOW CLOSE, and with a watermark that closes sessions while rows still arrive.
TEST(SessionWindowTest, SeveralGroupsPerSessionAndHavingMatchSorting) {
  uint64_t seed = 7;
  auto next = [&seed](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((seed >> 33) % n);
  };
  std::vector<Row> rows;
  for (int i = 0; i < 400; ++i) {
    // Times mostly rising (a watermark 30 s behind never refuses them).
    rows.push_back({std::string(1, static_cast<char>('a' + next(5))), i * 2 + next(25), next(2)});
  }
  std::vector<std::string> expected;
  for (const char* b : {"a", "b", "c", "d", "e"}) {
    std::vector<std::pair<int64_t, int64_t>> ts;
    for (const Row& r : rows) {
      if (r.bidder == b) ts.emplace_back(r.sec, r.price);
    }
    std::sort(ts.begin(), ts.end());
    for (size_t i = 0; i < ts.size();) {
      size_t j = i;
      int64_t n[2] = {0, 0};
      while (j < ts.size() && (j == i || ts[j].first < ts[j - 1].first + 10)) ++n[ts[j++].second];
      for (int p = 0; p < 2; ++p) {
        if (n[p] < 2) continue;  // HAVING count(*) > 1
        expected.push_back(T(ts[i].first) + " | " + T(ts[j - 1].first + 10) + " | " + b + " | " +
                           std::to_string(p) + " | " + std::to_string(n[p]));
      }
      i = j;
    }
  }
  std::sort(expected.begin(), expected.end());
  const std::string sql =
      "SELECT window_start, window_end, bidder, price, count(*) AS n "
      "FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '10' SECOND)) "
      "GROUP BY window_start, window_end, bidder, price HAVING count(*) > 1";
  for (const bool eowc : {true, false}) {
    SessionWindow op(Compile(sql + (eowc ? " EMIT ON WINDOW CLOSE" : "")), 30 * kSec);
    EXPECT_EQ(FinalTable(&op, rows, 23), expected) << "eowc=" << eowc;
    EXPECT_EQ(op.open_sessions(), 0u);
    EXPECT_EQ(op.TakeRefusedRows().rows, nullptr);
  }
}

// One batch touching sessions of several partitions emits one change batch: per session
// its old rows' retraction then its new rows, in order of the sessions' ids.
TEST(SessionWindowTest, OneChangeBatchPerInputBatch) {
  struct Count final : ChangeSink {
    Status Emit(const warehouse::ChangeBatch&) override {
      ++batches;
      return Status::OK();
    }
    int batches = 0;
  };
  SessionWindow op(Compile(kSessionSql), 100 * kSec);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 0, 1}, {"b", 1, 2}, {"c", 2, 3}}), &out).ok());
  out.Take();
  Count count;
  ASSERT_TRUE(op.Apply(*Rows({{"c", 4, 1}, {"a", 3, 1}, {"d", 3, 1}}), &count).ok());
  EXPECT_EQ(count.batches, 1);
  ASSERT_TRUE(op.Apply(*Rows({{"c", 5, 1}, {"a", 6, 1}, {"d", 3, 1}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (std::vector<std::string>{"-D | " + T(0) + " | " + T(13) + " | a | 2 | 2",
                                      "+I | " + T(0) + " | " + T(16) + " | a | 3 | 3",
                                      "-D | " + T(2) + " | " + T(14) + " | c | 2 | 4",
                                      "+I | " + T(2) + " | " + T(15) + " | c | 3 | 5",
                                      "-D | " + T(3) + " | " + T(13) + " | d | 1 | 1",
                                      "+I | " + T(3) + " | " + T(13) + " | d | 2 | 2"}));
}

const char* kTumbleSql =
    "SELECT window_start, window_end, bidder, count(*) AS n FROM TUMBLE(bid, ts, INTERVAL '10' "
    "SECOND) GROUP BY window_start, window_end, bidder";

TEST(WindowLatenessTest, ChangelogUpdatesWithinLatenessAndRefusesBeyond) {
  WindowAggregate op(Compile(kTumbleSql), 0, 5 * kSec);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 1}}), &out).ok());
  ASSERT_TRUE(op.Apply(*Rows({{"a", 12}}), &out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(0) + " | " + T(10) + " | a | 1",
                                                  "+I | " + T(10) + " | " + T(20) + " | a | 1"}));
  EXPECT_EQ(op.open_windows(), 2u);  // [0, 10) kept until watermark 15
  ASSERT_TRUE(op.Apply(*Rows({{"a", 3}}), &out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"-U | " + T(0) + " | " + T(10) + " | a | 1",
                                                  "+U | " + T(0) + " | " + T(10) + " | a | 2"}));
  ASSERT_TRUE(op.Apply(*Rows({{"b", 16}}), &out).ok());  // watermark 16 frees [0, 10)
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(10) + " | " + T(20) + " | b | 1"}));
  EXPECT_EQ(op.open_windows(), 1u);
  ASSERT_TRUE(op.Apply(*Rows({{"a", 4}}), &out).ok());
  EXPECT_TRUE(out.Take().empty());
  const std::vector<std::string> reasons = RefusedReasons(&op);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], "late: window [" + T(0) + ", " + T(10) + ") closed at watermark " + T(16) +
                            " (event time " + T(4) + ", allowed lateness 5000 ms)");
}

TEST(WindowLatenessTest, EmitOnCloseReEmitsFinalRowsWithinLateness) {
  WindowAggregate op(Compile(std::string(kTumbleSql) + " EMIT ON WINDOW CLOSE"), 0, 5 * kSec);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 1}}), &out).ok());
  EXPECT_TRUE(out.Take().empty());
  ASSERT_TRUE(op.Apply(*Rows({{"a", 12}}), &out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(0) + " | " + T(10) + " | a | 1"}));
  ASSERT_TRUE(op.Apply(*Rows({{"a", 3}, {"b", 4}}), &out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"-U | " + T(0) + " | " + T(10) + " | a | 1",
                                                  "+U | " + T(0) + " | " + T(10) + " | a | 2",
                                                  "+I | " + T(0) + " | " + T(10) + " | b | 1"}));
  ASSERT_TRUE(op.Apply(*Rows({{"a", 16}}), &out).ok());
  EXPECT_TRUE(out.Take().empty());
  EXPECT_EQ(op.open_windows(), 1u);
  ASSERT_TRUE(op.Finish(&out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(10) + " | " + T(20) + " | a | 2"}));
  EXPECT_EQ(op.open_windows(), 0u);
}

TEST(WindowLatenessTest, WindowFirstSeenWithinLatenessFiresAtOnce) {
  WindowAggregate op(Compile(std::string(kTumbleSql) + " EMIT ON WINDOW CLOSE"), 0, 30 * kSec);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 25}}), &out).ok());
  ASSERT_TRUE(op.Apply(*Rows({{"b", 5}}), &out).ok());  // [0, 10) ended, in lateness
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(0) + " | " + T(10) + " | b | 1"}));
}

TEST(WindowProcessingTimeTest, WallClockClosesWindows) {
  WindowAggregate op(Compile(std::string(kTumbleSql) + " EMIT ON WINDOW CLOSE", true), 0);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 1}, {"a", 3}}), &out).ok());
  ASSERT_TRUE(op.OnProcessingTime(9 * kSec, &out).ok());
  EXPECT_TRUE(out.Take().empty());
  ASSERT_TRUE(op.OnProcessingTime(10 * kSec, &out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(0) + " | " + T(10) + " | a | 2"}));
  EXPECT_EQ(op.open_windows(), 0u);
}

TEST(WindowProcessingTimeTest, EventTimeWindowsIgnoreTheWallClock) {
  WindowAggregate op(Compile(std::string(kTumbleSql) + " EMIT ON WINDOW CLOSE"), 0);
  Changes out;
  ASSERT_TRUE(op.Apply(*Rows({{"a", 1}}), &out).ok());
  ASSERT_TRUE(op.OnProcessingTime(100 * kSec, &out).ok());
  EXPECT_TRUE(out.Take().empty());
  EXPECT_EQ(op.open_windows(), 1u);
}

TEST(CumulateWindowTest, RowCountsInEveryWindowOfItsPeriodEndingAfterIt) {
  auto op = MakeWindowOperator(
      Compile("SELECT window_start, window_end, count(*) AS n FROM CUMULATE(bid, ts, "
              "INTERVAL '5' SECOND, INTERVAL '15' SECOND) GROUP BY window_start, window_end "
              "EMIT ON WINDOW CLOSE"),
      0);
  Changes out;
  ASSERT_TRUE(op->Apply(*Rows({{"a", 1}, {"a", 7}, {"a", 16}}), &out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(0) + " | " + T(5) + " | 1",
                                                  "+I | " + T(0) + " | " + T(10) + " | 2",
                                                  "+I | " + T(0) + " | " + T(15) + " | 2"}));
  ASSERT_TRUE(op->Finish(&out).ok());
  EXPECT_EQ(out.Take(), (std::vector<std::string>{"+I | " + T(15) + " | " + T(20) + " | 1",
                                                  "+I | " + T(15) + " | " + T(25) + " | 1",
                                                  "+I | " + T(15) + " | " + T(30) + " | 1"}));
}

TEST(WindowAssignTest, HopRepeatsRowsAndRefusesNullTimes) {
  WindowAssign assign(Bids(), 1, WindowSpec{sql::WindowKind::kHop, 10 * kSec, 5 * kSec});
  EXPECT_EQ(assign.output_schema()->num_fields(), 5);
  auto out = assign.Assign(*Rows({{"a", 1}, {"n", INT64_MIN}, {"b", 7}}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const RecordBatch& r = **out;
  std::vector<std::string> lines;
  for (int64_t i = 0; i < r.num_rows(); ++i) lines.push_back(Line(r, i));
  EXPECT_EQ(lines, (std::vector<std::string>{"a | " + T(1) + " | 1 | " + T(-5) + " | " + T(5),
                                             "a | " + T(1) + " | 1 | " + T(0) + " | " + T(10),
                                             "b | " + T(7) + " | 1 | " + T(0) + " | " + T(10),
                                             "b | " + T(7) + " | 1 | " + T(5) + " | " + T(15)}));
  RefusedRows refused = assign.TakeRefusedRows();
  ASSERT_NE(refused.rows, nullptr);
  EXPECT_EQ(refused.rows->num_rows(), 1);
  EXPECT_EQ(refused.rows->column(0).GetString(0), "n");
  EXPECT_EQ(assign.TakeRefusedRows().rows, nullptr);
}

TEST(WindowAssignTest, TumbleAndCumulate) {
  WindowAssign tumble(Bids(), 1, WindowSpec{sql::WindowKind::kTumble, 10 * kSec, 10 * kSec});
  auto t = tumble.Assign(*Rows({{"a", 12}, {"b", -3}}));
  ASSERT_TRUE(t.ok());
  ASSERT_EQ((*t)->num_rows(), 2);
  EXPECT_EQ(Line(**t, 1), "b | " + T(-3) + " | 1 | " + T(-10) + " | " + T(0));
  WindowAssign cumulate(Bids(), 1, WindowSpec{sql::WindowKind::kCumulate, 15 * kSec, 5 * kSec});
  auto c = cumulate.Assign(*Rows({{"a", 6}}));
  ASSERT_TRUE(c.ok());
  ASSERT_EQ((*c)->num_rows(), 2);
  EXPECT_EQ(Line(**c, 0), "a | " + T(6) + " | 1 | " + T(0) + " | " + T(10));
  EXPECT_EQ(Line(**c, 1), "a | " + T(6) + " | 1 | " + T(0) + " | " + T(15));
}

TEST(WindowAssignTest, WrongColumnCountIsInvalid) {
  WindowAssign assign(Bids(), 1, WindowSpec{sql::WindowKind::kTumble, kSec, kSec});
  BatchBuilder b(MakeSchema({{"x", DataType::Int64()}}));
  b.column(0)->Append<int64_t>(1);
  auto out = assign.Assign(*b.Finish());
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalid) << out.status().ToString();
}

// What the planner needs for a window table function without aggregation.
TEST(WindowAssignTest, BinderFlagsWindowQueriesWithoutAggregation) {
  const std::string sql = "SELECT * FROM HOP(bid, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND)";
  auto select = sql::ParseSelect(sql, "q.sql");
  ASSERT_TRUE(select.ok());
  const sql::ErrorContext ctx{sql, "q.sql"};
  auto bound = sql::BindSelect(**select, BidCatalog(), ctx);
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  EXPECT_TRUE(bound->window_tvf);
  EXPECT_FALSE(bound->aggregate);
  EXPECT_EQ(bound->window, sql::WindowKind::kHop);
  EXPECT_EQ(bound->time_column, 1);
  EXPECT_EQ(bound->window_size, 10 * kSec);
  EXPECT_EQ(bound->window_slide, 5 * kSec);
  WindowAssign assign(bound->source_schema, bound->time_column,
                      WindowSpec{bound->window, bound->window_size, bound->window_slide});
  EXPECT_TRUE(*assign.output_schema() == *bound->input_schema);
  EXPECT_EQ(bound->output_schema->num_fields(), 5);

  const std::string session = "SELECT * FROM SESSION(bid, ts, INTERVAL '5' SECOND)";
  auto s = sql::ParseSelect(session, "q.sql");
  ASSERT_TRUE(s.ok());
  auto refused = sql::BindSelect(**s, BidCatalog(), sql::ErrorContext{session, "q.sql"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("a SESSION window query must aggregate"),
            std::string::npos)
      << refused.status().ToString();
}

}  // namespace
}  // namespace sluice::stream
