// BadRecordLog: where bad records go so that none is lost. Every record is appended at
// once as one JSON line (time, pipeline, connector, kind, location, error, raw) to the
// file given to Open: the local copy and the fallback. With a warehouse attached
// (AttachWarehouse, what `sluice run` does) records are also buffered and written in
// batches to the dead-letter table `_sluice_dead_letters` (see dead_letter_table.h) at
// every Flush (the pipelines flush it with their sinks) and at destruction. When the
// table is unavailable or a table write fails, the records are still in the file and
// the warning says so. The first few records are also logged.
// Thread-safe: pipelines on several threads share one log.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "stream/dead_letter_table.h"

namespace sluice::stream {

class BadRecordLog {
 public:
  // Opens `path` (the fallback file) for appending, creating parent folders.
  static Result<std::unique_ptr<BadRecordLog>> Open(const std::string& path);
  ~BadRecordLog();

  // From now on records also go to the dead-letter table in `wh` (which must outlive
  // this log). Call before pipelines start adding records. On failure (the table
  // cannot be created) logs a warning saying records stay
  // in the file, keeps using the file and returns the error.
  Status AttachWarehouse(warehouse::Warehouse* wh);

  // The kind is inferred: the connector is the pipeline's source → "source"; an error
  // starting with "late" → "late"; a location in a .sql file → "query"; else "sink".
  // `checkpoint`: the pipeline checkpoint that covers the record (DeadLetter::checkpoint;
  // 0 = none).
  void Add(const std::string& pipeline, const connectors::BadRecord& bad, int64_t checkpoint = 0);
  // With an explicit kind ("source", "query", "sink", "late").
  void Add(const std::string& pipeline, std::string_view kind, const connectors::BadRecord& bad,
           int64_t checkpoint = 0);
  // A pipeline resumes from checkpoint `after` and will report the bad records after it
  // again: deletes its table rows with a later checkpoint (buffered ones included) that
  // are not replayed yet (DeadLetterTable::DeleteUncommitted). The fallback file keeps
  // its lines (it is a log: a record can appear there once per report). Returns how
  // many rows were deleted; without a table, 0.
  Result<int64_t> DeleteUncommitted(const std::string& pipeline, int64_t after);

  int64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Records whose table write failed (they are only in the file).
  int64_t unwritten_count() const { return unwritten_.load(std::memory_order_relaxed); }
  const std::string& path() const { return path_; }
  // Where records go, for people: the table and warehouse, else the file.
  std::string where() const;
  // Flushes the file and writes buffered records to the table (on failure they are
  // dropped from the buffer, counted in unwritten_count and warned about: the file has
  // them).
  void Flush();

  // The kind Add(pipeline, bad) infers.
  static std::string_view InferKind(const std::string& pipeline, const connectors::BadRecord& bad);

 private:
  BadRecordLog(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  void WriteLineLocked(const DeadLetter& d);
  void FlushLocked();

  std::string path_;
  std::FILE* file_;
  std::mutex mu_;
  std::unique_ptr<DeadLetterTable> table_;  // null: file only
  std::vector<DeadLetter> pending_;         // for the table, written at Flush
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> unwritten_{0};
};

}  // namespace sluice::stream
