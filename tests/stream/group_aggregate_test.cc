// GroupAggregate inside a Pipeline: changes reach a sink that applies them, rows that
// fail to evaluate become bad records without touching the state, and a global
// aggregate's row is emitted at the end of an empty input.
#include "stream/group_aggregate.h"

#include <gtest/gtest.h>

#include "sql/sql.h"
#include "stream/list_source.h"
#include "stream/pipeline.h"

namespace sluice::stream {
namespace {

SchemaPtr InputSchema() { return MakeSchema({{"id", DataType::Int64()}, {"v", DataType::Varchar()}}); }

class OneTable final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return name == "t" ? InputSchema() : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"t"}; }
};

std::unique_ptr<GroupAggregate> MakeAggregate(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  auto q = sql::CompileSelectQuery(**select, OneTable(), sql, "q.sql");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_TRUE(q->aggregate != nullptr);
  return std::make_unique<GroupAggregate>(std::move(q->aggregate));
}

RecordBatchPtr Rows(const std::vector<std::pair<int64_t, std::string>>& rows) {
  BatchBuilder b(InputSchema());
  for (const auto& [id, v] : rows) {
    b.column(0)->Append<int64_t>(id);
    b.column(1)->AppendString(v);
  }
  return b.Finish();
}

using testing::ListSource;

// Records changes as "op | row" lines; optionally only appends.
class ChangeLogSink final : public connectors::Sink {
 public:
  ChangeLogSink(std::vector<std::string>* lines, bool accepts) : lines_(lines), accepts_(accepts) {}
  Status Open(const connectors::ConnectorContext&, const SchemaPtr&) override { return Status::OK(); }
  Status Write(const RecordBatch& b) override {
    for (int64_t r = 0; r < b.num_rows(); ++r) lines_->push_back("rows | " + Row(b, r));
    return Status::OK();
  }
  bool AcceptsChanges() const override { return accepts_; }
  Status WriteChanges(const warehouse::ChangeBatch& c) override {
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      lines_->push_back(std::string(warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)])) +
                        " | " + Row(*c.rows, r));
    }
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }

 private:
  static std::string Row(const RecordBatch& b, int64_t r) {
    std::string out;
    for (int c = 0; c < b.num_columns(); ++c) out += (c ? " | " : "") + FormatCell(b.column(c), r);
    return out;
  }
  std::vector<std::string>* lines_;
  bool accepts_;
};

PipelineSpec Spec(std::vector<RecordBatchPtr> batches, std::unique_ptr<GroupAggregate> op,
                  std::vector<std::string>* lines, bool accepts) {
  PipelineSpec spec;
  spec.name = "t";
  spec.source = std::make_unique<ListSource>(InputSchema(), std::move(batches));
  PipelineQuery q;
  q.name = "agg";
  q.location = "streams/q.sql:1:1";
  SchemaPtr schema = op->output_schema();
  q.op = std::move(op);
  spec.queries.push_back(std::move(q));
  spec.sinks.push_back({"out", std::make_unique<ChangeLogSink>(lines, accepts), schema});
  return spec;
}

TEST(GroupAggregateTest, BadRowsAreIsolatedAndLeaveTheStateAlone) {
  std::vector<std::string> lines;
  auto op = MakeAggregate("SELECT v, count(*) AS n, sum(CAST(v AS BIGINT)) AS s FROM t GROUP BY v");
  Pipeline p(Spec({Rows({{1, "1"}, {2, "2"}, {3, "x"}}), Rows({{4, "1"}})}, std::move(op), &lines,
                  true),
             {});
  ASSERT_TRUE(p.Open({}, nullptr).ok());
  ASSERT_TRUE(p.Run().ok());
  EXPECT_EQ(p.stats().bad_records.load(), 1);
  // The failing batch is replayed row by row: each good row is one change.
  EXPECT_EQ(lines, (std::vector<std::string>{"+I | 1 | 1 | 1", "+I | 2 | 1 | 2",
                                             "-U | 1 | 1 | 1", "+U | 1 | 2 | 2"}));
}

TEST(GroupAggregateTest, AGlobalAggregateEmitsItsRowAtTheEndOfAnEmptyInput) {
  std::vector<std::string> lines;
  Pipeline p(Spec({}, MakeAggregate("SELECT count(*) AS n, max(v) AS m FROM t"), &lines, false), {});
  ASSERT_TRUE(p.Open({}, nullptr).ok());
  ASSERT_TRUE(p.Run().ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"rows | 0 | NULL"}));
}

TEST(GroupAggregateTest, AnAppendOnlySinkRefusesUpdates) {
  std::vector<std::string> lines;
  Pipeline p(Spec({Rows({{1, "a"}}), Rows({{2, "a"}})},
                  MakeAggregate("SELECT v, count(*) FROM t GROUP BY v"), &lines, false),
             {});
  ASSERT_TRUE(p.Open({}, nullptr).ok());
  Status st = p.Run();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("which only appends"), std::string::npos) << st.ToString();
}

TEST(GroupAggregateTest, ManyGroupsSurviveRehashing) {
  auto op = MakeAggregate("SELECT id % 1000 AS k, count(*) AS n FROM t GROUP BY id % 1000");
  struct Count final : ChangeSink {
    Status Emit(const warehouse::ChangeBatch& c) override {
      for (auto o : c.ops) ops[static_cast<int>(o)]++;
      return Status::OK();
    }
    int ops[4] = {0, 0, 0, 0};
  } out;
  std::vector<std::pair<int64_t, std::string>> rows;
  for (int64_t i = 0; i < 5000; ++i) rows.push_back({i, "x"});
  ASSERT_TRUE(op->Apply(*Rows(rows), &out).ok());
  ASSERT_TRUE(op->Apply(*Rows(rows), &out).ok());
  EXPECT_EQ(op->num_groups(), 1000);
  EXPECT_EQ(out.ops[0], 1000);  // +I once per group
  EXPECT_EQ(out.ops[1], 1000);  // -U and +U once per group for the second batch
  EXPECT_EQ(out.ops[2], 1000);
}

}  // namespace
}  // namespace sluice::stream
