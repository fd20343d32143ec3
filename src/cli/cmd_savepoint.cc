// `sluice savepoint DIR [--project P] [--stop] [--timeout 2m]`: asks the running
// `sluice run P` for a savepoint in DIR and waits for it (savepoint_watcher.h has the
// protocol, docs/cli.md the user's view).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/savepoint_watcher.h"
#include "core/diagnostics.h"
#include "core/time.h"
#include "project/project.h"

namespace sluice::cli {

namespace fs = std::filesystem;

CLI::App* AddSavepointCommand(CLI::App* app, SavepointOptions* o) {
  CLI::App* cmd =
      app->add_subcommand("savepoint",
                          "Take a savepoint of the running `sluice run` of a project into DIR "
                          "(resume with `sluice run --from-savepoint DIR`)");
  cmd->add_option("dir", o->dir, "Folder to write the savepoint to (must not exist)")->required();
  cmd->add_option("--project,-p", o->project, "Project folder")->capture_default_str();
  cmd->add_flag("--stop", o->stop, "Stop the run right after the savepoint");
  cmd->add_option("--timeout", o->timeout, "How long to wait for the run, e.g. 30s, 5m")
      ->capture_default_str();
  return cmd;
}

int RunSavepoint(const GlobalOptions& g, const SavepointOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  Result<int64_t> timeout = ParseDuration(o.timeout);
  if (!timeout.ok() || *timeout <= 0) {
    std::cerr << "error: --timeout: expected a duration such as 30s or 5m, not '" << o.timeout
              << "'\n";
    return kExitInvalid;
  }
  Diagnostics diag;
  const project::Project proj = project::LoadProject(o.project, &diag);
  if (diag.has_errors()) {
    std::cerr << diag.ToString() << "the project is not valid; fix the problems above\n";
    return kExitInvalid;
  }
  std::error_code ec;
  std::string dir = fs::absolute(o.dir, ec).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();  // "sp/" is "sp"

  if (fs::exists(dir, ec)) {
    std::cerr << "error: " << dir
              << " already exists; savepoints are never overwritten: choose a new folder\n";
    return kExitInvalid;
  }
  if (fs::exists(dir + ".tmp", ec)) {
    std::cerr << "error: " << dir
              << ".tmp exists (left by an interrupted savepoint?); remove it and try again\n";
    return kExitInvalid;
  }
  if (!fs::is_directory(fs::path(dir).parent_path(), ec)) {
    std::cerr << "error: the folder " << fs::path(dir).parent_path().string()
              << " does not exist\n";
    return kExitInvalid;
  }
  const int pid = RunningPid(proj.state_dir);
  if (pid == 0) {
    std::cerr << "error: no `sluice run` of project '" << proj.name
              << "' is running (no live process in " << RunPidPath(proj.state_dir)
              << "); start one with `sluice run " << o.project
              << "` and take the savepoint while it runs\n";
    return kExitFailure;
  }
  SavepointRequest request;
  request.id = std::to_string(NowMicros()) + "-" + std::to_string(::getpid());
  request.dir = dir;
  request.stop = o.stop;
  Status st = WriteSavepointRequest(proj.state_dir, request);
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return kExitFailure;
  }
  std::cerr << "asked the run (pid " << pid << ") for a savepoint...\n";
  const int64_t deadline = MonotonicNanos() + *timeout * 1000;
  for (;;) {
    Result<std::string> answer = ReadSavepointResponse(proj.state_dir, request.id);
    if (answer.ok()) {
      std::cout << "savepoint written to " << *answer << "\n";
      break;
    }
    if (answer.status().code() != StatusCode::kNotFound) {
      std::cerr << "error: the run could not take the savepoint: " << answer.status().message()
                << "\n";
      return kExitFailure;
    }
    if (RunningPid(proj.state_dir) != pid) {
      // A run stopping with --stop answers, then removes run.pid: look once more.
      answer = ReadSavepointResponse(proj.state_dir, request.id);
      if (answer.ok()) {
        std::cout << "savepoint written to " << *answer << "\n";
        break;
      }
      std::cerr << "error: the run (pid " << pid << ") ended before taking the savepoint\n";
      return kExitFailure;
    }
    if (MonotonicNanos() > deadline) {
      const fs::path req = fs::path(SavepointRequestDir(proj.state_dir)) / (request.id + ".req");
      const bool withdrawn = fs::remove(req, ec);
      std::cerr << "error: no answer from the run (pid " << pid << ") within " << o.timeout
                << (withdrawn ? "; the request was withdrawn (is the run stuck?)"
                              : "; it is still working on it and may yet write " + dir)
                << "\n";
      return kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!o.stop) return kExitOk;
  while (RunningPid(proj.state_dir) == pid) {
    if (MonotonicNanos() > deadline) {
      std::cerr << "error: the savepoint is complete but the run (pid " << pid
                << ") has not stopped within " << o.timeout << "\n";
      return kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cout << "the run stopped; resume with: sluice run " << o.project << " --from-savepoint "
            << dir << "\n";
  return kExitOk;
}

}  // namespace sluice::cli
