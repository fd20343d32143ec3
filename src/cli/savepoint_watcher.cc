#include "cli/savepoint_watcher.h"

#include "core/file_io.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/hash.h"
#include "core/time.h"
#include "observe/log.h"
#include "stream/checkpoint.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"
#endif

namespace sluice::cli {

namespace fs = std::filesystem;

namespace {

constexpr char kRequestSuffix[] = ".req";

// ReadWholeFile, with `ok` telling whether the file could be read ("" otherwise).
std::string ReadText(const std::string& path, bool* ok) {
  Result<std::string> r = ReadWholeFile(path);
  *ok = r.ok();
  return r.ok() ? std::move(r).value() : std::string();
}

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// "Aggregate at f.sql:3:1 {group keys: [...]; aggregates: [...]}; ..." for the manifest.
std::string DescribeLayout(const stream::CheckpointQuery& q) {
  std::string out;
  for (const auto& op : q.layout) {
    out += (out.empty() ? "" : "; ") + op.kind + " at " + op.where + " {";
    for (size_t i = 0; i < op.facets.size(); ++i) {
      out += (i ? "; " : "") + op.facets[i].first + ": " + op.facets[i].second;
    }
    out += "}";
  }
  return out;
}

std::string ManifestEntry(const std::string& name, const stream::CheckpointData& d) {
  char hex[20];
  std::string out = "{\"name\":" + Json(name) + ",\"file\":" + Json(name + ".ckpt") +
                    ",\"checkpoint_id\":" + std::to_string(d.id) +
                    ",\"records\":" + std::to_string(d.records) +
                    ",\"position\":" + Json(d.position.ToString()) +
                    ",\"finished\":" + (d.finished ? "true" : "false") + ",\"queries\":[";
  for (size_t i = 0; i < d.queries.size(); ++i) {
    const stream::CheckpointQuery& q = d.queries[i];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(HashString(q.fingerprint)));
    out += std::string(i ? "," : "") + "{\"name\":" + Json(q.name) +
           ",\"stateful\":" + (q.stateful ? "true" : "false") + ",\"fingerprint\":" + Json(hex) +
           ",\"state_bytes\":" + std::to_string(q.state.size()) +
           ",\"state\":" + Json(DescribeLayout(q)) + "}";
  }
  return out + "]}";
}

}  // namespace

std::string RunPidPath(const std::string& state_dir) {
  return (fs::path(state_dir) / "run.pid").string();
}

std::string SavepointRequestDir(const std::string& state_dir) {
  return (fs::path(state_dir) / "savepoints" / "requests").string();
}

Status WriteRunPid(const std::string& state_dir) {
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  return WriteFileDurably(RunPidPath(state_dir), std::to_string(::getpid()) + "\n");
}

void RemoveRunPid(const std::string& state_dir) {
  bool ok = false;
  const std::string text = ReadText(RunPidPath(state_dir), &ok);
  // Only our own: a later run may have replaced it.
  if (ok && std::atoi(text.c_str()) == ::getpid()) ::unlink(RunPidPath(state_dir).c_str());
}

int RunningPid(const std::string& state_dir) {
  bool ok = false;
  const std::string text = ReadText(RunPidPath(state_dir), &ok);
  if (!ok) return 0;
  const int pid = std::atoi(text.c_str());
  if (pid <= 0) return 0;
  if (::kill(pid, 0) != 0 && errno != EPERM) return 0;  // gone (killed, crashed)
  return pid;
}

Status WriteSavepointRequest(const std::string& state_dir, const SavepointRequest& request) {
  const std::string dir = SavepointRequestDir(state_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create '" + dir + "': " + ec.message());
  return WriteFileDurably((fs::path(dir) / (request.id + kRequestSuffix)).string(),
                             request.dir + "\n" + (request.stop ? "stop" : "continue") + "\n");
}

Result<std::string> ReadSavepointResponse(const std::string& state_dir, const std::string& id) {
  const std::string path = (fs::path(SavepointRequestDir(state_dir)) / (id + ".resp")).string();
  bool ok = false;
  const std::string text = ReadText(path, &ok);
  if (!ok) return Status::NotFound("no answer yet");
  ::unlink(path.c_str());
  const size_t nl = text.find('\n');
  const std::string head = text.substr(0, nl);
  const std::string body = nl == std::string::npos ? "" : text.substr(nl + 1);
  if (head == "ok") return body;
  return Status::Invalid(body);
}

struct SavepointWatcher::Pending {
  SavepointRequest request;
  int64_t number = 0;
  std::string tmp;
  std::vector<bool> answered;
  std::string error;
};

SavepointWatcher::SavepointWatcher(std::string state_dir, std::string project,
                                   const std::vector<std::unique_ptr<stream::Pipeline>>* pipelines)
    : state_dir_(std::move(state_dir)), project_(std::move(project)), pipelines_(pipelines) {
  std::error_code ec;
  fs::remove_all(SavepointRequestDir(state_dir_), ec);  // left by a run that died
}

SavepointWatcher::~SavepointWatcher() = default;

void SavepointWatcher::Answer(const std::string& id, bool ok, const std::string& text) {
  const std::string path = (fs::path(SavepointRequestDir(state_dir_)) / (id + ".resp")).string();
  Status st = WriteFileDurably(path, std::string(ok ? "ok" : "error") + "\n" + text);
  if (!st.ok()) observe::LogError("cannot answer a savepoint request", {{"error", st.message()}});
  if (ok) {
    observe::LogInfo("savepoint written", {{"summary", text}});
  } else {
    observe::LogWarn("savepoint failed", {{"error", text}});
  }
}

void SavepointWatcher::Poll() {
  if (pending_ == nullptr) {
    std::vector<std::string> requests;
    std::error_code ec;
    for (fs::directory_iterator it(SavepointRequestDir(state_dir_), ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.ends_with(kRequestSuffix)) requests.push_back(it->path().string());
    }
    if (requests.empty()) return;
    std::sort(requests.begin(), requests.end());
    // Claim the request by renaming it: when the CLI withdrew it (timeout) first, the
    // rename fails and the request is not taken.
    const std::string taken = requests.front() + ".taken";
    if (::rename(requests.front().c_str(), taken.c_str()) != 0) return;
    bool ok = false;
    const std::string text = ReadText(taken, &ok);
    ::unlink(taken.c_str());
    SavepointRequest r;
    r.id = fs::path(requests.front()).stem().string();
    std::istringstream lines(text);
    std::string stop;
    std::getline(lines, r.dir);
    std::getline(lines, stop);
    r.stop = stop == "stop";
    if (!ok || r.dir.empty()) {
      Answer(r.id, false, "unreadable savepoint request");
      return;
    }
    Start(r);
    if (pending_ == nullptr) return;
  }
  Pending& p = *pending_;
  for (size_t i = 0; i < pipelines_->size(); ++i) {
    if (p.answered[i]) continue;
    const stream::Pipeline& pipeline = *(*pipelines_)[i];
    const stream::SavepointReply reply = pipeline.savepoint_reply();
    if (reply.request == p.number) {
      p.answered[i] = true;
      if (!reply.status.ok() && p.error.empty())
        p.error = "pipeline " + pipeline.name() + ": " + reply.status.message();
      continue;
    }
    if (!pipeline.stats().finished.load()) continue;
    // Run returned before the request reached it: its newest checkpoint is final and
    // nothing writes its checkpoint folder any more.
    p.answered[i] = true;
    stream::CheckpointStore store(pipeline.checkpoint_dir());
    Result<std::vector<int64_t>> ids = store.List();
    Status st = !ids.ok()      ? ids.status()
                : ids->empty() ? Status::Invalid("it ended without a checkpoint (it failed?)")
                               : CopyFileDurably(store.PathOf(ids->back()),
                                                         p.tmp + "/" + pipeline.name() + ".ckpt");
    if (!st.ok() && p.error.empty()) p.error = "pipeline " + pipeline.name() + ": " + st.message();
  }
  if (std::find(p.answered.begin(), p.answered.end(), false) != p.answered.end()) return;
  Result<std::string> done =
      p.error.empty() ? Complete() : Result<std::string>(Status::Invalid(p.error));
  std::error_code ec;
  if (!done.ok()) fs::remove_all(p.tmp, ec);
  Answer(p.request.id, done.ok(), done.ok() ? *done : done.status().message());
  pending_.reset();
}

void SavepointWatcher::Start(const SavepointRequest& request) {
  std::error_code ec;
  const std::string tmp = request.dir + ".tmp";
  if (fs::exists(request.dir, ec)) {
    Answer(request.id, false,
           request.dir + " already exists; savepoints are never overwritten: choose a new folder");
    return;
  }
  if (fs::exists(tmp, ec)) {
    Answer(request.id, false,
           tmp + " exists (left by an interrupted savepoint?); remove it and try again");
    return;
  }
  for (const auto& p : *pipelines_) {
    if (p->checkpoint_dir().empty()) {
      Answer(request.id, false,
             "checkpoints are off for pipeline " + p->name() +
                 " (set run.checkpoint_interval in sluice.yaml, e.g. 10s)");
      return;
    }
  }
  fs::create_directories(tmp, ec);
  if (ec) {
    Answer(request.id, false, "cannot create " + tmp + ": " + ec.message());
    return;
  }
  pending_ = std::make_unique<Pending>();
  pending_->request = request;
  pending_->number = next_request_++;
  pending_->tmp = tmp;
  pending_->answered.assign(pipelines_->size(), false);
  observe::LogInfo("savepoint requested", {{"dir", request.dir}, {"stop", request.stop}});
  for (const auto& p : *pipelines_) {
    p->RequestSavepoint(pending_->number, tmp + "/" + p->name() + ".ckpt", request.stop);
  }
}

Result<std::string> SavepointWatcher::Complete() {
  const Pending& p = *pending_;
  std::string manifest = "{\"format\":1,\"project\":" + Json(project_) +
                         ",\"sluice_version\":" + Json(SLUICE_VERSION) +
                         ",\"created_at\":" + Json(FormatTimestamp(NowMicros())) +
                         ",\"stopped\":" + (p.request.stop ? "true" : "false") + ",\"pipelines\":[";
  std::string summary;
  for (size_t i = 0; i < pipelines_->size(); ++i) {
    const std::string& name = (*pipelines_)[i]->name();
    const std::string file = p.tmp + "/" + name + ".ckpt";
    bool ok = false;
    const std::string bytes = ReadText(file, &ok);
    if (!ok) return Status::IOError("cannot read " + file);
    SLUICE_ASSIGN_OR_RETURN(stream::CheckpointData d, stream::DecodeCheckpoint(bytes, file));
    manifest += (i ? "," : "") + ManifestEntry(name, d);
    summary += "\n  " + name + ": checkpoint " + std::to_string(d.id) + " after " +
               std::to_string(d.records) + " records";
  }
  manifest += "]}\n";
  SLUICE_RETURN_NOT_OK(WriteFileDurably(p.tmp + "/manifest.json", manifest));
  SLUICE_RETURN_NOT_OK(SyncDirectory(p.tmp));
  if (::rename(p.tmp.c_str(), p.request.dir.c_str()) != 0) {
    return Status::IOError("cannot rename " + p.tmp + " to " + p.request.dir + ": " +
                           std::strerror(errno));
  }
  SLUICE_RETURN_NOT_OK(SyncDirectory(fs::path(p.request.dir).parent_path().string()));
  return p.request.dir + summary;
}

void SavepointWatcher::Abandon(const std::string& why) {
  if (pending_ == nullptr) return;
  std::error_code ec;
  fs::remove_all(pending_->tmp, ec);
  Answer(pending_->request.id, false, why);
  pending_.reset();
}

}  // namespace sluice::cli
