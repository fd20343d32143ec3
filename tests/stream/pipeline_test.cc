#include "stream/pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "stream/bad_record_log.h"

namespace sluice::stream {
namespace {

SchemaPtr TestSchema() {
  return MakeSchema({{"id", DataType::Int64()}, {"v", DataType::Varchar()}});
}

RecordBatchPtr MakeBatch(int64_t first, int64_t n) {
  BatchBuilder b(TestSchema());
  for (int64_t i = first; i < first + n; ++i) {
    b.column(0)->Append<int64_t>(i);
    b.column(1)->AppendString("row" + std::to_string(i));
  }
  return b.Finish();
}

// An in-memory source of prepared batches (optionally failing after them).
class VectorSource : public connectors::Source {
 public:
  VectorSource(std::vector<RecordBatchPtr> batches, bool fail_at_end = false)
      : batches_(std::move(batches)), fail_at_end_(fail_at_end) {
    streams_.push_back({"", TestSchema()});
  }
  const std::vector<connectors::StreamInfo>& streams() const override { return streams_; }
  Status Open(const connectors::ConnectorContext&) override { return Status::OK(); }
  Status Seek(const connectors::Position&) override { return Status::OK(); }
  Result<connectors::ReadState> Next(std::vector<connectors::SourceBatch>* out, int64_t) override {
    if (next_ == batches_.size()) {
      if (fail_at_end_) return Status::IOError("disk on fire");
      return connectors::ReadState::kEnd;
    }
    out->push_back({0, batches_[next_++]});
    return connectors::ReadState::kData;
  }
  connectors::Position CurrentPosition() const override {
    connectors::Position p;
    p.Set("", static_cast<int64_t>(next_));
    return p;
  }
  Status Close() override {
    closed = true;
    return Status::OK();
  }
  bool closed = false;

 private:
  std::vector<connectors::StreamInfo> streams_;
  std::vector<RecordBatchPtr> batches_;
  size_t next_ = 0;
  bool fail_at_end_;
};

struct SinkLog {
  std::vector<int64_t> ids;
  int flushes = 0;
  bool opened = false, closed = false;
};

class CollectSink : public connectors::Sink {
 public:
  explicit CollectSink(SinkLog* log) : log_(log) {}
  Status Open(const connectors::ConnectorContext&, const SchemaPtr&) override {
    log_->opened = true;
    return Status::OK();
  }
  Status Write(const RecordBatch& b) override {
    for (int64_t r = 0; r < b.num_rows(); ++r) log_->ids.push_back(b.column(0).Get<int64_t>(r));
    return Status::OK();
  }
  Status Flush() override {
    ++log_->flushes;
    return Status::OK();
  }
  Status Close() override {
    log_->closed = true;
    return Status::OK();
  }

 private:
  SinkLog* log_;
};

// Passes batches through, but fails any batch containing id 13.
class PickyTransform : public BatchTransform {
 public:
  PickyTransform() : schema_(TestSchema()) {}
  const SchemaPtr& output_schema() const override { return schema_; }
  Result<RecordBatchPtr> Apply(const RecordBatch& in) override {
    for (int64_t r = 0; r < in.num_rows(); ++r) {
      if (in.column(0).Get<int64_t>(r) == 13) return Status::Invalid("13 is unlucky");
    }
    return MakeBatch(in.column(0).Get<int64_t>(0), in.num_rows());
  }

 private:
  SchemaPtr schema_;
};

PipelineSpec MakeSpec(std::unique_ptr<connectors::Source> source, SinkLog* log) {
  PipelineSpec spec;
  spec.name = "test";
  spec.source = std::move(source);
  PipelineQuery q;
  q.name = "q";
  q.location = "streams/q.sql:1:1";
  q.transform = std::make_unique<PickyTransform>();
  spec.queries.push_back(std::move(q));
  spec.sinks.push_back({"out", std::make_unique<CollectSink>(log), TestSchema()});
  return spec;
}

TEST(PipelineTest, RunsToEndAndClosesEverything) {
  SinkLog log;
  auto src = std::make_unique<VectorSource>(std::vector<RecordBatchPtr>{MakeBatch(0, 10), MakeBatch(20, 5)});
  VectorSource* raw = src.get();
  Pipeline p(MakeSpec(std::move(src), &log), {});
  ASSERT_TRUE(p.Open({}, nullptr).ok());
  ASSERT_TRUE(p.Run().ok());
  EXPECT_EQ(log.ids.size(), 15u);
  EXPECT_EQ(p.stats().records_in.load(), 15);
  EXPECT_EQ(p.stats().records_out.load(), 15);
  EXPECT_TRUE(p.stats().finished.load());
  EXPECT_TRUE(log.opened);
  EXPECT_TRUE(log.closed);
  EXPECT_TRUE(raw->closed);
}

TEST(PipelineTest, MaxEventsCutsTheLastBatch) {
  SinkLog log;
  PipelineOptions opts;
  opts.max_events = 12;
  Pipeline p(MakeSpec(std::make_unique<VectorSource>(std::vector<RecordBatchPtr>{
                          MakeBatch(0, 10), MakeBatch(100, 10), MakeBatch(200, 10)}),
                      &log),
             opts);
  ASSERT_TRUE(p.Open({}, nullptr).ok());
  ASSERT_TRUE(p.Run().ok());
  ASSERT_EQ(log.ids.size(), 12u);
  EXPECT_EQ(log.ids.back(), 101);
  EXPECT_EQ(p.stats().records_in.load(), 12);
}

TEST(PipelineTest, RowsAQueryCannotEvaluateBecomeBadRecords) {
  SinkLog log;
  const auto dir = std::filesystem::temp_directory_path() / ("sluice-pipeline-" + std::to_string(getpid()));
  auto bad = BadRecordLog::Open((dir / "bad.ndjson").string());
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  Pipeline p(MakeSpec(std::make_unique<VectorSource>(std::vector<RecordBatchPtr>{MakeBatch(10, 5)}), &log), {});
  ASSERT_TRUE(p.Open({}, bad->get()).ok());
  ASSERT_TRUE(p.Run().ok());
  EXPECT_EQ(log.ids, (std::vector<int64_t>{10, 11, 12, 14}));
  EXPECT_EQ(p.stats().bad_records.load(), 1);
  EXPECT_EQ((*bad)->count(), 1);
  (*bad)->Flush();
  std::ifstream in(dir / "bad.ndjson");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"location\":\"streams/q.sql:1:1\""), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("13 is unlucky"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("id=13, v=row13"), std::string::npos) << text.str();
  std::filesystem::remove_all(dir);
}

TEST(PipelineTest, SourceFailureStopsWithErrorAfterFlushingWhatItHad) {
  SinkLog log;
  Pipeline p(MakeSpec(std::make_unique<VectorSource>(std::vector<RecordBatchPtr>{MakeBatch(0, 3)}, true), &log), {});
  ASSERT_TRUE(p.Open({}, nullptr).ok());
  Status st = p.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("source 'test' failed"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("disk on fire"), std::string::npos);
  EXPECT_EQ(log.ids.size(), 3u);
  EXPECT_TRUE(log.closed);
}

TEST(PipelineTest, StopFlagEndsTheRun) {
  SinkLog log;
  std::atomic<bool> stop{true};
  connectors::ConnectorContext ctx;
  ctx.stop = &stop;
  Pipeline p(MakeSpec(std::make_unique<VectorSource>(std::vector<RecordBatchPtr>{MakeBatch(0, 3)}), &log), {});
  ASSERT_TRUE(p.Open(ctx, nullptr).ok());
  ASSERT_TRUE(p.Run().ok());
  EXPECT_TRUE(log.ids.empty());
  EXPECT_TRUE(log.closed);
}

TEST(SliceBatchTest, CopiesTheRange) {
  RecordBatchPtr b = MakeBatch(0, 10);
  RecordBatchPtr s = SliceBatch(*b, 3, 4);
  EXPECT_EQ(s->num_rows(), 4);
  EXPECT_EQ(s->column(0).Get<int64_t>(0), 3);
  EXPECT_EQ(s->column(1).GetString(3), "row6");
}

}  // namespace
}  // namespace sluice::stream
