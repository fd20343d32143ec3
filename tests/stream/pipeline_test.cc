#include "stream/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/time.h"
#include "stream/bad_record_log.h"
#include "stream/list_source.h"

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

// ---- idle sources ----

SchemaPtr TimedSchema() { return MakeSchema({{"id", DataType::Int64()}, {"ts", DataType::Timestamp()}}); }

// Records the watermarks it is given.
class WatermarkRecorder : public StreamOperator {
 public:
  WatermarkRecorder(std::vector<int64_t>* seen, std::atomic<int>* calls)
      : seen_(seen), calls_(calls), schema_(TimedSchema()) {}
  const SchemaPtr& output_schema() const override { return schema_; }
  Status Apply(const RecordBatch&, ChangeSink*) override { return Status::OK(); }
  Status OnWatermark(int64_t watermark, ChangeSink*) override {
    seen_->push_back(watermark);
    calls_->fetch_add(1);
    return Status::OK();
  }
  Status Finish(ChangeSink*) override { return Status::OK(); }

 private:
  std::vector<int64_t>* seen_;
  std::atomic<int>* calls_;
  SchemaPtr schema_;
};

RecordBatchPtr TimedBatch(const std::vector<std::optional<int64_t>>& ts) {
  BatchBuilder b(TimedSchema());
  for (size_t i = 0; i < ts.size(); ++i) {
    b.column(0)->Append<int64_t>(static_cast<int64_t>(i));
    if (ts[i]) {
      b.column(1)->Append<int64_t>(*ts[i]);
    } else {
      b.column(1)->AppendNull();
    }
  }
  return b.Finish();
}

// Runs a pipeline over `batches` with an idle timeout of `idle_us` until `want`
// watermarks were recorded (at most 20 s), then `linger_ms` more; returns them.
std::vector<int64_t> IdleWatermarks(std::vector<RecordBatchPtr> batches, int64_t idle_us, int want,
                                    int linger_ms) {
  std::vector<int64_t> seen;
  std::atomic<int> calls{0};
  PipelineSpec spec;
  spec.name = "idle";
  spec.source = std::make_unique<testing::ListSource>(TimedSchema(), std::move(batches),
                                                     connectors::ReadState::kIdle);
  spec.watermark_columns = {1};
  spec.idle_timeout_us = idle_us;
  PipelineQuery q;
  q.name = "q";
  q.location = "streams/q.sql:1:1";
  q.op = std::make_unique<WatermarkRecorder>(&seen, &calls);
  spec.queries.push_back(std::move(q));
  PipelineOptions options;
  options.idle_sleep_us = 1000;
  std::atomic<bool> stop{false};
  connectors::ConnectorContext ctx;
  ctx.stop = &stop;
  Pipeline p(std::move(spec), options);
  EXPECT_TRUE(p.Open(ctx, nullptr).ok());
  Status result;
  std::thread runner([&] { result = p.Run(); });
  // `seen` is written by the runner; read it only after stopping.
  for (int i = 0; i < 2000 && calls.load() < want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(linger_ms));
  stop = true;
  runner.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  return seen;
}

TEST(PipelineTest, AnIdleSourceAdvancesTheWatermarkToItsNewestEventOnce) {
  const int64_t t0 = 1'700'000'000'000'000;  // in the past: not capped by the wall clock
  std::vector<RecordBatchPtr> batches = {TimedBatch({t0 + 5, std::nullopt, t0 + 9}), TimedBatch({t0 + 7})};
  // 20 ms idle timeout: one advance (not one per idle poll), to the newest event time
  // (NULLs are no event time).
  EXPECT_EQ(IdleWatermarks(batches, 20'000, 1, 200), (std::vector<int64_t>{t0 + 9}));
  // Without an idle timeout the watermark stays where the data left it.
  EXPECT_TRUE(IdleWatermarks(batches, 0, 0, 100).empty());
  // Event times in the future are capped at the wall clock.
  const int64_t future = NowMicros() + int64_t{3600} * 1'000'000;
  std::vector<int64_t> capped = IdleWatermarks({TimedBatch({future})}, 20'000, 1, 200);
  ASSERT_EQ(capped.size(), 1u);
  EXPECT_LT(capped[0], future);
  EXPECT_GT(capped[0], future - int64_t{7200} * 1'000'000);
  // A source that never gave a timestamp advances nothing.
  EXPECT_TRUE(IdleWatermarks({TimedBatch({std::nullopt})}, 20'000, 0, 100).empty());
}

// The bad rows of a batch are found by halving: the good rows go on in order, in few
// parts, and each bad row is reported once, in order.
TEST(IsolateBadRowsTest, HalvesDownToTheBadRowsKeepingOrder) {
  RecordBatchPtr input = MakeBatch(0, 1000);
  const std::vector<int64_t> bad_ids = {0, 3, 500, 501, 999};
  auto is_bad = [&](int64_t id) {
    return std::find(bad_ids.begin(), bad_ids.end(), id) != bad_ids.end();
  };
  std::vector<int64_t> applied, reported;
  int calls = 0;
  Status st = IsolateBadRows(
      *input,
      [&](const RecordBatchPtr& part, int64_t first) -> Status {
        ++calls;
        EXPECT_EQ(part->column(0).Get<int64_t>(0), first);  // row ids are row numbers
        for (int64_t r = 0; r < part->num_rows(); ++r) {
          if (is_bad(part->column(0).Get<int64_t>(r))) return Status::Invalid("bad row");
        }
        for (int64_t r = 0; r < part->num_rows(); ++r) applied.push_back(part->column(0).Get<int64_t>(r));
        return Status::OK();
      },
      [&](const RecordBatchPtr& one, int64_t at, const Status& error) {
        EXPECT_EQ(one->num_rows(), 1);
        EXPECT_EQ(one->column(0).Get<int64_t>(0), at);
        EXPECT_EQ(error.message(), "bad row");
        reported.push_back(at);
      });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(reported, bad_ids);
  ASSERT_EQ(applied.size(), 995u);
  EXPECT_TRUE(std::is_sorted(applied.begin(), applied.end()));
  EXPECT_LT(calls, 120);  // row by row would be 1000
}

TEST(IsolateBadRowsTest, AnotherErrorStopsAndIsReturned) {
  RecordBatchPtr input = MakeBatch(0, 64);
  int64_t reported = 0;
  Status st = IsolateBadRows(
      *input,
      [&](const RecordBatchPtr& part, int64_t first) -> Status {
        if (first >= 32) return Status::IOError("sink went away");
        return part->num_rows() == 1 ? Status::Invalid("bad") : Status::Invalid("some bad");
      },
      [&](const RecordBatchPtr&, int64_t, const Status&) { ++reported; });
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(reported, 32);  // rows 0..31 each bad, then the second half stops it
  // An empty or one-row batch.
  EXPECT_TRUE(IsolateBadRows(*MakeBatch(0, 0), [](const RecordBatchPtr&, int64_t) { return Status::Invalid("x"); },
                             [&](const RecordBatchPtr&, int64_t, const Status&) { ++reported; })
                  .ok());
  EXPECT_EQ(reported, 32);
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
