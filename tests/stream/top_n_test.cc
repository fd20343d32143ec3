// TopN: hand-built changelogs for top-N with and without rn, NULL keys, the two dedup
// forms, retractions, every order key type, bad options; and a randomized comparison of
// the applied changelog against a brute-force ROW_NUMBER over the final input.
#include "stream/top_n.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "core/time.h"
#include "core/value.h"

namespace sluice::stream {
namespace {

using warehouse::ChangeOp;

// Records every change as "op | cell | cell | ...".
class LineSink final : public ChangeSink {
 public:
  Status Emit(const warehouse::ChangeBatch& c) override {
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      std::string line = warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)]);
      for (int col = 0; col < c.rows->num_columns(); ++col)
        line += " | " + FormatCell(c.rows->column(col), r);
      lines.push_back(std::move(line));
    }
    return Status::OK();
  }
  std::vector<std::string> Take() { return std::exchange(lines, {}); }
  std::vector<std::string> lines;
};

// (p VARCHAR, o BIGINT, id BIGINT); nullopt = NULL.
struct Row {
  std::optional<std::string> p;
  std::optional<int64_t> o;
  int64_t id;
};

SchemaPtr PoiSchema() {
  return MakeSchema(
      {{"p", DataType::Varchar()}, {"o", DataType::Int64()}, {"id", DataType::Int64()}});
}

RecordBatchPtr PoiRows(const std::vector<Row>& rows) {
  BatchBuilder b(PoiSchema());
  for (const Row& r : rows) {
    r.p ? b.column(0)->AppendString(*r.p) : b.column(0)->AppendNull();
    r.o ? b.column(1)->Append<int64_t>(*r.o) : b.column(1)->AppendNull();
    b.column(2)->Append<int64_t>(r.id);
  }
  return b.Finish();
}

warehouse::ChangeBatch Changes(const std::vector<Row>& rows, std::vector<ChangeOp> ops) {
  return {PoiRows(rows), std::move(ops)};
}

std::unique_ptr<TopN> MakeTopN(TopNOptions o) {
  auto r = TopN::Make(std::move(o));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

TopNOptions PoiOptions(int64_t limit, bool descending, bool emit_rank, bool nulls_first = false) {
  TopNOptions o;
  o.input_schema = PoiSchema();
  o.partition_keys = {0};
  o.order = {{1, descending, nulls_first}};
  o.limit = limit;
  o.emit_rank = emit_rank;
  return o;
}

using Lines = std::vector<std::string>;

TEST(TopNTest, Top3DescendingWithTiesWithoutRank) {
  auto op = MakeTopN(PoiOptions(3, true, false));
  LineSink out;
  ASSERT_TRUE(
      op->Apply(*PoiRows({{"a", 10, 1}, {"b", 5, 2}, {"a", 20, 3}, {"a", 10, 4}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (Lines{"+I | a | 10 | 1", "+I | b | 5 | 2", "+I | a | 20 | 3", "+I | a | 10 | 4"}));
  // (a,10,7) ties with the third row (a,10,1) and arrived later: it does not enter.
  ASSERT_TRUE(
      op->Apply(*PoiRows({{"b", 5, 5}, {"a", 30, 6}, {"a", 10, 7}, {"a", 15, 8}}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"+I | b | 5 | 5", "-D | a | 10 | 4", "+I | a | 30 | 6",
                               "-D | a | 10 | 1", "+I | a | 15 | 8"}));
  EXPECT_EQ(op->num_partitions(), 2);
  EXPECT_EQ(op->stored_rows(), 5) << "append-only input keeps at most N rows per partition";
  ASSERT_TRUE(op->Finish(&out).ok());
  EXPECT_TRUE(out.lines.empty());
}

TEST(TopNTest, Top3DescendingWithTiesWithRank) {
  auto op = MakeTopN(PoiOptions(3, true, true));
  ASSERT_EQ(op->output_schema()->ToString(), "p VARCHAR, o INT64, id INT64, rn INT64 NOT NULL");
  LineSink out;
  ASSERT_TRUE(
      op->Apply(*PoiRows({{"a", 10, 1}, {"b", 5, 2}, {"a", 20, 3}, {"a", 10, 4}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (Lines{"+I | a | 10 | 1 | 1", "+I | b | 5 | 2 | 1", "-U | a | 10 | 1 | 1",
                   "+U | a | 10 | 1 | 2", "+I | a | 20 | 3 | 1", "+I | a | 10 | 4 | 3"}));
  ASSERT_TRUE(
      op->Apply(*PoiRows({{"b", 5, 5}, {"a", 30, 6}, {"a", 10, 7}, {"a", 15, 8}}), &out).ok());
  EXPECT_EQ(out.Take(),
            (Lines{"+I | b | 5 | 5 | 2", "-D | a | 10 | 4 | 3", "-U | a | 10 | 1 | 2",
                   "+U | a | 10 | 1 | 3", "-U | a | 20 | 3 | 1", "+U | a | 20 | 3 | 2",
                   "+I | a | 30 | 6 | 1", "-D | a | 10 | 1 | 3", "+I | a | 15 | 8 | 3"}));
}

TEST(TopNTest, AscendingWithNullPartitionAndNullOrderKeys) {
  auto op = MakeTopN(PoiOptions(2, false, false));  // NULLS LAST
  LineSink out;
  ASSERT_TRUE(op->Apply(*PoiRows({{std::nullopt, 3, 1},
                                  {std::nullopt, std::nullopt, 2},
                                  {std::nullopt, 1, 3},
                                  {"x", std::nullopt, 4},
                                  {std::nullopt, 2, 5}}),
                        &out)
                  .ok());
  EXPECT_EQ(out.Take(), (Lines{"+I | NULL | 3 | 1", "+I | NULL | NULL | 2", "-D | NULL | NULL | 2",
                               "+I | NULL | 1 | 3", "+I | x | NULL | 4", "-D | NULL | 3 | 1",
                               "+I | NULL | 2 | 5"}));
  EXPECT_EQ(op->num_partitions(), 2) << "NULL partition keys form one partition";

  auto first = MakeTopN(PoiOptions(2, false, false, /*nulls_first=*/true));
  ASSERT_TRUE(
      first->Apply(*PoiRows({{"q", std::nullopt, 1}, {"q", 5, 2}, {"q", std::nullopt, 3}}), &out)
          .ok());
  EXPECT_EQ(out.Take(),
            (Lines{"+I | q | NULL | 1", "+I | q | 5 | 2", "-D | q | 5 | 2", "+I | q | NULL | 3"}));
}

TEST(TopNTest, NoPartitionKeysIsOneGlobalPartition) {
  TopNOptions o = PoiOptions(1, true, true);
  o.partition_keys.clear();
  auto op = MakeTopN(o);
  LineSink out;
  ASSERT_TRUE(op->Apply(*PoiRows({{"a", 1, 1}, {"b", 3, 2}, {"c", 2, 3}}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"+I | a | 1 | 1 | 1", "-U | a | 1 | 1 | 1", "+U | b | 3 | 2 | 1"}));
  EXPECT_EQ(op->num_partitions(), 1);
}

// (p VARCHAR, ts TIMESTAMP, id BIGINT)
SchemaPtr EventSchema() {
  return MakeSchema(
      {{"p", DataType::Varchar()}, {"ts", DataType::Timestamp()}, {"id", DataType::Int64()}});
}

RecordBatchPtr Events(const std::vector<std::tuple<std::string, std::string, int64_t>>& rows) {
  BatchBuilder b(EventSchema());
  for (const auto& [p, ts, id] : rows) {
    b.column(0)->AppendString(p);
    int64_t t = 0;
    EXPECT_TRUE(ParseTimestamp(ts, &t)) << ts;
    b.column(1)->Append<int64_t>(t);
    b.column(2)->Append<int64_t>(id);
  }
  return b.Finish();
}

TopNOptions DedupOptions(bool descending, bool emit_rank) {
  TopNOptions o;
  o.input_schema = EventSchema();
  o.partition_keys = {0};
  o.order = {{1, descending, false}};
  o.limit = 1;
  o.emit_rank = emit_rank;
  return o;
}

TEST(TopNTest, KeepFirstDedupEmitsOncePerPartitionAndKeepsNoRows) {
  auto op = MakeTopN(DedupOptions(false, true));
  EXPECT_EQ(op->mode(), TopN::Mode::kKeepFirst);
  LineSink out;
  ASSERT_TRUE(op->Apply(*Events({{"a", "2024-01-01 00:00:01", 1},
                                 {"a", "2024-01-01 00:00:02", 2},
                                 {"b", "2024-01-01 00:00:01", 3},
                                 {"a", "2024-01-01 00:00:01", 4}}),
                        &out)
                  .ok());
  EXPECT_EQ(out.Take(), (Lines{"+I | a | 2024-01-01 00:00:01 | 1 | 1",
                               "+I | b | 2024-01-01 00:00:01 | 3 | 1"}));
  ASSERT_TRUE(
      op->Apply(*Events({{"b", "2024-01-01 00:00:05", 5}, {"a", "2024-01-01 00:00:00", 6}}), &out)
          .ok());
  EXPECT_TRUE(out.Take().empty());
  EXPECT_EQ(op->stored_rows(), 0);
  EXPECT_EQ(op->num_partitions(), 2);
  RefusedRows refused = op->TakeRefusedRows();
  ASSERT_NE(refused.rows, nullptr);
  ASSERT_EQ(refused.rows->num_rows(), 1);
  EXPECT_EQ(refused.rows->column(2).Get<int64_t>(0), 6);
  ASSERT_EQ(refused.reasons.size(), 1u);
  EXPECT_EQ(refused.reasons[0].rfind("late: the time 2024-01-01 00:00:00 is earlier than the time "
                                     "2024-01-01 00:00:01",
                                     0),
            0u)
      << refused.reasons[0];
  EXPECT_EQ(op->TakeRefusedRows().rows, nullptr);
}

TEST(TopNTest, KeepFirstWithoutTheFastPathReplacesAnEarlierRowThatCameLate) {
  TopNOptions o = DedupOptions(false, false);
  o.keep_first_fast_path = false;
  auto op = MakeTopN(o);
  EXPECT_EQ(op->mode(), TopN::Mode::kTopN);
  LineSink out;
  ASSERT_TRUE(op->Apply(*Events({{"a", "2024-01-01 00:00:01", 1},
                                 {"a", "2024-01-01 00:00:02", 2},
                                 {"a", "2024-01-01 00:00:00", 3},
                                 {"a", "2024-01-01 00:00:00", 4}}),
                        &out)
                  .ok());
  EXPECT_EQ(out.Take(),
            (Lines{"+I | a | 2024-01-01 00:00:01 | 1", "-U | a | 2024-01-01 00:00:01 | 1",
                   "+U | a | 2024-01-01 00:00:00 | 3"}));
  EXPECT_EQ(op->TakeRefusedRows().rows, nullptr);
  EXPECT_EQ(op->stored_rows(), 1);
}

TEST(TopNTest, KeepLastDedupReplacesWithUpdates) {
  auto op = MakeTopN(DedupOptions(true, false));
  EXPECT_EQ(op->mode(), TopN::Mode::kTopN);
  LineSink out;
  ASSERT_TRUE(op->Apply(*Events({{"a", "2024-01-01 00:00:01", 1},
                                 {"a", "2024-01-01 00:00:02", 2},
                                 {"a", "2024-01-01 00:00:02", 3},
                                 {"a", "2024-01-01 00:00:00", 4},
                                 {"b", "2024-01-01 00:00:01", 5}}),
                        &out)
                  .ok());
  EXPECT_EQ(out.Take(),
            (Lines{"+I | a | 2024-01-01 00:00:01 | 1", "-U | a | 2024-01-01 00:00:01 | 1",
                   "+U | a | 2024-01-01 00:00:02 | 2", "+I | b | 2024-01-01 00:00:01 | 5"}));
  EXPECT_EQ(op->stored_rows(), 2);
}

TEST(TopNTest, RetractionsExposeTheNextRow) {
  for (const bool rank : {false, true}) {
    TopNOptions o = PoiOptions(2, false, rank);
    o.append_only_input = false;
    auto op = MakeTopN(o);
    LineSink out;
    ASSERT_TRUE(
        op->Apply(*PoiRows({{"a", 1, 1}, {"a", 2, 2}, {"a", 3, 3}, {"a", 4, 4}}), &out).ok());
    out.Take();
    ASSERT_TRUE(op->ApplyChanges(0, Changes({{"a", 1, 1}}, {ChangeOp::kDelete}), &out).ok());
    if (rank) {
      EXPECT_EQ(out.Take(), (Lines{"-D | a | 1 | 1 | 1", "-U | a | 2 | 2 | 2", "+U | a | 2 | 2 | 1",
                                   "+I | a | 3 | 3 | 2"}));
    } else {
      EXPECT_EQ(out.Take(), (Lines{"-D | a | 1 | 1", "+I | a | 3 | 3"}));
    }
    // Outside the top N: removed silently; unknown rows and partitions: ignored, counted.
    ASSERT_TRUE(
        op->ApplyChanges(0,
                         Changes({{"a", 4, 4}, {"a", 9, 9}, {"zz", 1, 1}},
                                 {ChangeOp::kUpdateBefore, ChangeOp::kDelete, ChangeOp::kDelete}),
                         &out)
            .ok());
    EXPECT_TRUE(out.Take().empty());
    EXPECT_EQ(op->ignored_retractions(), 2);
    EXPECT_EQ(op->stored_rows(), 2);
    // -U then +U of the same row within one batch: out and back in (a new arrival).
    ASSERT_TRUE(op->ApplyChanges(0,
                                 Changes({{"a", 2, 2}, {"a", 0, 2}},
                                         {ChangeOp::kUpdateBefore, ChangeOp::kUpdateAfter}),
                                 &out)
                    .ok());
    if (rank) {
      EXPECT_EQ(out.Take(),
                (Lines{"-D | a | 2 | 2 | 1", "-U | a | 3 | 3 | 2", "+U | a | 3 | 3 | 1",
                       "-U | a | 3 | 3 | 1", "+U | a | 3 | 3 | 2", "+I | a | 0 | 2 | 1"}));
    } else {
      EXPECT_EQ(out.Take(), (Lines{"-D | a | 2 | 2", "+I | a | 0 | 2"}));
    }
  }
}

// Updates of two rows in one batch (the nexmark "hot item" shape): the row that enters
// the top N within the batch must be seen by the later changes of the same batch.
TEST(TopNTest, UpdatesOfSeveralRowsInOneBatch) {
  const SchemaPtr schema = MakeSchema(
      {{"auction", DataType::Int64()}, {"n", DataType::Int64()}, {"o", DataType::Int64()}});
  auto rows = [&](const std::vector<std::array<int64_t, 3>>& values) {
    BatchBuilder b(schema);
    for (const auto& v : values) {
      for (int c = 0; c < 3; ++c) b.column(c)->Append<int64_t>(v[static_cast<size_t>(c)]);
    }
    return b.Finish();
  };
  TopNOptions o;
  o.input_schema = schema;
  o.order = {{1, true, false}};
  o.limit = 1;
  o.emit_rank = true;
  o.append_only_input = false;
  auto op = MakeTopN(o);
  ASSERT_NE(op, nullptr);
  LineSink out;
  ASSERT_TRUE(op->ApplyChanges(
                    0, {rows({{1, 2, 2}, {2, 1, 1}}), {ChangeOp::kInsert, ChangeOp::kInsert}}, &out)
                  .ok());
  EXPECT_EQ(out.Take(), (Lines{"+I | 1 | 2 | 2 | 1"}));
  ASSERT_TRUE(op->ApplyChanges(0,
                               {rows({{1, 2, 2}, {1, 4, 4}, {2, 1, 1}, {2, 2, 2}}),
                                {ChangeOp::kUpdateBefore, ChangeOp::kUpdateAfter,
                                 ChangeOp::kUpdateBefore, ChangeOp::kUpdateAfter}},
                               &out)
                  .ok());
  EXPECT_EQ(out.Take(), (Lines{"-D | 1 | 2 | 2 | 1", "+I | 2 | 1 | 1 | 1", "-U | 2 | 1 | 1 | 1",
                               "+U | 1 | 4 | 4 | 1"}));
  EXPECT_EQ(op->stored_rows(), 2);
  // And the next batch still sees the right top row.
  ASSERT_TRUE(op->ApplyChanges(0, {rows({{1, 4, 4}}), {ChangeOp::kDelete}}, &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D | 1 | 4 | 4 | 1", "+I | 2 | 2 | 2 | 1"}));
}

TEST(TopNTest, RetractingOneOfIdenticalRowsRemovesTheEarliest) {
  TopNOptions o = PoiOptions(3, false, true);
  o.append_only_input = false;
  auto op = MakeTopN(o);
  LineSink out;
  ASSERT_TRUE(op->Apply(*PoiRows({{"a", 5, 1}, {"a", 5, 2}, {"a", 5, 1}}), &out).ok());
  out.Take();
  ASSERT_TRUE(op->ApplyChanges(0, Changes({{"a", 5, 1}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D | a | 5 | 1 | 1", "-U | a | 5 | 2 | 2", "+U | a | 5 | 2 | 1",
                               "-U | a | 5 | 1 | 3", "+U | a | 5 | 1 | 2"}));
}

TEST(TopNTest, AppendOnlyInputRefusesRetractionsBeforeChangingState) {
  auto op = MakeTopN(PoiOptions(1, false, false));
  LineSink out;
  Status st = op->ApplyChanges(
      0, Changes({{"a", 1, 1}, {"a", 1, 1}}, {ChangeOp::kInsert, ChangeOp::kDelete}), &out);
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented) << st.ToString();
  EXPECT_NE(st.message().find("append-only"), std::string::npos) << st.ToString();
  EXPECT_EQ(op->num_partitions(), 0);
  // +I/+U only is fine.
  ASSERT_TRUE(op->ApplyChanges(0, Changes({{"a", 1, 1}}, {ChangeOp::kUpdateAfter}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"+I | a | 1 | 1"}));
  // A batch of another shape is a planner bug.
  BatchBuilder b(MakeSchema({{"x", DataType::Int64()}}));
  b.column(0)->Append<int64_t>(1);
  st = op->Apply(*b.Finish(), &out);
  EXPECT_EQ(st.code(), StatusCode::kInternal) << st.ToString();
  warehouse::ChangeBatch bad = Changes({{"a", 1, 1}}, {});
  EXPECT_EQ(op->ApplyChanges(0, bad, &out).code(), StatusCode::kInvalid);
  bad = Changes({{"b", 1, 1}}, {static_cast<ChangeOp>(9)});
  st = op->ApplyChanges(0, bad, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("change op code 9 in row 0"), std::string::npos) << st.ToString();
  EXPECT_EQ(op->num_partitions(), 1);
  EXPECT_TRUE(out.lines.empty());
}

TEST(TopNTest, MakeRefusesBadOptions) {
  auto expect_invalid = [](TopNOptions o, const std::string& text) {
    auto r = TopN::Make(std::move(o));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
    EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status().ToString();
  };
  TopNOptions o = PoiOptions(0, false, false);
  expect_invalid(o, "at least 1, got 0");
  o = PoiOptions(1, false, false);
  o.order.clear();
  expect_invalid(o, "at least one key");
  o = PoiOptions(1, false, false);
  o.order[0].column = 3;
  expect_invalid(o, "order key column 3 is out of range");
  o = PoiOptions(1, false, false);
  o.partition_keys = {-1};
  expect_invalid(o, "partition key column -1");
  o = PoiOptions(1, false, true);
  o.rank_name = "ID";
  expect_invalid(o, "'ID' has the name of an input column");
  o = PoiOptions(1, false, false);
  o.input_schema = nullptr;
  expect_invalid(o, "no input schema");
}

// One column of every order key type, one row per id; ranks read off the final state.
TEST(TopNTest, EveryOrderKeyTypeSorts) {
  struct Case {
    DataType type;
    std::vector<Value> values;  // in the expected ascending order (NULLS LAST)
  };
  const std::vector<Case> cases = {
      {DataType::Boolean(), {Value::Boolean(false), Value::Boolean(true), Value()}},
      {DataType::Int32(), {Value::Int32(-5), Value::Int32(0), Value::Int32(7)}},
      {DataType::Int64(),
       {Value::Int64(INT64_MIN), Value::Int64(-1), Value::Int64(INT64_MAX), Value()}},
      {DataType::Double(),
       {Value::Double(-INFINITY), Value::Double(-2.5), Value::Double(-0.0), Value::Double(1e-300),
        Value::Double(INFINITY), Value::Double(NAN)}},
      {DataType::Decimal(10, 2), {Value::Decimal(-150, 10, 2), Value::Decimal(99, 10, 2)}},
      {DataType::Varchar(),
       {Value::Varchar(""), Value::Varchar("abcdefgh"), Value::Varchar("abcdefgh\x01"),
        Value::Varchar("abcdefghz"), Value::Varchar("b"), Value::Varchar("\xff")}},
      {DataType::Timestamp(), {Value::Timestamp(-1), Value::Timestamp(5)}},
      {DataType::Date(), {Value::Date(-365), Value::Date(19000)}},
      {DataType::Interval(),
       {Value::FromInterval({0, -1, 0}), Value::FromInterval({0, 29, 0}),
        Value::FromInterval({1, 0, 1}), Value::FromInterval({0, 30, 2}),
        Value::FromInterval({100000000, 0, 0})}},
  };
  for (const Case& c : cases) {
    for (const bool desc : {false, true}) {
      SchemaPtr schema = MakeSchema({{"k", c.type}, {"id", DataType::Int64()}});
      TopNOptions o;
      o.input_schema = schema;
      o.order = {{0, desc, desc}};  // NULLS last ascending, first descending: reversed
      o.limit = 100;
      o.emit_rank = true;
      auto op = MakeTopN(o);
      BatchBuilder b(schema);
      const int64_t n = static_cast<int64_t>(c.values.size());
      std::vector<int64_t> order(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = n - 1 - i;
      std::rotate(order.begin(), order.begin() + n / 2, order.end());  // not sorted either way
      for (const int64_t id : order) {
        AppendValue(b.column(0), c.values[static_cast<size_t>(id)]);
        b.column(1)->Append<int64_t>(id);
      }
      struct Final final : ChangeSink {
        Status Emit(const warehouse::ChangeBatch& ch) override {
          for (int64_t r = 0; r < ch.rows->num_rows(); ++r) {
            const int64_t rn = ch.rows->column(2).Get<int64_t>(r);
            if (warehouse::IsRemoval(ch.ops[static_cast<size_t>(r)])) {
              by_rank.erase(rn);
            } else {
              by_rank[rn] = ch.rows->column(1).Get<int64_t>(r);
            }
          }
          return Status::OK();
        }
        std::map<int64_t, int64_t> by_rank;
      } out;
      ASSERT_TRUE(op->Apply(*b.Finish(), &out).ok());
      std::vector<int64_t> got;
      for (const auto& [rn, id] : out.by_rank) got.push_back(id);
      std::vector<int64_t> want(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) want[static_cast<size_t>(i)] = desc ? n - 1 - i : i;
      EXPECT_EQ(got, want) << c.type.ToString() << (desc ? " DESC" : " ASC");
    }
  }
}

// --- randomized: the applied changelog equals a brute-force ROW_NUMBER() ---

struct RandRow {
  std::optional<int64_t> p, o1;
  std::optional<std::string> o2;
  std::optional<double> o3;
  int64_t id = 0;
  bool Identical(const RandRow& r) const {
    if (p != r.p || o1 != r.o1 || o2 != r.o2 || id != r.id || o3.has_value() != r.o3.has_value()) {
      return false;
    }
    return !o3 || std::memcmp(&*o3, &*r.o3, sizeof(double)) == 0;
  }
};

SchemaPtr RandSchema() {
  return MakeSchema({{"p", DataType::Int64()},
                     {"o1", DataType::Int64()},
                     {"o2", DataType::Varchar()},
                     {"o3", DataType::Double()},
                     {"id", DataType::Int64()}});
}

RecordBatchPtr RandBatch(const std::vector<RandRow>& rows) {
  BatchBuilder b(RandSchema());
  for (const RandRow& r : rows) {
    r.p ? b.column(0)->Append<int64_t>(*r.p) : b.column(0)->AppendNull();
    r.o1 ? b.column(1)->Append<int64_t>(*r.o1) : b.column(1)->AppendNull();
    r.o2 ? b.column(2)->AppendString(*r.o2) : b.column(2)->AppendNull();
    r.o3 ? b.column(3)->Append<double>(*r.o3) : b.column(3)->AppendNull();
    b.column(4)->Append<int64_t>(r.id);
  }
  return b.Finish();
}

std::string RowText(const RecordBatch& b, int64_t r, int columns) {
  std::string out;
  for (int c = 0; c < columns; ++c) out += (c ? " | " : "") + FormatCell(b.column(c), r);
  return out;
}

// SQL order of one key: NULLs per nulls_first, DOUBLE -0 = 0 and NaN largest.
int CompareKey(const RandRow& a, const RandRow& b, const TopNOptions::Order& o) {
  auto cmp_values = [&]() -> int {
    switch (o.column) {
      case 1:
        return (*a.o1 > *b.o1) - (*a.o1 < *b.o1);
      case 2: {
        const int c = a.o2->compare(*b.o2);
        return (c > 0) - (c < 0);
      }
      default: {
        const double x = *a.o3, y = *b.o3;
        if (std::isnan(x) || std::isnan(y)) return std::isnan(x) - std::isnan(y);
        return (x > y) - (x < y);
      }
    }
  };
  const bool an = o.column == 1 ? !a.o1 : o.column == 2 ? !a.o2 : !a.o3;
  const bool bn = o.column == 1 ? !b.o1 : o.column == 2 ? !b.o2 : !b.o3;
  if (an || bn) return an == bn ? 0 : (an == o.nulls_first ? -1 : 1);
  const int c = cmp_values();
  return o.descending ? -c : c;
}

// Applies a changelog, checking that every removal names the row it removes.
class FinalState final : public ChangeSink {
 public:
  explicit FinalState(bool rank) : rank_(rank) {}
  Status Emit(const warehouse::ChangeBatch& c) override {
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      const std::string row = RowText(*c.rows, r, c.rows->num_columns());
      const bool removal = warehouse::IsRemoval(c.ops[static_cast<size_t>(r)]);
      if (rank_) {
        const std::string key =
            FormatCell(c.rows->column(0), r) + "#" + FormatCell(c.rows->column(5), r);
        if (removal) {
          auto it = by_key.find(key);
          if (it == by_key.end() || it->second != row)
            return Status::Internal("bad removal " + row);
          by_key.erase(it);
        } else {
          by_key[key] = row;
        }
      } else if (removal) {
        auto it = rows.find(row);
        if (it == rows.end()) return Status::Internal("removal of an absent row " + row);
        rows.erase(it);
      } else {
        rows.insert(row);
      }
    }
    return Status::OK();
  }
  bool rank_;
  std::map<std::string, std::string> by_key;
  std::multiset<std::string> rows;
};

// Brute force: stable sort per partition (ties keep arrival order), first N.
void ExpectRowNumberState(const TopNOptions& o, const std::vector<RandRow>& live,
                          const FinalState& state) {
  std::vector<RandRow> sorted = live;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const RandRow& a, const RandRow& b) {
    if (!o.partition_keys.empty() && a.p != b.p) return a.p < b.p;
    for (const TopNOptions::Order& k : o.order) {
      const int c = CompareKey(a, b, k);
      if (c != 0) return c < 0;
    }
    return false;
  });
  RecordBatchPtr expected = RandBatch(sorted);
  std::map<std::string, std::string> want_by_key;
  std::multiset<std::string> want_rows;
  int64_t rank = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const bool same = i > 0 && (o.partition_keys.empty() || sorted[i].p == sorted[i - 1].p);
    rank = same ? rank + 1 : 1;
    if (rank > o.limit) continue;
    const int64_t r = static_cast<int64_t>(i);
    std::string row = RowText(*expected, r, 5);
    if (o.emit_rank) {
      want_by_key[FormatCell(expected->column(0), r) + "#" + std::to_string(rank)] =
          row + " | " + std::to_string(rank);
    } else {
      want_rows.insert(row);
    }
  }
  if (o.emit_rank) {
    EXPECT_EQ(state.by_key, want_by_key);
  } else {
    EXPECT_EQ(state.rows, want_rows);
  }
}

void RunRandomCase(std::mt19937_64& rng, int case_index, int64_t num_ops) {
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  TopNOptions o;
  o.input_schema = RandSchema();
  const int64_t limits[] = {1, 2, 3, 5};
  o.limit = limits[pick(4)];
  o.emit_rank = pick(2) == 1;
  o.append_only_input = pick(2) == 1;
  if (pick(4) != 0) o.partition_keys = {0};
  std::vector<int> cols = {1, 2, 3};
  std::shuffle(cols.begin(), cols.end(), rng);
  cols.resize(static_cast<size_t>(1 + pick(3)));
  for (const int c : cols) o.order.push_back({c, pick(2) == 1, pick(2) == 1});
  const std::string what = "case " + std::to_string(case_index) + ": limit " +
                           std::to_string(o.limit) + (o.emit_rank ? " rn" : "") +
                           (o.append_only_input ? " append-only" : " retract") + " order on " +
                           std::to_string(cols.size()) + " keys";
  SCOPED_TRACE(what);
  auto op = MakeTopN(o);
  ASSERT_NE(op, nullptr);

  const std::vector<std::optional<std::string>> strings = {
      std::nullopt, "", "a", "abcdefgh", "abcdefghi", "abcdefghj", "\xff"};
  const std::vector<std::optional<double>> doubles = {std::nullopt, -1.5, -0.0, 0.0, 2.25, NAN};
  std::vector<RandRow> live;  // arrival order
  int64_t next_id = 0;
  int64_t ignored = 0;
  FinalState state(o.emit_rank);
  for (int64_t done = 0; done < num_ops;) {
    const int64_t n = std::min<int64_t>(1 + pick(40), num_ops - done);
    std::vector<RandRow> rows;
    std::vector<ChangeOp> ops;
    for (int64_t i = 0; i < n; ++i) {
      RandRow r;
      if (!o.append_only_input && !live.empty() && pick(10) < 3) {
        if (pick(7) != 0) {
          r = live[static_cast<size_t>(pick(static_cast<int64_t>(live.size())))];
        } else {
          r.p = pick(4);
          r.id = -1 - pick(5);  // never inserted
        }
        auto it = std::find_if(live.begin(), live.end(),
                               [&](const RandRow& x) { return x.Identical(r); });
        if (it == live.end()) {
          ++ignored;
        } else {
          live.erase(it);
        }
        ops.push_back(pick(2) ? ChangeOp::kDelete : ChangeOp::kUpdateBefore);
      } else {
        if (!live.empty() && pick(10) == 0) {
          r = live[static_cast<size_t>(pick(static_cast<int64_t>(live.size())))];  // a duplicate
        } else {
          if (pick(8) != 0) r.p = pick(4);
          if (pick(8) != 0) r.o1 = pick(5);
          r.o2 = strings[static_cast<size_t>(pick(static_cast<int64_t>(strings.size())))];
          r.o3 = doubles[static_cast<size_t>(pick(static_cast<int64_t>(doubles.size())))];
          r.id = next_id++;
        }
        live.push_back(r);
        ops.push_back(pick(2) ? ChangeOp::kInsert : ChangeOp::kUpdateAfter);
      }
      rows.push_back(std::move(r));
    }
    done += n;
    Status st = o.append_only_input && pick(2)
                    ? op->Apply(*RandBatch(rows), &state)
                    : op->ApplyChanges(0, {RandBatch(rows), ops}, &state);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  EXPECT_EQ(op->ignored_retractions(), ignored);
  if (o.append_only_input) {
    EXPECT_LE(op->stored_rows(), op->num_partitions() * o.limit);
  }

  ExpectRowNumberState(o, live, state);
}

TEST(TopNTest, RandomChangelogsEqualBruteForceRowNumber) {
  std::mt19937_64 rng(20261124);
  for (int c = 0; c < 60; ++c) RunRandomCase(rng, c, 300);
  // Long runs: storage churn (rows pushed out, retracted) triggers compaction.
  for (int c = 60; c < 66; ++c) RunRandomCase(rng, c, 6000);
}

// Retractable input whose batches mix, within ONE batch and one partition: inserts,
// updates (-U old / +U new of the same partition, as an aggregate upstream emits them),
// retractions of rows inserted earlier in the same batch, of older rows, of unknown rows,
// and identical duplicates. Few partitions and a small key domain make ties and top-N
// churn frequent. The applied changelog is checked against the brute force after EVERY
// batch (a wrong intermediate state is a wrong changelog even if a later batch hides it).
void RunMixedBatchCase(std::mt19937_64& rng, int64_t limit, bool emit_rank, bool partitioned,
                       int seed, int num_batches = 40) {
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  TopNOptions o;
  o.input_schema = RandSchema();
  o.limit = limit;
  o.emit_rank = emit_rank;
  o.append_only_input = false;
  if (partitioned) o.partition_keys = {0};
  o.order.push_back({1, pick(2) == 1, pick(2) == 1});
  if (pick(2) == 1) o.order.push_back({2, pick(2) == 1, pick(2) == 1});
  SCOPED_TRACE("mixed batches: limit " + std::to_string(limit) + (emit_rank ? " rn" : "") +
               (partitioned ? " partitioned" : " global") + " seed " + std::to_string(seed) +
               " order on " + std::to_string(o.order.size()) + " keys");
  auto op = MakeTopN(o);
  ASSERT_NE(op, nullptr);

  const std::vector<std::optional<std::string>> strings = {std::nullopt, "a", "abcdefghi",
                                                           "abcdefghj"};
  std::vector<RandRow> live;  // arrival order
  int64_t next_id = 0;
  int64_t ignored = 0;
  int64_t inserted = 0;
  FinalState state(emit_rank);
  auto new_row = [&](std::optional<int64_t> p) {
    RandRow r;
    r.p = p;
    if (pick(10) != 0) r.o1 = pick(4);
    r.o2 = strings[static_cast<size_t>(pick(static_cast<int64_t>(strings.size())))];
    r.id = next_id++;
    return r;
  };
  auto remove_live = [&](const RandRow& r) {
    auto it =
        std::find_if(live.begin(), live.end(), [&](const RandRow& x) { return x.Identical(r); });
    if (it == live.end()) {
      ++ignored;
    } else {
      live.erase(it);
    }
  };
  for (int batch = 0; batch < num_batches; ++batch) {
    std::vector<RandRow> rows;
    std::vector<ChangeOp> ops;
    std::vector<RandRow> batch_inserted;  // inserted by this batch (maybe retracted since)
    const int64_t n = 1 + pick(16);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t what = pick(12);
      auto add = [&](RandRow r, ChangeOp op) {
        if (warehouse::IsRemoval(op)) {
          remove_live(r);
        } else {
          live.push_back(r);
          batch_inserted.push_back(r);
          ++inserted;
        }
        rows.push_back(std::move(r));
        ops.push_back(op);
      };
      const std::optional<int64_t> p = partitioned ? std::optional<int64_t>(pick(2)) : 0;
      if (what < 4 || live.empty()) {  // a new row
        add(new_row(p), pick(2) ? ChangeOp::kInsert : ChangeOp::kUpdateAfter);
      } else if (what < 7) {  // an update: -U a live row, +U its new version
        const RandRow old =
            pick(2) == 1 && !batch_inserted.empty()
                ? batch_inserted[static_cast<size_t>(
                      pick(static_cast<int64_t>(batch_inserted.size())))]
                : live[static_cast<size_t>(pick(static_cast<int64_t>(live.size())))];
        RandRow updated = old;
        updated.o1 = pick(4);
        if (pick(3) == 0) updated.o2 = strings[static_cast<size_t>(pick(4))];
        add(old, ChangeOp::kUpdateBefore);
        add(updated, ChangeOp::kUpdateAfter);
      } else if (what < 9 && !batch_inserted.empty()) {  // retract a row of this batch
        add(batch_inserted[static_cast<size_t>(pick(static_cast<int64_t>(batch_inserted.size())))],
            pick(2) ? ChangeOp::kDelete : ChangeOp::kUpdateBefore);
      } else if (what < 11) {  // retract an older (or this batch's) live row
        add(live[static_cast<size_t>(pick(static_cast<int64_t>(live.size())))],
            pick(2) ? ChangeOp::kDelete : ChangeOp::kUpdateBefore);
      } else if (pick(2) == 0) {  // an identical duplicate of a live row
        add(live[static_cast<size_t>(pick(static_cast<int64_t>(live.size())))], ChangeOp::kInsert);
      } else {  // a row TopN never saw
        RandRow r = new_row(p);
        r.id = -1 - r.id;
        add(r, ChangeOp::kDelete);
      }
    }
    Status st = op->ApplyChanges(0, {RandBatch(rows), ops}, &state);
    ASSERT_TRUE(st.ok()) << "batch " << batch << ": " << st.ToString();
    ExpectRowNumberState(o, live, state);
    ASSERT_FALSE(::testing::Test::HasFailure()) << "after batch " << batch;
  }
  EXPECT_EQ(op->ignored_retractions(), ignored);
  EXPECT_EQ(op->stored_rows(), static_cast<int64_t>(live.size()));
  if (num_batches > 40) {
    EXPECT_LT(static_cast<int64_t>(op->state().alive.size()), inserted) << "no compaction ran";
  }
}

TEST(TopNTest, RandomMixedBatchesEqualBruteForceRowNumberAfterEveryBatch) {
  std::mt19937_64 rng(1124);
  for (int64_t limit = 1; limit <= 5; ++limit) {
    for (const bool emit_rank : {false, true}) {
      for (const bool partitioned : {false, true}) {
        for (int seed = 0; seed < 8; ++seed) {
          RunMixedBatchCase(rng, limit, emit_rank, partitioned, seed);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
  // Long runs: rows retracted and updated within batches pile up dead rows until
  // compaction renumbers the slots.
  for (const bool emit_rank : {false, true}) {
    RunMixedBatchCase(rng, 3, emit_rank, true, 100, 500);
  }
}

// Rows pushed out or retracted leave dead rows in storage; compaction must keep every
// partition's references right.
TEST(TopNTest, CompactionKeepsEveryPartitionIntact) {
  for (const bool append_only : {true, false}) {
    TopNOptions o;
    o.input_schema = RandSchema();
    o.partition_keys = {0};
    o.order = {{1, true, false}, {2, false, false}};
    o.limit = 3;
    o.emit_rank = true;
    o.append_only_input = append_only;
    auto op = MakeTopN(o);
    FinalState state(true);
    std::vector<RandRow> live;
    std::vector<RandRow> all;
    for (int64_t batch = 0; batch < 60; ++batch) {
      std::vector<RandRow> rows;
      for (int64_t i = batch * 100; i < batch * 100 + 100; ++i) {
        RandRow r;
        r.p = i % 3;
        r.o1 = i / 7;
        r.o2 = std::string(static_cast<size_t>(i % 13), 'x');
        r.id = i;
        rows.push_back(r);
      }
      live.insert(live.end(), rows.begin(), rows.end());
      ASSERT_TRUE(op->Apply(*RandBatch(rows), &state).ok());
    }
    if (append_only) {
      EXPECT_EQ(op->stored_rows(), 9);
    } else {
      // Retract all but the oldest 60 rows, newest first.
      for (int64_t batch = 0; batch < 60; ++batch) {
        std::vector<RandRow> rows(live.end() - 99, live.end());
        std::reverse(rows.begin(), rows.end());
        live.resize(live.size() - 99);
        ASSERT_TRUE(op->ApplyChanges(
                          0,
                          {RandBatch(rows), std::vector<ChangeOp>(rows.size(), ChangeOp::kDelete)},
                          &state)
                        .ok());
      }
      EXPECT_EQ(op->stored_rows(), 60);
    }
    ExpectRowNumberState(o, live, state);
  }
}

}  // namespace
}  // namespace sluice::stream
