// WindowAggregate inside a Pipeline: late rows are counted in sluice_late_records_total
// and written to the bad-record log with reason "late", never dropped silently; the end
// of input closes every window; closed windows free their state.
#include "stream/window_aggregate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/time.h"
#include "observe/metrics.h"
#include "sql/sql.h"
#include "stream/bad_record_log.h"
#include "stream/list_source.h"
#include "stream/pipeline.h"

namespace sluice::stream {
namespace {

SchemaPtr Clicks() { return MakeSchema({{"k", DataType::Varchar()}, {"ts", DataType::Timestamp()}}); }

class ClickCatalog final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override { return name == "c" ? Clicks() : nullptr; }
  std::vector<std::string> TableNames() const override { return {"c"}; }
};

std::unique_ptr<WindowAggregate> MakeWindow(const std::string& sql, int64_t delay) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  auto q = sql::CompileSelectQuery(**select, ClickCatalog(), sql, "q.sql");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return std::make_unique<WindowAggregate>(std::move(q->aggregate), delay);
}

RecordBatchPtr Rows(const std::vector<std::pair<std::string, std::string>>& rows) {
  BatchBuilder b(Clicks());
  for (const auto& [k, ts] : rows) {
    b.column(0)->AppendString(k);
    int64_t t = 0;
    EXPECT_TRUE(ParseTimestamp(ts, &t));
    b.column(1)->Append<int64_t>(t);
  }
  return b.Finish();
}

using testing::ListSource;

class CountingSink final : public connectors::Sink {
 public:
  explicit CountingSink(int64_t* rows) : rows_(rows) {}
  Status Open(const connectors::ConnectorContext&, const SchemaPtr&) override { return Status::OK(); }
  Status Write(const RecordBatch& b) override {
    *rows_ += b.num_rows();
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }

 private:
  int64_t* rows_;
};

TEST(WindowAggregateTest, LateRowsAreCountedAndKeptInTheBadRecordLog) {
  const auto dir = std::filesystem::temp_directory_path() / ("sluice-window-" + std::to_string(getpid()));
  auto bad = BadRecordLog::Open((dir / "bad.ndjson").string());
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  observe::MetricsRegistry metrics;
  int64_t out_rows = 0;
  PipelineSpec spec;
  spec.name = "c";
  spec.source = std::make_unique<ListSource>(Clicks(), std::vector<RecordBatchPtr>{
      Rows({{"a", "2024-01-01 00:00:01"}, {"a", "2024-01-01 00:01:30"}}),
      Rows({{"late", "2024-01-01 00:00:59"}, {"b", "2024-01-01 00:01:40"}})});
  PipelineQuery q;
  q.name = "per_minute";
  q.location = "streams/q.sql:1:1";
  auto op = MakeWindow("SELECT window_start, count(*) AS n FROM TUMBLE(c, ts, INTERVAL '1' MINUTE) "
                       "GROUP BY window_start EMIT ON WINDOW CLOSE",
                       0);
  SchemaPtr schema = op->output_schema();
  q.op = std::move(op);
  spec.queries.push_back(std::move(q));
  spec.sinks.push_back({"out", std::make_unique<CountingSink>(&out_rows), schema});
  Pipeline p(std::move(spec), {});
  connectors::ConnectorContext ctx;
  ctx.metrics = &metrics;
  ASSERT_TRUE(p.Open(ctx, bad->get()).ok());
  ASSERT_TRUE(p.Run().ok());
  EXPECT_EQ(out_rows, 2);  // [00:00, 00:01) with 1 row, [00:01, 00:02) with 2 (at the end)
  EXPECT_EQ(p.stats().bad_records.load(), 1);
  (*bad)->Flush();
  std::ifstream in(dir / "bad.ndjson");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("late: window [2024-01-01 00:00:00, 2024-01-01 00:01:00) closed at "
                            "watermark 2024-01-01 00:01:30 (event time 2024-01-01 00:00:59)"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("k=late"), std::string::npos) << text.str();
  const std::string prom = metrics.RenderPrometheus();
  EXPECT_NE(prom.find("sluice_late_records_total{operator=\"per_minute\",pipeline=\"c\"} 1"),
            std::string::npos)
      << prom;
  std::filesystem::remove_all(dir);
}

TEST(WindowAggregateTest, ClosedWindowsFreeTheirStateAndWatermarksOnlyAdvance) {
  auto op = MakeWindow("SELECT window_start, k, count(*) AS n FROM TUMBLE(c, ts, INTERVAL '10' SECOND) "
                       "GROUP BY window_start, k",
                       2000000);
  struct Null final : ChangeSink {
    Status Emit(const warehouse::ChangeBatch& c) override {
      rows += c.rows->num_rows();
      return Status::OK();
    }
    int64_t rows = 0;
  } out;
  ASSERT_TRUE(op->Apply(*Rows({{"a", "2024-01-01 00:00:01"}, {"a", "2024-01-01 00:00:25"}}), &out).ok());
  EXPECT_EQ(op->open_windows(), 1u) << "the watermark :23 closed [:00, :10) after the batch";
  EXPECT_EQ(out.rows, 2);  // +I per window
  ASSERT_TRUE(op->Apply(*Rows({{"a", "2024-01-01 00:00:26"}, {"b", "2024-01-01 00:00:35"}}), &out).ok());
  EXPECT_EQ(op->open_windows(), 1u) << "the watermark :33 closed [:20, :30); [:30, :40) is open";
  int64_t t = 0;
  ASSERT_TRUE(ParseTimestamp("2024-01-01 00:00:33", &t));
  EXPECT_EQ(op->watermark(), t);
  ASSERT_TRUE(op->OnWatermark(t - 5000000, &out).ok());  // going back is ignored
  EXPECT_EQ(op->watermark(), t);
  ASSERT_TRUE(op->Finish(&out).ok());
  EXPECT_EQ(op->open_windows(), 0u);
}

}  // namespace
}  // namespace sluice::stream
