// The embedded log: the durable, replayable buffer between ingestion and processing
// (the one-machine stand-in for Kafka). A log is a folder of segments (segment.h), each
// a file of checksummed, optionally compressed record batch frames (batch_frame.h), with
// a sparse offset index. Records are opaque byte strings; callers serialize. Every
// record has an offset: 0, 1, 2, ... in append order, never reused. The byte layout and
// recovery rules are in docs/log.md.
//
// Thread safety: one writer thread calls Append, Sync and ApplyRetention (they are not
// safe against each other); any number of threads may concurrently call NewReader,
// next_offset, start_offset and use their own LogReader. A reader sees every record whose
// Append has returned (synced or not), never a partly written batch. Readers must not
// outlive their Log.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "log/batch_frame.h"
#include "log/segment.h"

namespace sluice::log {

class LogReader;

enum class FsyncPolicy {
  kOnSync,       // fdatasync in Sync() and when a segment is rolled (the default)
  kEveryAppend,  // as kOnSync, and also at the end of every Append
  kNever,        // never fsync (Sync() is a no-op): throwaway logs and tests only
};

struct LogOptions {
  // A segment is rolled (closed, a new file started) before an append that would take it
  // past this size. A batch larger than a segment gets a segment of its own.
  int64_t segment_bytes = int64_t{256} << 20;
  // An index entry is written each time at least this many bytes were appended since the
  // previous entry: smaller = faster seeks, bigger .index files.
  int64_t index_interval_bytes = 4096;
  // Compression of each batch's payload. A batch that does not shrink is stored as none.
  Codec codec = Codec::kNone;
  int zstd_level = 1;  // 1 (fast) .. 19 (small)
  // ApplyRetention deletes the oldest segments while the rest still hold at least this
  // many bytes; < 0 keeps everything.
  int64_t retention_bytes = -1;
  // ApplyRetention deletes segments whose newest batch is older than this (microseconds);
  // < 0 keeps everything.
  int64_t retention_age_micros = -1;
  FsyncPolicy fsync = FsyncPolicy::kOnSync;
};

// Parses "on_sync" | "every_append" | "never"; Invalid otherwise.
Result<FsyncPolicy> ParseFsyncPolicy(std::string_view name);

class Log {
 public:
  // Passed as Append's timestamp: use the current time.
  static constexpr int64_t kNow = INT64_MIN;

  // Opens the log in `dir`, creating the folder and an empty first segment when needed.
  // Recovery: the last segment is scanned from its last index entry; a torn or corrupt
  // tail is cut off and described in recovery_report() (never an error). Missing or
  // stale indexes are rebuilt. Fails on bad options, I/O errors, or when another Log
  // has the folder open (a lock file, `<dir>/LOCK`, is held while open).
  static Result<std::unique_ptr<Log>> Open(const std::string& dir, const LogOptions& options);
  // Closes the files without syncing (call Sync first for durability).
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends `records` (at least one) as one batch frame and returns the offset of the
  // first; they get consecutive offsets. `timestamp_micros` is the batch's append time
  // (retention by age), kNow for the clock. The records are readable once this returns
  // and durable once a later Sync() returns. After an I/O error the log refuses further
  // appends (reopen to recover).
  Result<int64_t> Append(std::span<const std::string_view> records,
                         int64_t timestamp_micros = kNow);
  // Makes every record appended so far durable (fdatasync of the active segment; rolled
  // segments were synced when rolled). Group commit: many Appends, then one Sync. After
  // a failed fsync every later Append and Sync fails (reopen to recover).
  Status Sync();

  // One past the last appended offset (the offset the next Append gets).
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  // The oldest offset still stored (retention moves it forward).
  int64_t start_offset() const;

  // A reader positioned at `offset`, which may be any offset in [start_offset(),
  // next_offset()] (also in the middle of a batch). OutOfRange otherwise.
  Result<std::unique_ptr<LogReader>> NewReader(int64_t offset) const;

  // Deletes whole old segments by retention_bytes and retention_age_micros (relative to
  // `now_micros`). Never deletes the active (last) segment. Readers inside a deleted
  // segment finish it; new readers there get OutOfRange.
  Status ApplyRetention(int64_t now_micros);

  const RecoveryReport& recovery_report() const { return recovery_; }
  const std::string& dir() const { return dir_; }
  const LogOptions& options() const { return options_; }
  // Bytes in all segment files, and their number.
  int64_t size_bytes() const;
  size_t segment_count() const;

 private:
  friend class LogReader;
  Log(std::string dir, const LogOptions& options);
  Status OpenSegments();
  Status Roll();
  Status SyncDir();
  // The segment holding `offset` (the last whose base is <= offset); null if none.
  std::shared_ptr<Segment> SegmentFor(int64_t offset) const;
  // The segment after the one based at `base_offset`; null if none.
  std::shared_ptr<Segment> SegmentAfter(int64_t base_offset) const;

  const std::string dir_;
  const LogOptions options_;
  int lock_fd_ = -1;
  RecoveryReport recovery_;
  FrameEncoder encoder_;  // writer only
  Status failed_;         // writer only: set after an I/O error that left the log unknown
  std::atomic<int64_t> next_offset_{0};
  mutable std::mutex mu_;  // guards segments_ (the writer changes it, readers look up)
  // shared_ptr: a reader keeps reading a segment that retention has deleted meanwhile.
  std::vector<std::shared_ptr<Segment>> segments_;
};

}  // namespace sluice::log
