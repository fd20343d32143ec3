#include "stream/bad_record_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/json.h"
#include "core/time.h"
#include "observe/log.h"

namespace sluice::stream {

namespace {
constexpr int64_t kLoggedInFull = 20;  // afterwards only every 1000th is logged
}

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
  if (file_) std::fclose(file_);
}

void BadRecordLog::Add(const std::string& pipeline, const connectors::BadRecord& bad) {
  char ts[40];
  const int n = FormatTimestampIso(NowMicros(), ts);
  std::string line = "{\"time\":\"" + std::string(ts, static_cast<size_t>(n)) + "\",\"pipeline\":";
  AppendJsonString(&line, pipeline);
  line += ",\"connector\":";
  AppendJsonString(&line, bad.connector);
  line += ",\"location\":";
  AppendJsonString(&line, bad.location);
  line += ",\"error\":";
  AppendJsonString(&line, bad.error);
  line += ",\"raw\":";
  AppendJsonString(&line, bad.raw.size() > 4096 ? bad.raw.substr(0, 4096) : bad.raw);
  line += "}\n";
  int64_t seen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::fwrite(line.data(), 1, line.size(), file_);
    seen = count_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  if (seen <= kLoggedInFull || seen % 1000 == 0) {
    observe::LogWarn("bad record skipped", {{"pipeline", pipeline},
                                            {"connector", bad.connector},
                                            {"at", bad.location},
                                            {"error", bad.error},
                                            {"bad_records_so_far", seen},
                                            {"kept_in", path_}});
  }
}

void BadRecordLog::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  std::fflush(file_);
}

}  // namespace sluice::stream
