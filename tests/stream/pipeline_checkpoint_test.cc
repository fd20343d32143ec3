// Pipelines with checkpoints into DuckDB: a pipeline that fails at any point (a source
// failure, or a crash between two sinks' commits) and is restarted, possibly several
// times and with different batch sizes, leaves the warehouse tables exactly as a run
// without interruption: no lost and no duplicated effect. Also: a query changed since
// the checkpoint is refused with a clear message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "connectors/warehouse_sink.h"
#include "core/value.h"
#include "sql/plan.h"
#include "sql/sql.h"
#include "stream/pipeline.h"
#include "stream/query_graph.h"
#include "warehouse/duckdb_warehouse.h"

namespace sluice::stream {
namespace {

constexpr int64_t kRows = 1500;
constexpr int64_t kBase = 1700000000000000;

SchemaPtr Events() {
  return MakeSchema({{"k", DataType::Varchar()}, {"v", DataType::Int64()}, {"ts", DataType::Timestamp()}});
}

class EventCatalog final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override { return name == "e" ? Events() : nullptr; }
  std::vector<std::string> TableNames() const override { return {"e"}; }
};

// Rows 0..kRows-1 in chunks of `chunk`; position = the next row. Fails (a crash) when
// asked for batch number `fail_at` (0-based, counted from Open), if >= 0.
class RangeSource final : public connectors::Source {
 public:
  RangeSource(int64_t chunk, int64_t fail_at) : chunk_(chunk), fail_at_(fail_at) {
    streams_.push_back({"", Events()});
  }
  const std::vector<connectors::StreamInfo>& streams() const override { return streams_; }
  Status Open(const connectors::ConnectorContext&) override { return Status::OK(); }
  Status Seek(const connectors::Position& pos) override {
    next_ = pos.OffsetOf("");
    return next_ < 0 ? Status::Invalid("no offset") : Status::OK();
  }
  Result<connectors::ReadState> Next(std::vector<connectors::SourceBatch>* out, int64_t max) override {
    if (next_ >= kRows) return connectors::ReadState::kEnd;
    if (served_++ == fail_at_) return Status::IOError("simulated crash");
    const int64_t n = std::min({chunk_, max, kRows - next_});
    BatchBuilder b(Events());
    for (int64_t i = next_; i < next_ + n; ++i) {
      b.column(0)->AppendString("k" + std::to_string(i * 31 % 13));
      b.column(1)->Append<int64_t>(i % 97 - 20);
      b.column(2)->Append<int64_t>(kBase + i * 100000);
    }
    next_ += n;
    out->push_back({0, b.Finish()});
    return connectors::ReadState::kData;
  }
  connectors::Position CurrentPosition() const override {
    connectors::Position p;
    p.Set("", next_);
    return p;
  }
  Status Close() override { return Status::OK(); }

 private:
  std::vector<connectors::StreamInfo> streams_;
  int64_t chunk_, fail_at_;
  int64_t next_ = 0;
  int64_t served_ = 0;
};

// Forwards to a sink; its `fail_at`-th FlushWithCommit (0-based) fails before committing,
// as a crash between two sinks' commits of one checkpoint would.
class CrashingSink final : public connectors::Sink {
 public:
  CrashingSink(std::unique_ptr<connectors::Sink> inner, int fail_at) : inner_(std::move(inner)), fail_at_(fail_at) {}
  Status Open(const connectors::ConnectorContext& ctx, const SchemaPtr& s) override { return inner_->Open(ctx, s); }
  Status Write(const RecordBatch& b) override { return inner_->Write(b); }
  bool AcceptsChanges() const override { return inner_->AcceptsChanges(); }
  Status WriteChanges(const warehouse::ChangeBatch& c) override { return inner_->WriteChanges(c); }
  Status Flush() override { return inner_->Flush(); }
  Status Close() override { return inner_->Close(); }
  bool SupportsCommit() const override { return inner_->SupportsCommit(); }
  Status FlushWithCommit(const std::string& key, int64_t id, const std::string& pos) override {
    if (commits_++ == fail_at_) return Status::IOError("simulated crash before commit");
    return inner_->FlushWithCommit(key, id, pos);
  }
  Result<int64_t> LastCommittedCheckpoint(const std::string& key) override {
    return inner_->LastCommittedCheckpoint(key);
  }

 private:
  std::unique_ptr<connectors::Sink> inner_;
  int fail_at_;
  int commits_ = 0;
};

std::unique_ptr<QueryGraph> Graph(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  auto plan = sql::PlanQuery(**select, EventCatalog(), sql::PlanOptions{}, sql::ErrorContext{sql, "q.sql"});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  auto g = QueryGraph::Make(*plan, QueryGraphOptions{});
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return std::move(*g);
}

const char* kTotals = "SELECT k, count(*) AS n, sum(v) AS s FROM e GROUP BY k";
const char* kWindows =
    "SELECT window_start, k, count(*) AS n, sum(v) AS s FROM TUMBLE(e, ts, INTERVAL '2' SECOND) "
    "GROUP BY window_start, k EMIT ON WINDOW CLOSE";

struct RunConfig {
  int64_t chunk = 50;
  int64_t source_fail_at = -1;      // batch number
  int totals_commit_fail_at = -1;  // FlushWithCommit call of the `totals` sink
  std::string totals_sql = kTotals;
};

// One `sluice run`: a pipeline over a fresh source writing two tables, checkpointing
// after every batch. Returns Run's status (or Open's).
Status RunOnce(warehouse::Warehouse* wh, const std::string& state_dir, const RunConfig& c) {
  PipelineSpec spec;
  spec.name = "events";
  spec.source = std::make_unique<RangeSource>(c.chunk, c.source_fail_at);
  // The append-only `windows` sink commits first, so a crash before the `totals` commit
  // leaves it one checkpoint ahead (its replayed rows must be dropped, not duplicated).
  for (int i = 0; i < 2; ++i) {
    PipelineQuery q;
    q.name = i == 0 ? "windows" : "totals";
    q.location = "streams/" + q.name + ".sql:1:1";
    q.op = Graph(i == 0 ? kWindows : c.totals_sql);
    q.sink = i;
    SchemaPtr schema = q.op->output_schema();
    std::unique_ptr<connectors::Sink> sink =
        i == 0 ? connectors::NewWarehouseTableSink("windows") : connectors::NewWarehouseTableSink("totals", {"k"});
    if (i == 1) sink = std::make_unique<CrashingSink>(std::move(sink), c.totals_commit_fail_at);
    spec.sinks.push_back({q.name, std::move(sink), schema});
    spec.queries.push_back(std::move(q));
  }
  PipelineOptions options;
  options.checkpoint_interval_us = 1;  // after every batch
  options.flush_interval_us = 1;       // plain flushes must not reach committing sinks
  Pipeline p(std::move(spec), options);
  connectors::ConnectorContext ctx;
  ctx.state_dir = state_dir;
  ctx.warehouse = wh;
  SLUICE_RETURN_NOT_OK(p.Open(ctx, nullptr));
  return p.Run();
}

std::vector<std::string> Table(warehouse::Warehouse* wh, const std::string& sql) {
  auto conn = wh->Connect();
  EXPECT_TRUE(conn.ok());
  auto r = (*conn)->Query(sql);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> lines;
  if (!r.ok()) return lines;
  for (const auto& b : r->batches) {
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      std::string line;
      for (int c = 0; c < b->num_columns(); ++c) line += (c ? " | " : "") + FormatCell(b->column(c), i);
      lines.push_back(line);
    }
  }
  return lines;
}

class PipelineCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sluice-pckpt-" + std::to_string(std::random_device()()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<warehouse::Warehouse> Open(const std::string& name) {
    auto wh = warehouse::OpenDuckDB((dir_ / (name + ".duckdb")).string());
    EXPECT_TRUE(wh.ok()) << wh.status().ToString();
    return std::move(*wh);
  }
  std::string State(const std::string& name) const { return (dir_ / name).string(); }

  struct Result {
    std::vector<std::string> totals, windows, counts;
  };
  static Result Read(warehouse::Warehouse* wh) {
    return {Table(wh, "SELECT k, n, s FROM totals ORDER BY k"),
            Table(wh, "SELECT window_start, k, n, s FROM windows ORDER BY window_start, k"),
            Table(wh, "SELECT count(*), sum(n), sum(s) FROM windows")};
  }

  std::filesystem::path dir_;
};

TEST_F(PipelineCheckpointTest, RestartsAfterCrashesGiveTheUninterruptedResult) {
  auto reference_wh = Open("reference");
  RunConfig reference;
  reference.chunk = 150;
  ASSERT_TRUE(RunOnce(reference_wh.get(), State("reference"), reference).ok());
  const Result expected = Read(reference_wh.get());
  ASSERT_EQ(expected.totals.size(), 13u);
  EXPECT_NE(expected.counts[0].find(" | " + std::to_string(kRows) + " | "), std::string::npos) << expected.counts[0];

  // SLUICE_CRASH_TRIALS / SLUICE_CRASH_SEED run it longer or differently on demand.
  const char* trials_env = std::getenv("SLUICE_CRASH_TRIALS");
  const char* seed_env = std::getenv("SLUICE_CRASH_SEED");
  const int trials = trials_env != nullptr ? std::atoi(trials_env) : 3;
  std::mt19937 rng(seed_env != nullptr ? static_cast<uint32_t>(std::atoll(seed_env)) : 20261124u);
  for (int trial = 0; trial < trials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::string name = "t" + std::to_string(trial);
    auto wh = Open(name);
    // Several crashes of both kinds, each run with its own batch size.
    for (int crash = 0; crash < 3; ++crash) {
      RunConfig c;
      c.chunk = 60 + static_cast<int64_t>(rng() % 100);
      if ((trial + crash) % 2 == 0) {
        c.source_fail_at = static_cast<int64_t>(rng() % 10);
      } else {
        c.totals_commit_fail_at = static_cast<int>(rng() % 10);
      }
      Status st = RunOnce(wh.get(), State(name), c);
      // (A run that reaches the end before its crash point simply finishes.)
      if (!st.ok()) {
        EXPECT_NE(st.message().find("simulated crash"), std::string::npos) << st.message();
      }
    }
    RunConfig last;
    last.chunk = 141;
    Status st = RunOnce(wh.get(), State(name), last);
    ASSERT_TRUE(st.ok()) << st.ToString();
    const Result got = Read(wh.get());
    EXPECT_EQ(got.totals, expected.totals);
    EXPECT_EQ(got.windows, expected.windows);
    EXPECT_EQ(got.counts, expected.counts);
    // A rerun after the end adds nothing.
    ASSERT_TRUE(RunOnce(wh.get(), State(name), last).ok());
    EXPECT_EQ(Read(wh.get()).counts, expected.counts);
  }
}

TEST_F(PipelineCheckpointTest, ACrashBetweenTwoSinksCommitsIsReplayedExactlyOnce) {
  auto reference_wh = Open("reference");
  RunConfig reference;
  reference.chunk = 150;
  ASSERT_TRUE(RunOnce(reference_wh.get(), State("reference"), reference).ok());
  const Result expected = Read(reference_wh.get());
  auto wh = Open("crash");
  RunConfig crash;
  crash.chunk = 32;
  crash.totals_commit_fail_at = 10;  // windows committed checkpoint 11, totals only 10
  ASSERT_FALSE(RunOnce(wh.get(), State("crash"), crash).ok());
  auto conn = wh->Connect();
  ASSERT_TRUE(conn.ok());
  auto totals = (*conn)->LastCommit("events/totals");
  auto windows = (*conn)->LastCommit("events/windows");
  ASSERT_TRUE(totals.ok() && windows.ok());
  ASSERT_TRUE(totals->has_value() && windows->has_value());
  EXPECT_EQ((*windows)->checkpoint_id, (*totals)->checkpoint_id + 1);
  RunConfig resume;
  resume.chunk = 25;  // the replay must still stop exactly at checkpoint 11's row count
  ASSERT_TRUE(RunOnce(wh.get(), State("crash"), resume).ok());
  const Result got = Read(wh.get());
  EXPECT_EQ(got.totals, expected.totals);
  EXPECT_EQ(got.windows, expected.windows);
  EXPECT_EQ(got.counts, expected.counts);
}

TEST_F(PipelineCheckpointTest, AQueryChangedSinceTheCheckpointIsRefused) {
  auto wh = Open("changed");
  RunConfig first;
  first.source_fail_at = 5;
  ASSERT_FALSE(RunOnce(wh.get(), State("changed"), first).ok());
  RunConfig changed;
  changed.totals_sql = "SELECT k, count(*) AS n, sum(v) AS s, min(v) AS lo FROM e GROUP BY k";
  Status st = RunOnce(wh.get(), State("changed"), changed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("streams/totals.sql:1:1"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("changed since checkpoint"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("delete"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sluice::stream
