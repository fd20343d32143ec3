#include "stream/bad_record_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/json.h"
#include "core/time.h"
#include "observe/log.h"

namespace sluice::stream {

namespace {
constexpr int64_t kLoggedInFull = 20;   // afterwards only every 1000th is logged
constexpr size_t kMaxPending = 8192;    // records buffered before an early table write
constexpr size_t kMaxRawBytes = 4096;
}  // namespace

Result<std::unique_ptr<BadRecordLog>> BadRecordLog::Open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr) {
    return Status::IOError("cannot open bad-record file " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<BadRecordLog>(new BadRecordLog(path, f));
}

BadRecordLog::~BadRecordLog() {
  Flush();
  if (file_) std::fclose(file_);
}

Status BadRecordLog::AttachWarehouse(warehouse::Warehouse* wh) {
  Result<std::unique_ptr<DeadLetterTable>> t = DeadLetterTable::Open(wh);
  if (!t.ok()) {
    observe::LogWarn("dead-letter table unavailable; bad records go to the fallback file",
                     {{"error", t.status().message()}, {"kept_in", path_}});
    return t.status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  table_ = std::move(t).value();
  return Status::OK();
}

std::string BadRecordLog::where() const {
  if (table_ != nullptr) {
    std::string w = table_->describe();
    if (unwritten_count() > 0) {
      w += " (" + std::to_string(unwritten_count()) + " only in " + path_ + ")";
    }
    return w;
  }
  return path_;
}

std::string_view BadRecordLog::InferKind(const std::string& pipeline,
                                         const connectors::BadRecord& bad) {
  if (bad.connector == pipeline) return "source";
  if (bad.error.rfind("late", 0) == 0) return "late";
  if (bad.location.find(".sql") != std::string::npos) return "query";
  return "sink";
}

void BadRecordLog::Add(const std::string& pipeline, const connectors::BadRecord& bad,
                       int64_t checkpoint) {
  Add(pipeline, InferKind(pipeline, bad), bad, checkpoint);
}

void BadRecordLog::Add(const std::string& pipeline, std::string_view kind,
                       const connectors::BadRecord& bad, int64_t checkpoint) {
  DeadLetter d;
  d.time = NowMicros();
  d.pipeline = pipeline;
  d.connector = bad.connector;
  d.kind = std::string(kind);
  d.location = bad.location;
  d.error = bad.error;
  d.raw = bad.raw.size() > kMaxRawBytes ? bad.raw.substr(0, kMaxRawBytes) : bad.raw;
  d.stable_location = bad.stable_location;
  d.checkpoint = checkpoint;
  int64_t seen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    WriteLineLocked(d);
    if (table_ != nullptr) {
      pending_.push_back(std::move(d));
      if (pending_.size() >= kMaxPending) FlushLocked();
    }
    seen = count_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  if (seen <= kLoggedInFull || seen % 1000 == 0) {
    observe::LogWarn("bad record skipped", {{"pipeline", pipeline},
                                            {"connector", bad.connector},
                                            {"kind", std::string(kind)},
                                            {"at", bad.location},
                                            {"error", bad.error},
                                            {"bad_records_so_far", seen},
                                            {"kept_in", where()}});
  }
}

void BadRecordLog::WriteLineLocked(const DeadLetter& d) {
  char ts[40];
  const int n = FormatTimestampIso(d.time, ts);
  std::string line = "{\"time\":\"" + std::string(ts, static_cast<size_t>(n)) + "\",\"pipeline\":";
  AppendJsonString(&line, d.pipeline);
  line += ",\"connector\":";
  AppendJsonString(&line, d.connector);
  line += ",\"kind\":";
  AppendJsonString(&line, d.kind);
  line += ",\"location\":";
  AppendJsonString(&line, d.location);
  line += ",\"error\":";
  AppendJsonString(&line, d.error);
  line += ",\"raw\":";
  AppendJsonString(&line, d.raw);
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), file_);
}

void BadRecordLog::FlushLocked() {
  std::fflush(file_);
  if (!pending_.empty()) {
    Status st = table_->Write(&pending_);
    if (!st.ok()) {
      unwritten_.fetch_add(static_cast<int64_t>(pending_.size()), std::memory_order_relaxed);
      observe::LogWarn("cannot write bad records to the dead-letter table; they are kept in "
                       "the fallback file",
                       {{"records", static_cast<int64_t>(pending_.size())},
                        {"error", st.message()},
                        {"kept_in", path_}});
    }
    pending_.clear();
  }
}

Result<int64_t> BadRecordLog::DeleteUncommitted(const std::string& pipeline, int64_t after) {
  std::lock_guard<std::mutex> lock(mu_);
  if (table_ == nullptr) return int64_t{0};
  int64_t n = 0;
  std::vector<DeadLetter> kept;
  for (DeadLetter& d : pending_) {
    if (d.pipeline == pipeline && d.checkpoint > after) {
      ++n;
    } else {
      kept.push_back(std::move(d));
    }
  }
  pending_.swap(kept);
  SLUICE_ASSIGN_OR_RETURN(int64_t stored, table_->DeleteUncommitted(pipeline, after));
  return n + stored;
}

void BadRecordLog::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  FlushLocked();
}

}  // namespace sluice::stream
