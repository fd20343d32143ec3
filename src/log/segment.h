// One segment of the embedded log: `<base_offset 20 digits>.log` holding record batch
// frames back to back, and `<base_offset 20 digits>.index`, a sparse index of 16-byte
// entries (int64 offset, int64 file position, little-endian), one entry each time at
// least index_interval_bytes were written since the previous one. The index is a hint:
// it is never fsynced, it is checked on open and rebuilt from the frames when missing,
// malformed or stale.
//
// Thread safety: one writer (AppendFrame, Sync, Seal, Remove, TruncateTo) and any number
// of concurrent readers (end_position, next_offset, Lookup, ReadAt). A reader never reads
// past end_position(), which is published only after a whole frame has been written.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "log/batch_frame.h"

namespace sluice::log {

// What Log::Open found and repaired.
struct RecoveryReport {
  int64_t bytes_truncated = 0;    // torn or corrupt tail removed from the last segment
  std::string truncated_segment;  // its .log path, when bytes_truncated > 0
  int64_t truncated_at = 0;       // the file position the segment was cut to
  std::string reason;             // why the first dropped frame was rejected
  int indexes_rebuilt = 0;        // .index files rebuilt because missing or stale
};

struct IndexEntry {
  int64_t offset = 0;    // base offset of the frame at `position`
  int64_t position = 0;  // byte position of the frame in the .log file
};

class Segment {
 public:
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // "<dir>/<base_offset as 20 digits><ext>".
  static std::string FileName(const std::string& dir, int64_t base_offset, const char* ext);

  // Creates a new, empty segment; fails if its .log file already exists.
  static Result<std::unique_ptr<Segment>> Create(const std::string& dir, int64_t base_offset,
                                                 int64_t index_interval_bytes);

  // Opens an existing segment, loading its index (rebuilt when missing or stale) and
  // scanning the frames after the last index entry. With `recover` (the last segment),
  // a torn or corrupt tail is cut off (ftruncate) and described in *report; without it
  // the file is left alone, and a damaged frame is found by the reader that reaches it.
  static Result<std::unique_ptr<Segment>> Open(const std::string& dir, int64_t base_offset,
                                               int64_t index_interval_bytes, bool recover,
                                               RecoveryReport* report);

  int64_t base_offset() const { return base_offset_; }
  const std::string& path() const { return path_; }
  // Bytes of complete frames; readers stay below it.
  int64_t end_position() const { return end_position_.load(std::memory_order_acquire); }
  // One past the last offset stored (== base_offset when empty).
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  // Largest append timestamp seen in the segment (INT64_MIN when unknown or empty).
  int64_t last_timestamp() const { return last_timestamp_.load(std::memory_order_acquire); }
  bool sealed() const { return sealed_.load(std::memory_order_acquire); }

  // Writer: appends one encoded frame (header + payload, `h` its decoded header) at the
  // end, adding an index entry when due. On a write error the file is cut back to its
  // previous end; if even that fails the error says the log must be reopened.
  Status AppendFrame(std::string_view header, std::string_view payload, const FrameHeader& h);
  // Writer: fdatasync of the .log file.
  Status Sync();
  // Writer: no more appends; readers move on to the next segment at its end.
  void Seal() { sealed_.store(true, std::memory_order_release); }
  // Writer: unlinks both files (open readers keep reading their descriptor).
  Status Remove();

  // Reader: the index entry with the largest offset <= `offset` ({base, 0} if none).
  IndexEntry Lookup(int64_t offset) const;
  // Reader: reads exactly `n` bytes at `position`; IOError naming the file otherwise.
  Status ReadAt(int64_t position, size_t n, void* out) const;

 private:
  Segment(std::string dir, int64_t base_offset, int64_t index_interval_bytes);
  struct ScanResult;
  Status LoadIndex(int64_t file_size, bool* stale);
  Status ScanFrames(IndexEntry from, int64_t file_size, ScanResult* out) const;
  Status RewriteIndex();
  Status Recover(bool recover, int64_t file_size, RecoveryReport* report);

  std::string dir_;
  std::string path_;
  int64_t base_offset_;
  int64_t index_interval_bytes_;
  int fd_ = -1;
  int index_fd_ = -1;
  std::atomic<int64_t> end_position_{0};
  std::atomic<int64_t> next_offset_{0};
  std::atomic<int64_t> last_timestamp_{INT64_MIN};
  std::atomic<bool> sealed_{false};
  bool index_missing_ = false;         // no .index file when opened
  int64_t last_indexed_position_ = 0;  // writer only
  mutable std::mutex index_mu_;        // guards index_ (the writer appends, readers search)
  std::vector<IndexEntry> index_;
};

}  // namespace sluice::log
