// HashJoin driven directly with hand-built batches on both ports: inner and left joins
// with interleaved arrivals and retractions, NULL keys, duplicates, residual filtering,
// interval-join bounds and state cleanup, late rows, window-join expiry, skewed keys.
#include "stream/hash_join.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "core/value.h"
#include "sql/binder.h"
#include "sql/join_condition.h"
#include "sql/parser.h"
#include "stream/state_codec.h"
#include "stream/state_test_util.h"

namespace sluice::stream {
namespace {

using warehouse::ChangeOp;
constexpr int64_t kSecond = 1000 * 1000;

// l: k BIGINT, lv VARCHAR, lts TIMESTAMP;  r: k BIGINT, rv VARCHAR, rts TIMESTAMP
SchemaPtr LeftSchema() {
  return MakeSchema({{"k", DataType::Int64()}, {"lv", DataType::Varchar()}, {"lts", DataType::Timestamp()}});
}
SchemaPtr RightSchema() {
  return MakeSchema({{"k", DataType::Int64()}, {"rv", DataType::Varchar()}, {"rts", DataType::Timestamp()}});
}

struct Row {
  std::optional<int64_t> k;
  std::string v;
  int64_t ts_s = 0;  // seconds
};

RecordBatchPtr Rows(const SchemaPtr& schema, const std::vector<Row>& rows) {
  BatchBuilder b(schema);
  for (const Row& r : rows) {
    if (r.k) {
      b.column(0)->Append<int64_t>(*r.k);
    } else {
      b.column(0)->AppendNull();
    }
    b.column(1)->AppendString(r.v);
    b.column(2)->Append<int64_t>(r.ts_s * kSecond);
  }
  return b.Finish();
}

warehouse::ChangeBatch Changes(const SchemaPtr& schema, const std::vector<Row>& rows,
                               std::vector<ChangeOp> ops) {
  return warehouse::ChangeBatch{Rows(schema, rows), std::move(ops)};
}

// Keeps every change as "+I 1|a|1|x" (timestamps as seconds), or only counts them.
class Collect final : public ChangeSink {
 public:
  explicit Collect(bool keep = true) : keep_(keep) {}
  Status Emit(const warehouse::ChangeBatch& c) override {
    count += c.rows->num_rows();
    if (!keep_) return Status::OK();
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      std::string line = warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)]);
      for (int col = 0; col < c.rows->num_columns(); ++col) {
        const Column& x = c.rows->column(col);
        std::string cell;
        if (x.IsNull(r)) {
          cell = "N";
        } else if (x.type().id == TypeId::kTimestamp) {
          cell = std::to_string(x.Get<int64_t>(r) / kSecond);
        } else {
          cell = FormatCell(x, r);
        }
        line += (col == 0 ? " " : "|") + cell;
      }
      lines.push_back(line);
    }
    return Status::OK();
  }
  std::vector<std::string> Take() { return std::exchange(lines, {}); }
  std::vector<std::string> lines;
  int64_t count = 0;

 private:
  bool keep_;
};

using Lines = std::vector<std::string>;

HashJoinOptions KeyJoin(sql::JoinType type) {
  HashJoinOptions o;
  o.type = type;
  o.left_keys = {0};
  o.right_keys = {0};
  o.left_schema = LeftSchema();
  o.right_schema = RightSchema();
  return o;
}

// Options from an ON condition over l and r, through the analysis.
HashJoinOptions FromOn(const std::string& on, sql::JoinType type, int64_t delay_s = 0) {
  HashJoinOptions o = testing::JoinOptionsFromOn(on, type, LeftSchema(), RightSchema());
  o.watermark_delay_us = delay_s * kSecond;
  return o;
}

std::unique_ptr<HashJoin> Make(HashJoinOptions o) {
  sql::ErrorContext ctx{"", "q.sql"};
  auto j = HashJoin::Make(std::move(o), ctx);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  return std::move(*j);
}

void L(HashJoin* j, const std::vector<Row>& rows, Collect* out) {
  ASSERT_TRUE(j->ApplyInput(0, *Rows(LeftSchema(), rows), out).ok());
}
void R(HashJoin* j, const std::vector<Row>& rows, Collect* out) {
  ASSERT_TRUE(j->ApplyInput(1, *Rows(RightSchema(), rows), out).ok());
}

TEST(HashJoinTest, InnerJoinWithInterleavedArrivalsEmitsOnlyInserts) {
  auto j = Make(KeyJoin(sql::JoinType::kInner));
  EXPECT_EQ(j->num_inputs(), 2);
  EXPECT_EQ(j->output_schema()->num_fields(), 6);
  Collect out;
  L(j.get(), {{1, "a"}}, &out);
  EXPECT_TRUE(out.Take().empty());
  R(j.get(), {{1, "x"}, {2, "y"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|0|1|x|0"}));
  L(j.get(), {{2, "b"}, {1, "c"}, {3, "d"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 2|b|0|2|y|0", "+I 1|c|0|1|x|0"}));
  R(j.get(), {{1, "z"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|0|1|z|0", "+I 1|c|0|1|z|0"}));
  EXPECT_EQ(j->state_rows(0), 4);
  EXPECT_EQ(j->state_rows(1), 3);
  ASSERT_TRUE(j->Finish(&out).ok());
  EXPECT_TRUE(out.Take().empty());
}

TEST(HashJoinTest, RetractionsOnEachSideRetractJoinedRows) {
  auto j = Make(KeyJoin(sql::JoinType::kInner));
  Collect out;
  L(j.get(), {{1, "a"}, {1, "b"}}, &out);
  R(j.get(), {{1, "x"}}, &out);
  out.Take();
  // An update of the right row: -U then +U in one batch, on the same key.
  ASSERT_TRUE(j->ApplyChanges(1, Changes(RightSchema(), {{1, "x"}, {1, "x2"}},
                                         {ChangeOp::kUpdateBefore, ChangeOp::kUpdateAfter}),
                              &out)
                  .ok());
  EXPECT_EQ(out.Take(), (Lines{"-D 1|a|0|1|x|0", "-D 1|b|0|1|x|0", "+I 1|a|0|1|x2|0",
                               "+I 1|b|0|1|x2|0"}));
  ASSERT_TRUE(j->ApplyChanges(0, Changes(LeftSchema(), {{1, "b"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D 1|b|0|1|x2|0"}));
  EXPECT_EQ(j->state_rows(0), 1);
  EXPECT_EQ(j->state_rows(1), 1);
  // A retraction of a row that is not there is refused, not silently dropped.
  ASSERT_TRUE(j->ApplyChanges(0, Changes(LeftSchema(), {{1, "nope"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_TRUE(out.Take().empty());
  RefusedRows refused = j->TakeRefusedRows();
  ASSERT_NE(refused.rows, nullptr);
  EXPECT_EQ(refused.rows->num_rows(), 1);
  ASSERT_EQ(refused.reasons.size(), 1u);
  EXPECT_EQ(refused.reasons[0].rfind("late: no identical row", 0), 0u) << refused.reasons[0];
}

TEST(HashJoinTest, LeftJoinPadsThenReplacesThePaddedRow) {
  auto j = Make(KeyJoin(sql::JoinType::kLeft));
  EXPECT_TRUE(j->output_schema()->field(3).nullable);
  Collect out;
  L(j.get(), {{1, "a"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|0|N|N|N"}));
  R(j.get(), {{1, "x"}, {1, "y"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"-D 1|a|0|N|N|N", "+I 1|a|0|1|x|0", "+I 1|a|0|1|y|0"}));
  L(j.get(), {{1, "b"}}, &out);  // arrives with matches: no padded row
  EXPECT_EQ(out.Take(), (Lines{"+I 1|b|0|1|x|0", "+I 1|b|0|1|y|0"}));
  ASSERT_TRUE(j->ApplyChanges(1, Changes(RightSchema(), {{1, "x"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D 1|a|0|1|x|0", "-D 1|b|0|1|x|0"}));
  ASSERT_TRUE(j->ApplyChanges(1, Changes(RightSchema(), {{1, "y"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D 1|a|0|1|y|0", "+I 1|a|0|N|N|N", "-D 1|b|0|1|y|0",
                               "+I 1|b|0|N|N|N"}));
  ASSERT_TRUE(j->ApplyChanges(0, Changes(LeftSchema(), {{1, "a"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D 1|a|0|N|N|N"}));
}

TEST(HashJoinTest, NullKeysNeverMatch) {
  auto inner = Make(KeyJoin(sql::JoinType::kInner));
  Collect out;
  L(inner.get(), {{std::nullopt, "a"}}, &out);
  R(inner.get(), {{std::nullopt, "x"}}, &out);
  EXPECT_TRUE(out.Take().empty());
  EXPECT_EQ(inner->state_rows(0) + inner->state_rows(1), 0);

  auto left = Make(KeyJoin(sql::JoinType::kLeft));
  R(left.get(), {{std::nullopt, "x"}}, &out);
  L(left.get(), {{std::nullopt, "a"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I N|a|0|N|N|N"}));
  ASSERT_TRUE(
      left->ApplyChanges(0, Changes(LeftSchema(), {{std::nullopt, "a"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D N|a|0|N|N|N"}));
  EXPECT_EQ(left->TakeRefusedRows().rows, nullptr);
}

TEST(HashJoinTest, DuplicateRowsAreAMultiset) {
  auto j = Make(KeyJoin(sql::JoinType::kInner));
  Collect out;
  L(j.get(), {{1, "a"}, {1, "a"}}, &out);
  R(j.get(), {{1, "x"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|0|1|x|0", "+I 1|a|0|1|x|0"}));
  ASSERT_TRUE(j->ApplyChanges(0, Changes(LeftSchema(), {{1, "a"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D 1|a|0|1|x|0"}));
  EXPECT_EQ(j->state_rows(0), 1);
  R(j.get(), {{1, "y"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|0|1|y|0"}));
}

TEST(HashJoinTest, ResidualFiltersCandidatesAndCountsAsNoMatchForLeftJoins) {
  auto j = Make(FromOn("l.k = r.k AND l.lv < r.rv", sql::JoinType::kLeft));
  Collect out;
  L(j.get(), {{1, "m"}}, &out);
  R(j.get(), {{1, "a"}, {1, "z"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|m|0|N|N|N", "-D 1|m|0|N|N|N", "+I 1|m|0|1|z|0"}));
  L(j.get(), {{1, "zz"}}, &out);  // matches neither
  EXPECT_EQ(out.Take(), (Lines{"+I 1|zz|0|N|N|N"}));
  ASSERT_TRUE(j->ApplyChanges(1, Changes(RightSchema(), {{1, "z"}}, {ChangeOp::kDelete}), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"-D 1|m|0|1|z|0", "+I 1|m|0|N|N|N"}));
}

TEST(HashJoinTest, AResidualRuntimeErrorIsInvalidAndLeavesTheStateAlone) {
  auto j = Make(FromOn("l.k = r.k AND CAST(r.rv AS BIGINT) > 0", sql::JoinType::kInner));
  Collect out;
  L(j.get(), {{1, "a"}}, &out);
  Status st = j->ApplyInput(1, *Rows(RightSchema(), {{1, "x"}}), &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalid) << st.ToString();
  EXPECT_NE(st.message().find("q.sql"), std::string::npos) << st.ToString();
  EXPECT_EQ(j->state_rows(1), 0);
  EXPECT_TRUE(out.Take().empty());
  R(j.get(), {{1, "5"}, {1, "-5"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|0|1|5|0"}));
}

TEST(HashJoinTest, IntervalJoinMatchesWithinBoundsAndDropsState) {
  auto j = Make(FromOn("l.k = r.k AND r.rts BETWEEN l.lts AND l.lts + INTERVAL '10' SECOND",
                       sql::JoinType::kInner));
  Collect out;
  L(j.get(), {{1, "a", 0}}, &out);
  R(j.get(), {{1, "x", 5}, {1, "y", 11}, {1, "w", -1}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|0|1|x|5"}));
  EXPECT_EQ(j->watermark(), 0);  // min(left max 0, right max 11)
  L(j.get(), {{1, "b", 30}}, &out);
  R(j.get(), {{1, "z", 21}}, &out);  // b.lts - 9s: out of bounds
  EXPECT_TRUE(out.Take().empty());
  // Watermark 21s: a (0 + 10 < 21) and x, y, w (rts <= 21 - 0) can no longer match.
  EXPECT_EQ(j->watermark(), 21 * kSecond);
  EXPECT_EQ(j->state_rows(0), 1);
  EXPECT_EQ(j->state_rows(1), 1);
  // Late: rows behind the watermark (21s), whose partners may have left the state: a left
  // row whose window [5, 15] has passed, a left row at 15s (its window [15, 25] is still
  // open, but right rows in [15, 21) could already be gone), a right row at 20s.
  L(j.get(), {{1, "late", 5}, {1, "c", 15}, {1, "d", 22}}, &out);
  R(j.get(), {{1, "late", 20}, {1, "v", 25}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|d|22|1|v|25"}));
  RefusedRows refused = j->TakeRefusedRows();
  ASSERT_NE(refused.rows, nullptr);
  EXPECT_EQ(refused.rows->num_rows(), 3);
  ASSERT_EQ(refused.reasons.size(), 3u);
  for (const std::string& r : refused.reasons) EXPECT_EQ(r.rfind("late", 0), 0u) << r;
  ASSERT_TRUE(j->OnWatermark(100 * kSecond, &out).ok());
  EXPECT_EQ(j->state_rows(0) + j->state_rows(1), 0);
  EXPECT_TRUE(out.Take().empty());
}

TEST(HashJoinTest, IntervalJoinWithoutKeysAndNullTimes) {
  HashJoinOptions o = FromOn("r.rts BETWEEN l.lts - INTERVAL '2' SECOND AND l.lts", sql::JoinType::kLeft, 1);
  auto j = Make(std::move(o));
  Collect out;
  R(j.get(), {{1, "x", 9}, {2, "y", 3}}, &out);
  L(j.get(), {{7, "a", 10}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 7|a|10|1|x|9"}));
  BatchBuilder b(LeftSchema());
  b.column(0)->Append<int64_t>(1);
  b.column(1)->AppendString("nulltime");
  b.column(2)->AppendNull();
  ASSERT_TRUE(j->ApplyInput(0, *b.Finish(), &out).ok());
  EXPECT_TRUE(out.Take().empty());  // refused, even in a LEFT join
  RefusedRows refused = j->TakeRefusedRows();
  ASSERT_EQ(refused.reasons.size(), 1u);
  EXPECT_NE(refused.reasons[0].find("is NULL"), std::string::npos);
}

TEST(HashJoinTest, WindowJoinDropsRowsAtWindowEnd) {
  HashJoinOptions o = KeyJoin(sql::JoinType::kInner);
  o.left_expiry = 2;  // lts plays window_end here
  o.right_expiry = 2;
  auto j = Make(std::move(o));
  Collect out;
  L(j.get(), {{1, "a", 10}, {2, "b", 20}}, &out);
  R(j.get(), {{1, "x", 10}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|10|1|x|10"}));
  ASSERT_TRUE(j->OnWatermark(10 * kSecond, &out).ok());
  EXPECT_EQ(j->state_rows(0), 1);  // b stays until 20s
  EXPECT_EQ(j->state_rows(1), 0);
  R(j.get(), {{1, "late", 10}, {2, "y", 20}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 2|b|20|2|y|20"}));
  RefusedRows refused = j->TakeRefusedRows();
  ASSERT_EQ(refused.reasons.size(), 1u);
  EXPECT_EQ(refused.reasons[0].rfind("late", 0), 0u);
  ASSERT_TRUE(j->OnWatermark(5 * kSecond, &out).ok());  // smaller: ignored
  EXPECT_EQ(j->watermark(), 10 * kSecond);
}

TEST(HashJoinTest, WindowJoinWatermarkFollowsTheEventTimeOfBothPorts) {
  HashJoinOptions o = KeyJoin(sql::JoinType::kLeft);
  o.left_expiry = o.right_expiry = 2;
  o.left_event_time = o.right_event_time = 2;
  o.watermark_delay_us = 5 * kSecond;
  auto j = Make(std::move(o));
  Collect out;
  L(j.get(), {{1, "a", 10}, {2, "b", 30}}, &out);
  EXPECT_EQ(j->watermark(), INT64_MIN);  // the right port has not spoken yet
  R(j.get(), {{3, "x", 20}}, &out);
  EXPECT_EQ(j->watermark(), 15 * kSecond);  // min(30, 20) - 5
  EXPECT_EQ(j->state_rows(0), 1);           // a (ends at 10) is gone
  EXPECT_EQ(out.Take(), (Lines{"+I 1|a|10|N|N|N", "+I 2|b|30|N|N|N"}));
}

TEST(HashJoinTest, SkewedKeyOutputIsTheProduct) {
  constexpr int kRows = 10000;
  HashJoinOptions o;
  o.left_keys = {0};
  o.right_keys = {0};
  o.left_schema = MakeSchema({{"k", DataType::Int64()}, {"a", DataType::Int64()}});
  o.right_schema = MakeSchema({{"k", DataType::Int64()}, {"b", DataType::Int64()}});
  auto j = Make(std::move(o));
  auto batch = [](int64_t key_base) {
    BatchBuilder b(MakeSchema({{"k", DataType::Int64()}, {"v", DataType::Int64()}}));
    for (int i = 0; i < kRows; ++i) {
      b.column(0)->Append<int64_t>(i % 2 == 0 ? 7 : key_base + i);  // half on key 7
      b.column(1)->Append<int64_t>(i);
    }
    return b.Finish();
  };
  Collect out(/*keep=*/false);
  ASSERT_TRUE(j->ApplyInput(0, *batch(100000), &out).ok());
  ASSERT_TRUE(j->ApplyInput(1, *batch(200000), &out).ok());
  EXPECT_EQ(out.count, int64_t{kRows / 2} * (kRows / 2));
  EXPECT_EQ(j->state_rows(0), kRows);
}

TEST(HashJoinTest, CompactionKeepsMatchesRight) {
  auto j = Make(KeyJoin(sql::JoinType::kInner));
  Collect out;
  std::vector<Row> rows;
  for (int i = 0; i < 5000; ++i) rows.push_back({i % 1000, "v" + std::to_string(i)});
  L(j.get(), rows, &out);
  std::vector<Row> gone(rows.begin(), rows.begin() + 4000);
  ASSERT_TRUE(j->ApplyChanges(0, Changes(LeftSchema(), gone, std::vector<ChangeOp>(4000, ChangeOp::kDelete)),
                              &out)
                  .ok());
  EXPECT_EQ(j->state_rows(0), 1000);
  EXPECT_LT(j->state().left.slots(), 5000);  // compacted
  R(j.get(), {{5, "x"}}, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 5|v4005|0|5|x|0"}));
}

TEST(HashJoinTest, MixedKeyTypesCompareByValue) {
  HashJoinOptions o;
  o.left_keys = {0, 1, 2};
  o.right_keys = {0, 1, 2};
  o.left_schema = MakeSchema({{"k", DataType::Int32()}, {"d", DataType::Double()}, {"s", DataType::Varchar()}});
  o.right_schema = MakeSchema({{"k", DataType::Int64()}, {"d", DataType::Double()}, {"s", DataType::Varchar()}});
  auto j = Make(std::move(o));
  BatchBuilder l(MakeSchema({{"k", DataType::Int32()}, {"d", DataType::Double()}, {"s", DataType::Varchar()}}));
  l.column(0)->Append<int32_t>(-3);
  l.column(1)->Append<double>(-0.0);
  l.column(2)->AppendString("ab");
  l.column(0)->Append<int32_t>(-3);
  l.column(1)->Append<double>(0.0);
  l.column(2)->AppendString("a");  // "a" + "b..." must not collide with "ab"
  BatchBuilder r(MakeSchema({{"k", DataType::Int64()}, {"d", DataType::Double()}, {"s", DataType::Varchar()}}));
  r.column(0)->Append<int64_t>(-3);
  r.column(1)->Append<double>(0.0);
  r.column(2)->AppendString("ab");
  Collect out;
  ASSERT_TRUE(j->ApplyInput(0, *l.Finish(), &out).ok());
  ASSERT_TRUE(j->ApplyInput(1, *r.Finish(), &out).ok());
  EXPECT_EQ(out.Take(), (Lines{"+I -3|-0|ab|-3|0|ab"}));
}

TEST(HashJoinTest, BadInputIsRefusedClearly) {
  HashJoinOptions o = KeyJoin(sql::JoinType::kInner);
  o.right_schema = MakeSchema({{"k", DataType::Varchar()}});
  sql::ErrorContext ctx{"", "q.sql"};
  auto bad = HashJoin::Make(std::move(o), ctx);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CAST one side"), std::string::npos) << bad.status().ToString();

  auto j = Make(KeyJoin(sql::JoinType::kInner));
  Collect out;
  Status st = j->ApplyInput(1, *Rows(MakeSchema({{"k", DataType::Int64()}, {"rv", DataType::Varchar()},
                                                 {"rts", DataType::Int64()}}),
                                     {{1, "x"}}),
                            &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("rts"), std::string::npos) << st.ToString();
  EXPECT_EQ(j->ApplyInput(2, *Rows(LeftSchema(), {{1, "a"}}), &out).code(), StatusCode::kInternal);
}

// Options joining l.lv = r.rv (VARCHAR keys) with `residual` bound as written: not
// analysed into keys or time bounds.
HashJoinOptions VarcharKeyWithResidual(const std::string& residual, sql::JoinType type) {
  sql::InputRelation in;
  in.table = "l JOIN r";
  std::vector<Field> f = LeftSchema()->fields();
  const SchemaPtr right = RightSchema();
  for (const Field& x : right->fields()) f.push_back(x);
  in.schema = MakeSchema(f);
  in.scopes = {sql::RelationScope{{"l"}, 0, 3}, sql::RelationScope{{"r"}, 3, 3}};
  sql::ErrorContext ctx{residual, "q.sql"};
  auto e = sql::ParseExpression(residual, "q.sql");
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  sql::Binder binder(ctx, in);
  auto bound = binder.BindBoolean(**e, "ON");
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  HashJoinOptions o;
  o.type = type;
  o.left_keys = {1};
  o.right_keys = {1};
  o.residual = std::move(*bound);
  o.left_schema = LeftSchema();
  o.right_schema = RightSchema();
  return o;
}

// Comparisons of two integer/timestamp columns (also `+ INTERVAL '0'`, the form of time
// bounds turned residual) are checked inline while probing; the changelog equals the one
// of an equivalent condition that goes through the vectorized residual, NULLs included,
// for inner and left joins, over random inserts and retractions on both ports.
TEST(HashJoinTest, InlineComparisonsMatchTheVectorizedResidual) {
  const std::string inlined =
      "l.k >= r.k AND r.rts = l.lts + INTERVAL '0' SECOND AND l.k <> 3 + 0 AND l.lv || 'x' <> 'qx'";
  const std::string vectorized =
      "NOT (l.k < r.k) AND r.rts + INTERVAL '1' SECOND = l.lts + INTERVAL '1' SECOND AND "
      "l.k <> 3 + 0 AND l.lv || 'x' <> 'qx'";
  uint64_t seed = 11;
  auto next = [&seed](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((seed >> 33) % n);
  };
  for (const sql::JoinType type : {sql::JoinType::kInner, sql::JoinType::kLeft}) {
    auto a = Make(VarcharKeyWithResidual(inlined, type));
    auto b = Make(VarcharKeyWithResidual(vectorized, type));
    Collect out_a, out_b;
    std::vector<Row> live[2];
    for (int step = 0; step < 300; ++step) {
      const int port = static_cast<int>(next(2));
      std::vector<Row> rows;
      std::vector<ChangeOp> ops;
      for (int i = 0, n = static_cast<int>(next(6)) + 1; i < n; ++i) {
        std::vector<Row>& mine = live[port];
        if (!mine.empty() && next(3) == 0) {
          const size_t at = static_cast<size_t>(next(mine.size()));
          rows.push_back(mine[at]);
          ops.push_back(ChangeOp::kDelete);
          mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(at));
          continue;
        }
        Row r;
        if (next(5) > 0) r.k = next(6);  // else NULL: never TRUE
        r.v = std::string(1, static_cast<char>('p' + next(3)));
        r.ts_s = next(3);
        rows.push_back(r);
        ops.push_back(ChangeOp::kInsert);
        mine.push_back(r);
      }
      const SchemaPtr schema = port == 0 ? LeftSchema() : RightSchema();
      ASSERT_TRUE(a->ApplyChanges(port, Changes(schema, rows, ops), &out_a).ok());
      ASSERT_TRUE(b->ApplyChanges(port, Changes(schema, rows, ops), &out_b).ok());
      ASSERT_EQ(out_a.Take(), out_b.Take()) << "step " << step;
    }
    EXPECT_EQ(a->TakeRefusedRows().rows, nullptr);
  }
}

// Retractions find their stored row among many rows of the same key (through the row
// index), duplicates one copy at a time, also after compaction and after a restore
// (which starts without the index).
TEST(HashJoinTest, RetractionsAmongManyRowsOfOneKey) {
  auto j = Make(KeyJoin(sql::JoinType::kInner));
  Collect out;
  R(j.get(), {{7, "x"}}, &out);
  std::vector<Row> rows;
  for (int i = 0; i < 3000; ++i) rows.push_back({7, "v" + std::to_string(i % 1500)});
  L(j.get(), rows, &out);
  EXPECT_EQ(out.Take().size(), 3000u);
  const auto del = [&](HashJoin* op, int from, int to, Collect* sink) {
    std::vector<Row> gone;
    for (int i = from; i < to; ++i) gone.push_back({7, "v" + std::to_string(i)});
    ASSERT_TRUE(op->ApplyChanges(0, Changes(LeftSchema(), gone,
                                            std::vector<ChangeOp>(gone.size(), ChangeOp::kDelete)),
                                 sink)
                    .ok());
  };
  del(j.get(), 0, 1500, &out);  // one copy of each
  Lines lines = out.Take();
  ASSERT_EQ(lines.size(), 1500u);
  EXPECT_EQ(lines[0], "-D 7|v0|0|7|x|0");
  EXPECT_EQ(lines[1499], "-D 7|v1499|0|7|x|0");
  EXPECT_EQ(j->state_rows(0), 1500);
  del(j.get(), 0, 1000, &out);  // the second copies: compaction
  EXPECT_EQ(out.Take().size(), 1000u);
  EXPECT_EQ(j->state_rows(0), 500);
  EXPECT_LT(j->state().left.slots(), 3000);
  del(j.get(), 1000, 1001, &out);
  EXPECT_EQ(out.Take(), (Lines{"-D 7|v1000|0|7|x|0"}));
  del(j.get(), 0, 1, &out);  // no copy left
  EXPECT_TRUE(out.Take().empty());
  EXPECT_EQ(j->TakeRefusedRows().reasons.size(), 1u);

  StateWriter w;
  ASSERT_TRUE(j->Snapshot(&w).ok());
  const std::string bytes = w.Finish();
  auto restored = Make(KeyJoin(sql::JoinType::kInner));
  auto reader = StateReader::Open(bytes, "snap");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE(restored->Restore(&*reader).ok());
  del(restored.get(), 1001, 1499, &out);
  EXPECT_EQ(out.Take().size(), 498u);
  EXPECT_EQ(restored->state_rows(0), 1);
  L(restored.get(), {{7, "v1499"}}, &out);
  del(restored.get(), 1499, 1500, &out);
  del(restored.get(), 1499, 1500, &out);
  EXPECT_EQ(out.Take(), (Lines{"+I 7|v1499|0|7|x|0", "-D 7|v1499|0|7|x|0", "-D 7|v1499|0|7|x|0"}));
  EXPECT_EQ(restored->state_rows(0), 0);
  EXPECT_EQ(restored->TakeRefusedRows().rows, nullptr);
}

}  // namespace
}  // namespace sluice::stream
