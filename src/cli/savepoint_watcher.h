// Savepoints between `sluice savepoint` and a running `sluice run` of the same project,
// through files in the project's state dir (docs/cli.md, "sluice savepoint"):
//
//   <state_dir>/run.pid                         the running `sluice run` (pid), while it runs
//   <state_dir>/savepoints/requests/<id>.req    a request: target DIR and whether to stop
//   <state_dir>/savepoints/requests/<id>.resp   the run's answer: "ok" or "error" + text
//
// The run's main loop polls the request folder (SavepointWatcher::Poll, a few times a
// second; the pipelines only read an atomic flag between batches). For a request every
// pipeline takes a checkpoint at its next batch boundary and copies it into DIR.tmp; the
// watcher then writes DIR.tmp/manifest.json, fsyncs and renames DIR.tmp to DIR.
// A savepoint folder holds <pipeline>.ckpt per pipeline and manifest.json.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "stream/pipeline.h"

namespace sluice::cli {

// run.pid: written by `sluice run` (WriteRunPid), removed when it ends. RunningPid is the
// pid of a live process named in it, 0 when there is none (missing file or dead process).
std::string RunPidPath(const std::string& state_dir);
Status WriteRunPid(const std::string& state_dir);
void RemoveRunPid(const std::string& state_dir);
int RunningPid(const std::string& state_dir);

std::string SavepointRequestDir(const std::string& state_dir);

struct SavepointRequest {
  std::string id;   // file stem, unique per request
  std::string dir;  // absolute target folder
  bool stop = false;
};
// Writes `<id>.req` atomically (temp file + rename).
Status WriteSavepointRequest(const std::string& state_dir, const SavepointRequest& request);
// The answer to request `id`: NotFound while there is none yet; OK holding the answer's
// text (the savepoint's summary) or the run's error (as Invalid) once answered.
Result<std::string> ReadSavepointResponse(const std::string& state_dir, const std::string& id);

// The run's side. Not thread-safe: the run's main loop calls Poll.
class SavepointWatcher {
 public:
  // `pipelines` must outlive the watcher. Removes requests left by an earlier run.
  SavepointWatcher(std::string state_dir, std::string project,
                   const std::vector<std::unique_ptr<stream::Pipeline>>* pipelines);
  ~SavepointWatcher();
  // Picks up a new request (one at a time) or completes the current one once every
  // pipeline answered. Cheap when nothing is asked (one directory listing).
  void Poll();
  // The run is ending: answers a request still open with an error.
  void Abandon(const std::string& why);

 private:
  struct Pending;
  void Start(const SavepointRequest& request);
  // Writes the manifest, syncs and renames; the summary or the error.
  Result<std::string> Complete();
  void Answer(const std::string& id, bool ok, const std::string& text);

  std::string state_dir_;
  std::string project_;
  const std::vector<std::unique_ptr<stream::Pipeline>>* pipelines_;
  std::unique_ptr<Pending> pending_;
  int64_t next_request_ = 1;
};

}  // namespace sluice::cli
