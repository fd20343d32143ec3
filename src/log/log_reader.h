// Reads an embedded log (log.h) by offset.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "log/batch_frame.h"
#include "log/segment.h"

namespace sluice::log {

class Log;

// A cursor over a Log, created by Log::NewReader. Not thread-safe itself (one per
// thread); many readers may run concurrently with each other and with the writer.
class LogReader {
 public:
  // Replaces *records with the records from offset() on: whole batches (the first one
  // starting mid-batch when the position is inside it) until at least `max_bytes` of
  // record bytes were read or the reader caught up with the writer; at least one batch
  // when any is available, however big. Returns the number of records (0 = caught up;
  // call again later) and advances offset() by it. The views stay valid until the next
  // Read or the reader's destruction. Fails with IOError naming the segment file and
  // byte position when a stored batch is damaged (nothing is skipped: the reader stays
  // before it; records read before the damage are returned first, the error by the next
  // call), and with OutOfRange when retention deleted the reader's position before
  // it got there.
  Result<size_t> Read(std::vector<std::string_view>* records, size_t max_bytes);

  // The offset of the next record Read returns.
  int64_t offset() const { return offset_; }

 private:
  friend class Log;
  LogReader(const Log* log, int64_t offset) : log_(log), offset_(offset) {}
  Status ReadBatches(std::vector<std::string_view>* records, size_t max_bytes);
  Status Position();
  Status Damage(const std::string& reason) const;
  Status ReadFrame(const FrameHeader& h, const uint8_t* header, size_t* buffers_used,
                   std::vector<std::string_view>* records, size_t* bytes);

  const Log* log_;
  int64_t offset_;
  std::shared_ptr<Segment> segment_;  // null until positioned
  int64_t position_ = 0;              // byte position of the frame at expected_base_
  int64_t expected_base_ = 0;         // base offset of the frame at position_
  FrameDecoder decoder_;
  std::string payload_;
  std::vector<std::unique_ptr<std::string>> buffers_;  // decoded batches of the last Read
};

}  // namespace sluice::log
