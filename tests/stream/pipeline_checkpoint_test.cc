// Pipelines with checkpoints into DuckDB: a pipeline that fails at any point (a source
// failure, or a crash between two sinks' commits) and is restarted, possibly several
// times and with different batch sizes, leaves the warehouse tables exactly as a run
// without interruption: no lost and no duplicated effect. Checkpoint files are written
// in the background after the sinks commit, so a crash may also lose the newest file
// after its commit: simulated by deleting it. Also: a query changed since the checkpoint
// is refused with a clear message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "connectors/file_sink.h"
#include "connectors/warehouse_sink.h"
#include "core/value.h"
#include "sql/plan.h"
#include "sql/sql.h"
#include "stream/checkpoint.h"
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
  Result<std::string> LastCommittedPosition(const std::string& key) override {
    return inner_->LastCommittedPosition(key);
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
  bool async_write = true;  // PipelineOptions::checkpoint_async_write
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
  // The windows again, into a file (exactly-once through its commit record).
  {
    PipelineQuery q;
    q.name = "windows_file";
    q.location = "streams/windows_file.sql:1:1";
    q.op = Graph(kWindows);
    q.sink = 2;
    SchemaPtr schema = q.op->output_schema();
    connectors::FileSinkOptions fo;
    fo.path = state_dir + ".windows.ndjson";
    fo.format = "ndjson";
    spec.sinks.push_back({q.name, std::make_unique<connectors::FileSink>(fo), schema});
    spec.queries.push_back(std::move(q));
  }
  PipelineOptions options;
  options.checkpoint_interval_us = 1;  // after every batch
  options.flush_interval_us = 1;       // plain flushes must not reach committing sinks
  options.checkpoint_async_write = c.async_write;
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
  CheckpointStore Files(const std::string& name) const {
    return CheckpointStore((dir_ / name / "checkpoints" / "events").string());
  }
  static int64_t Committed(warehouse::Warehouse* wh, const std::string& sink) {
    auto conn = wh->Connect();
    EXPECT_TRUE(conn.ok());
    auto last = (*conn)->LastCommit("events/" + sink);
    EXPECT_TRUE(last.ok() && last->has_value());
    return last.ok() && last->has_value() ? (*last)->checkpoint_id : -1;
  }
  // A crash after every sink committed the newest checkpoint and before its background
  // write was durable leaves the files as they are minus that one: deletes it when the
  // state allows that crash (both sinks committed the newest file's checkpoint).
  bool LoseNewestFile(warehouse::Warehouse* wh, const std::string& name) {
    CheckpointStore store = Files(name);
    auto ids = store.List();
    EXPECT_TRUE(ids.ok());
    if (!ids.ok() || ids->empty()) return false;
    const int64_t newest = ids->back();
    if (Committed(wh, "totals") != newest || Committed(wh, "windows") != newest) return false;
    return std::filesystem::remove(store.PathOf(newest));
  }

  struct Result {
    std::vector<std::string> totals, windows, counts, file;
  };
  // The tables, and the lines of the file sink's file (sorted) of the run in `state`.
  static Result Read(warehouse::Warehouse* wh, const std::string& state) {
    std::vector<std::string> lines;
    std::ifstream in(state + ".windows.ndjson");
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return {Table(wh, "SELECT k, n, s FROM totals ORDER BY k"),
            Table(wh, "SELECT window_start, k, n, s FROM windows ORDER BY window_start, k"),
            Table(wh, "SELECT count(*), sum(n), sum(s) FROM windows"), std::move(lines)};
  }

  std::filesystem::path dir_;
};

TEST_F(PipelineCheckpointTest, RestartsAfterCrashesGiveTheUninterruptedResult) {
  auto reference_wh = Open("reference");
  RunConfig reference;
  reference.chunk = 150;
  ASSERT_TRUE(RunOnce(reference_wh.get(), State("reference"), reference).ok());
  const Result expected = Read(reference_wh.get(), State("reference"));
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
      // Some runs write checkpoint files the original way (before the commits).
      c.async_write = (trial + crash) % 3 != 2;
      Status st = RunOnce(wh.get(), State(name), c);
      // (A run that reaches the end before its crash point simply finishes.)
      if (!st.ok()) {
        EXPECT_NE(st.message().find("simulated crash"), std::string::npos) << st.message();
      }
      if (c.async_write) LoseNewestFile(wh.get(), name);
    }
    RunConfig last;
    last.chunk = 141;
    Status st = RunOnce(wh.get(), State(name), last);
    ASSERT_TRUE(st.ok()) << st.ToString();
    const Result got = Read(wh.get(), State(name));
    EXPECT_EQ(got.totals, expected.totals);
    EXPECT_EQ(got.windows, expected.windows);
    EXPECT_EQ(got.file, expected.file);
    EXPECT_EQ(got.counts, expected.counts);
    // A rerun after the end adds nothing.
    ASSERT_TRUE(RunOnce(wh.get(), State(name), last).ok());
    EXPECT_EQ(Read(wh.get(), State(name)).counts, expected.counts);
  }
}

TEST_F(PipelineCheckpointTest, ACrashBetweenTwoSinksCommitsIsReplayedExactlyOnce) {
  auto reference_wh = Open("reference");
  RunConfig reference;
  reference.chunk = 150;
  ASSERT_TRUE(RunOnce(reference_wh.get(), State("reference"), reference).ok());
  const Result expected = Read(reference_wh.get(), State("reference"));
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
  const Result got = Read(wh.get(), State("crash"));
  EXPECT_EQ(got.totals, expected.totals);
  EXPECT_EQ(got.windows, expected.windows);
    EXPECT_EQ(got.file, expected.file);
  EXPECT_EQ(got.counts, expected.counts);
}

TEST_F(PipelineCheckpointTest, ACheckpointFileLostAfterItsCommitIsReplayedExactlyOnce) {
  auto reference_wh = Open("reference");
  RunConfig reference;
  reference.chunk = 150;
  ASSERT_TRUE(RunOnce(reference_wh.get(), State("reference"), reference).ok());
  const Result expected = Read(reference_wh.get(), State("reference"));
  // Lose the newest file of a crashed run; the first checkpoint's file (replay from the
  // start); the final checkpoint's file of a complete run (replayed and finished again).
  for (const std::string name : {"newest", "first", "final"}) {
    SCOPED_TRACE(name);
    auto wh = Open(name);
    RunConfig first;
    first.chunk = 40;
    if (name == "newest") first.source_fail_at = 7;  // checkpoints 1..7 committed
    if (name == "first") first.source_fail_at = 1;   // checkpoint 1 committed
    Status st = RunOnce(wh.get(), State(name), first);
    ASSERT_EQ(st.ok(), name == "final") << st.ToString();
    const int64_t committed = Committed(wh.get(), "totals");
    EXPECT_EQ(Committed(wh.get(), "windows"), committed);
    auto ids = Files(name).List();
    ASSERT_TRUE(ids.ok());
    ASSERT_EQ(ids->size(), name == "first" ? 1u : 2u);
    EXPECT_EQ(ids->back(), committed);  // durable when the run returned
    ASSERT_TRUE(std::filesystem::remove(Files(name).PathOf(committed)));
    RunConfig resume;
    resume.chunk = 33;  // the replay must still stop exactly at the lost checkpoint
    st = RunOnce(wh.get(), State(name), resume);
    ASSERT_TRUE(st.ok()) << st.ToString();
    const Result got = Read(wh.get(), State(name));
    EXPECT_EQ(got.totals, expected.totals);
    EXPECT_EQ(got.windows, expected.windows);
    EXPECT_EQ(got.file, expected.file);
    EXPECT_EQ(got.counts, expected.counts);
    EXPECT_GE(Committed(wh.get(), "totals"), committed);
  }
}

TEST_F(PipelineCheckpointTest, LostFilesWithNothingOlderToReplayFromAreRefused) {
  auto wh = Open("gone");
  RunConfig crash;
  crash.source_fail_at = 7;
  ASSERT_FALSE(RunOnce(wh.get(), State("gone"), crash).ok());
  std::filesystem::remove_all(Files("gone").dir());  // more than a crash can lose
  Status st = RunOnce(wh.get(), State("gone"), RunConfig{});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("checkpoint 7 is missing"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("no older checkpoint"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("to start over"), std::string::npos) << st.message();
}

TEST_F(PipelineCheckpointTest, ASinkAheadWhoseFileWasNeverWrittenIsReplayedFromItsCommitRow) {
  auto wh = Open("ahead");
  RunConfig crash;
  crash.chunk = 32;
  crash.totals_commit_fail_at = 6;  // windows committed checkpoint 6, totals only 5
  ASSERT_FALSE(RunOnce(wh.get(), State("ahead"), crash).ok());
  ASSERT_EQ(Committed(wh.get(), "windows"), 6);
  ASSERT_EQ(Committed(wh.get(), "totals"), 5);
  // Checkpoint 6's file is written only after every sink committed it.
  EXPECT_FALSE(std::filesystem::exists(Files("ahead").PathOf(6)));
  EXPECT_TRUE(std::filesystem::exists(Files("ahead").PathOf(5)));
  auto conn = wh->Connect();
  ASSERT_TRUE(conn.ok());
  auto row = (*conn)->LastCommit("events/windows");
  ASSERT_TRUE(row.ok() && row->has_value());
  auto info = DecodeCommitPosition((*row)->position, "row");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->has_replay_info);
  EXPECT_EQ(info->records, 6 * 32);
  EXPECT_EQ(info->position.OffsetOf(""), 6 * 32);
  RunConfig resume;
  resume.chunk = 25;
  ASSERT_TRUE(RunOnce(wh.get(), State("ahead"), resume).ok());
  auto reference_wh = Open("reference");
  ASSERT_TRUE(RunOnce(reference_wh.get(), State("reference"), RunConfig{}).ok());
  const Result expected = Read(reference_wh.get(), State("reference"));
  const Result got = Read(wh.get(), State("ahead"));
  EXPECT_EQ(got.totals, expected.totals);
  EXPECT_EQ(got.windows, expected.windows);
    EXPECT_EQ(got.file, expected.file);
  EXPECT_EQ(got.counts, expected.counts);
}

TEST_F(PipelineCheckpointTest, ALostFileWithACommitRowOfAnOlderVersionIsRefused) {
  auto wh = Open("old");
  RunConfig crash;
  crash.source_fail_at = 4;
  ASSERT_FALSE(RunOnce(wh.get(), State("old"), crash).ok());
  const int64_t committed = Committed(wh.get(), "totals");
  {
    auto conn = wh->Connect();
    ASSERT_TRUE(conn.ok());
    // Rows written before commit rows carried the record count hold only the position.
    ASSERT_TRUE((*conn)->Execute("UPDATE _sluice_commits SET position = '200 '").ok());
  }
  ASSERT_TRUE(std::filesystem::remove(Files("old").PathOf(committed)));
  Status st = RunOnce(wh.get(), State("old"), RunConfig{});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("checkpoint " + std::to_string(committed) + " is missing"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("older sluice"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("to start over"), std::string::npos) << st.message();
}

TEST(CommitPositionTest, RoundTripsAndReadsOlderRows) {
  connectors::Position pos;
  pos.Set("orders.csv", 1234);
  pos.Set("items 2.csv", 99);
  auto info = DecodeCommitPosition(EncodeCommitPosition(5000, true, pos), "row");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->has_replay_info);
  EXPECT_EQ(info->records, 5000);
  EXPECT_TRUE(info->finished);
  EXPECT_EQ(info->position, pos);
  info = DecodeCommitPosition(EncodeCommitPosition(0, false, connectors::Position{}), "row");
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->has_replay_info);
  EXPECT_FALSE(info->finished);
  EXPECT_TRUE(info->position.offsets.empty());
  // Older rows: only the serialized position; the "checkpoint 0" row is empty.
  info = DecodeCommitPosition(pos.Serialize(), "row");
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->has_replay_info);
  EXPECT_EQ(info->position, pos);
  info = DecodeCommitPosition("", "row");
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->has_replay_info);
  for (const char* bad : {"sluice-commit 1 records=x finished=0\n", "sluice-commit 1 records=5 finished=2\n",
                          "sluice-commit 1 records=-1 finished=0\n", "sluice-commit 1 records=5 finished=0 more\n",
                          "sluice-commit 1 records=5 finished=1\nnot a position"}) {
    auto r = DecodeCommitPosition(bad, "sink 'x'");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalid) << bad;
    EXPECT_NE(r.status().message().find("sink 'x'"), std::string::npos) << r.status().message();
  }
}

TEST(CheckpointWriterTest, WritesInTheBackgroundPrunesAndReportsErrors) {
  const auto root = std::filesystem::temp_directory_path() / ("sluice-ckw-" + std::to_string(std::random_device()()));
  CheckpointStore store((root / "ok").string());
  {
    CheckpointWriter writer(&store, 2);
    for (int64_t id = 1; id <= 4; ++id) {
      CheckpointData data;
      data.id = id;
      data.records = id * 10;
      ASSERT_TRUE(writer.Submit(std::move(data)).ok());
    }
    ASSERT_TRUE(writer.Wait().ok());
    auto ids = store.List();
    ASSERT_TRUE(ids.ok());
    EXPECT_EQ(*ids, (std::vector<int64_t>{3, 4}));
    auto back = store.Read(4);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->records, 40);
    CheckpointData data;
    data.id = 5;
    ASSERT_TRUE(writer.Submit(std::move(data)).ok());
  }  // the destructor waits for the write in flight
  EXPECT_TRUE(store.Read(5).ok());
  // A directory that cannot be created: the error comes at the next Wait / Submit, and stays.
  std::ofstream(root / "file") << "x";
  CheckpointStore bad((root / "file" / "sub").string());
  CheckpointWriter writer(&bad, 2);
  CheckpointData one;
  one.id = 1;
  ASSERT_TRUE(writer.Submit(one).ok());
  Status st = writer.Wait();
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("file/sub"), std::string::npos) << st.message();
  one.id = 2;
  EXPECT_EQ(writer.Submit(one).code(), StatusCode::kIOError);
  EXPECT_EQ(writer.Wait().code(), StatusCode::kIOError);
  std::filesystem::remove_all(root);
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
