// BadRecordLog: where bad records go so that none is lost. Each record is appended as one
// JSON line (time, pipeline, connector, location, error, raw) to a file in the project's
// state dir, and the first few are also logged. The durability issue replaces the file
// with the dead-letter table; the interface stays.
// Thread-safe: pipelines on several threads share one log.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "connectors/connector.h"

namespace sluice::stream {

class BadRecordLog {
 public:
  // Opens `path` for appending, creating parent folders.
  static Result<std::unique_ptr<BadRecordLog>> Open(const std::string& path);
  ~BadRecordLog();

  void Add(const std::string& pipeline, const connectors::BadRecord& bad);
  int64_t count() const { return count_.load(std::memory_order_relaxed); }
  const std::string& path() const { return path_; }
  // Writes buffered lines to the file.
  void Flush();

 private:
  BadRecordLog(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  std::string path_;
  std::FILE* file_;
  std::mutex mu_;
  std::atomic<int64_t> count_{0};
};

}  // namespace sluice::stream
