// `sluice run DIR`: run every pipeline until Ctrl-C, --for DURATION or --max-events N.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include <filesystem>

#include "cli/commands.h"
#include "cli/savepoint_watcher.h"
#include "orchestrate/project_warehouse.h"
#include "cli/status_line.h"
#include "core/time.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "orchestrate/project_plan.h"
#include "server/http_server.h"
#include "stream/bad_record_log.h"

namespace sluice::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};

void OnSignal(int) {
  g_stop.store(true);
  if (g_signals.fetch_add(1) >= 1) {
    // A second Ctrl-C while shutting down: leave at once.
    constexpr char kMsg[] = "\nsluice: interrupted again, exiting without a clean shutdown\n";
    (void)!write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    _exit(130);
  }
}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

StatusLine::Mode StatusMode(const std::string& opt) {
  if (opt == "off") return StatusLine::Mode::kOff;
  if (opt == "line") return StatusLine::Mode::kLine;
  if (opt == "log") return StatusLine::Mode::kLog;
  return isatty(STDERR_FILENO) ? StatusLine::Mode::kLine : StatusLine::Mode::kLog;
}

// Prints where the data landed: each materialized view's table and its row count.
void PrintSummary(const std::string& dir, const orchestrate::ProjectPlan& plan,
                  warehouse::Warehouse* wh,
                  const std::vector<std::unique_ptr<stream::Pipeline>>& pipelines,
                  const stream::BadRecordLog& bad) {
  std::cout << "\n";
  for (const auto& p : pipelines) {
    const auto& s = p->stats();
    std::cout << "pipeline " << p->name() << ": " << s.records_in.load() << " events in, "
              << s.records_out.load() << " rows out, " << s.bad_records.load()
              << " bad records\n";
  }
  if (bad.count() > 0) std::cout << "bad records kept in " << bad.where() << "\n";
  if (plan.tables.empty()) return;
  std::cout << "data landed in " << wh->Describe() << ":\n";
  auto conn = wh->Connect();
  if (!conn.ok()) return;
  for (const auto& t : plan.tables) {
    auto r = (*conn)->Query("SELECT count(*) FROM \"" + t + "\"");
    std::string rows = "?";
    if (r.ok() && !r->batches.empty() && r->batches[0]->num_rows() > 0) {
      rows = std::to_string(r->batches[0]->column(0).Get<int64_t>(0));
    }
    std::cout << "  " << t << ": " << rows << " rows\n";
  }
  std::cout << "query it with:\n  sluice query " << dir << " \"SELECT * FROM "
            << plan.tables.front() << " LIMIT 10\"\n";
}

// `--from-savepoint DIR`: a savepoint folder with a checkpoint for every pipeline of the
// project and none for a pipeline it no longer has (that state would be dropped).
Status CheckSavepoint(const std::string& dir, const orchestrate::ProjectPlan& plan,
                      int64_t checkpoint_interval_us) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound("--from-savepoint: " + dir + " is not a folder (take a savepoint with "
                            "'sluice savepoint DIR --project P' while 'sluice run P' runs)");
  }
  if (!fs::exists(fs::path(dir) / "manifest.json", ec)) {
    return Status::Invalid("--from-savepoint: " + dir + " has no manifest.json: it is not a savepoint "
                           "(or an incomplete one)");
  }
  if (checkpoint_interval_us <= 0) {
    return Status::Invalid("--from-savepoint needs checkpoints: set run.checkpoint_interval in "
                           "sluice.yaml (e.g. 10s)");
  }
  std::vector<std::string> names;
  for (const auto& spec : plan.pipelines) {
    names.push_back(spec.name);
    if (!fs::exists(fs::path(dir) / (spec.name + ".ckpt"), ec)) {
      return Status::Invalid("--from-savepoint: savepoint " + dir + " has no state for pipeline (source) '" +
                             spec.name + "', added since it was taken; run without --from-savepoint, "
                             "or remove the source's queries");
    }
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".ckpt") continue;
    const std::string name = it->path().stem().string();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return Status::Invalid("--from-savepoint: savepoint " + dir + " holds the state of pipeline (source) '" +
                             name + "', which the project no longer runs; its state would be lost. "
                             "Restore the source and its queries, or run without --from-savepoint");
    }
  }
  return Status::OK();
}

}  // namespace

int RunRun(const GlobalOptions& g, const RunOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  int64_t run_for_us = -1;
  if (!o.run_for.empty()) {
    Result<int64_t> d = ParseDuration(o.run_for);
    if (!d.ok()) {
      std::cerr << "error: --for: " << d.status().message() << "\n";
      return kExitInvalid;
    }
    run_for_us = *d;
  }
  Diagnostics diag;
  orchestrate::ProjectPlan plan = orchestrate::PlanProject(o.dir, &diag);
  if (diag.has_errors()) {
    std::cerr << diag.ToString() << "the project is not valid; fix the problems above ("
              << "'sluice validate " << o.dir << "' checks without running)\n";
    return kExitInvalid;
  }
  const project::Project& proj = plan.project;
  for (const auto& secret : proj.secrets) observe::RegisterSecret(secret);
  if (!SetUpLogging(g, proj.log.level, proj.log.format)) return kExitInvalid;
  for (const auto& note : plan.notes) observe::LogInfo(note);
  if (plan.pipelines.empty()) {
    std::cerr << "nothing to run: no source feeds a query (add statements to streams/*.sql)\n";
    return kExitInvalid;
  }

  Result<std::unique_ptr<warehouse::Warehouse>> wh = orchestrate::OpenProjectWarehouse(proj);
  if (!wh.ok()) {
    std::cerr << "error: " << wh.status().message() << "\n";
    return kExitFailure;
  }
  observe::MetricsRegistry metrics;
  server::HttpServer http;
  const std::string metrics_addr = o.metrics_addr.empty() ? proj.metrics_addr : o.metrics_addr;
  if (!metrics_addr.empty()) {
    Status st = server::ServeMetrics(&http, &metrics);
    if (st.ok()) st = http.Start(metrics_addr);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return kExitFailure;
    }
    observe::LogInfo("serving metrics", {{"url", "http://" + metrics_addr + "/metrics"}});
  }
  Result<std::unique_ptr<stream::BadRecordLog>> bad =
      stream::BadRecordLog::Open(proj.state_dir + "/bad_records.ndjson");
  if (!bad.ok()) {
    std::cerr << "error: " << bad.status().message() << "\n";
    return kExitFailure;
  }
  // Dead letters go to the warehouse table; the file stays the fallback (warns itself).
  (void)(*bad)->AttachWarehouse(wh->get());

  InstallSignalHandlers();
  connectors::ConnectorContext ctx;
  ctx.project_dir = proj.dir;
  ctx.state_dir = proj.state_dir;
  ctx.collector_listen = proj.collector_listen;
  ctx.metrics = &metrics;
  ctx.warehouse = wh->get();
  ctx.stop = &g_stop;
  stream::PipelineOptions popts;
  popts.max_events = o.max_events;
  popts.flush_interval_us = proj.run.flush_interval_us;
  popts.checkpoint_interval_us = proj.run.checkpoint_interval_us;
  if (!o.from_savepoint.empty()) {
    Status st = CheckSavepoint(o.from_savepoint, plan, proj.run.checkpoint_interval_us);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return kExitInvalid;
    }
  }

  std::vector<std::unique_ptr<stream::Pipeline>> pipelines;
  for (auto& spec : plan.pipelines) {
    if (!o.from_savepoint.empty()) {
      popts.restore_from =
          (std::filesystem::path(o.from_savepoint) / (spec.name + ".ckpt")).string();
    }
    pipelines.push_back(std::make_unique<stream::Pipeline>(std::move(spec), popts));
    Status st = pipelines.back()->Open(ctx, bad->get());
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return kExitFailure;
    }
  }
  observe::LogInfo("running", {{"project", proj.name},
                               {"pipelines", static_cast<int64_t>(pipelines.size())},
                               {"warehouse", (*wh)->Describe()}});

  // `sluice savepoint` finds this run through run.pid and asks through request files.
  // The watcher clears stale requests when constructed: before run.pid announces the run,
  // so a request written right after cannot be wiped.
  SavepointWatcher savepoints(proj.state_dir, proj.name, &pipelines);
  Status pid = WriteRunPid(proj.state_dir);
  if (!pid.ok()) observe::LogWarn("savepoints are unavailable", {{"error", pid.message()}});

  std::vector<Status> results(pipelines.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < pipelines.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = pipelines[i]->Run();
      if (!results[i].ok()) {
        observe::LogError("pipeline failed", {{"pipeline", pipelines[i]->name()},
                                              {"error", results[i].message()}});
      }
    });
  }
  std::vector<const stream::Pipeline*> views;
  for (const auto& p : pipelines) views.push_back(p.get());
  StatusLine status(StatusMode(o.status), views);
  const int64_t start = MonotonicNanos();
  int64_t next_status = proj.run.status_interval_us;
  for (;;) {
    savepoints.Poll();
    bool all_done = true;
    for (const auto& p : pipelines) all_done = all_done && p->stats().finished.load();
    if (all_done) break;
    const int64_t elapsed = (MonotonicNanos() - start) / 1000;
    if (run_for_us >= 0 && elapsed >= run_for_us) g_stop.store(true);
    if (elapsed >= next_status) {
      status.Update(elapsed);
      next_status += proj.run.status_interval_us;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& t : threads) t.join();
  savepoints.Poll();  // completes a savepoint the pipelines answered while ending
  savepoints.Abandon("the run ended before the savepoint was complete");
  RemoveRunPid(proj.state_dir);
  status.Update((MonotonicNanos() - start) / 1000);
  status.Finish();
  http.Stop();

  bool failed = false;
  for (const auto& st : results) failed = failed || !st.ok();
  PrintSummary(o.dir, plan, wh->get(), pipelines, **bad);
  if (failed) {
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok()) {
        std::cerr << "error: pipeline " << pipelines[i]->name() << ": " << results[i].message() << "\n";
      }
    }
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace sluice::cli
