#include "log/log_reader.h"

#include "log/log.h"

namespace sluice::log {

Status LogReader::Position() {
  segment_ = log_->SegmentFor(offset_);
  if (segment_ == nullptr || offset_ < log_->start_offset()) {
    segment_ = nullptr;
    return Status::OutOfRange("log " + log_->dir() + ": offset " + std::to_string(offset_) +
                              " was deleted by retention; the log now starts at " +
                              std::to_string(log_->start_offset()));
  }
  const IndexEntry e = segment_->Lookup(offset_);
  position_ = e.position;
  expected_base_ = e.offset;
  return Status::OK();
}

Status LogReader::Damage(const std::string& reason) const {
  return Status::IOError("log segment " + segment_->path() + ", record batch at byte " +
                         std::to_string(position_) + ": " + reason +
                         "; the log is damaged here and records from offset " +
                         std::to_string(expected_base_) +
                         " on cannot be read (restore the segment from a copy, or move it "
                         "away to give up its records knowingly)");
}

Status LogReader::ReadFrame(const FrameHeader& h, const uint8_t* header, size_t* buffers_used,
                            std::vector<std::string_view>* records, size_t* bytes) {
  payload_.resize(h.compressed_size);
  SLUICE_RETURN_NOT_OK(segment_->ReadAt(position_ + static_cast<int64_t>(kFrameHeaderSize),
                                        payload_.size(), payload_.data()));
  if (*buffers_used == buffers_.size()) buffers_.push_back(std::make_unique<std::string>());
  std::string* out = buffers_[(*buffers_used)++].get();
  const size_t first = records->size();
  Status st = decoder_.Decode(h, header, payload_, out, records);
  if (!st.ok()) {
    records->resize(first);
    return Damage(st.message());
  }
  // Drop the records before the reader's offset (a position inside this batch).
  const size_t skip = static_cast<size_t>(offset_ - h.base_offset);
  records->erase(records->begin() + static_cast<std::ptrdiff_t>(first),
                 records->begin() + static_cast<std::ptrdiff_t>(first + skip));
  for (size_t i = first; i < records->size(); ++i) *bytes += (*records)[i].size();
  return Status::OK();
}

Result<size_t> LogReader::Read(std::vector<std::string_view>* records, size_t max_bytes) {
  records->clear();
  // An error after some batches were read is reported by the next call: the reader
  // stays in front of the damage, so it meets it again.
  Status st = ReadBatches(records, max_bytes);
  if (!st.ok() && records->empty()) return st;
  return records->size();
}

Status LogReader::ReadBatches(std::vector<std::string_view>* records, size_t max_bytes) {
  size_t buffers_used = 0;
  size_t bytes = 0;
  uint8_t header[kFrameHeaderSize];
  while (records->empty() || bytes < max_bytes) {
    if (segment_ == nullptr) SLUICE_RETURN_NOT_OK(Position());
    // Sealed first: once sealed, end_position is final.
    const bool sealed = segment_->sealed();
    const int64_t end = segment_->end_position();
    if (position_ >= end) {
      if (!sealed) break;  // caught up with the writer
      std::shared_ptr<Segment> next = log_->SegmentAfter(segment_->base_offset());
      if (next == nullptr) break;
      if (next->base_offset() != offset_) {
        if (offset_ < log_->start_offset()) {
          return Status::OutOfRange("log " + log_->dir() + ": offset " + std::to_string(offset_) +
                                    " was deleted by retention while this reader was behind; "
                                    "the log now starts at " +
                                    std::to_string(log_->start_offset()));
        }
        return Status::IOError(
            "log " + log_->dir() + ": segment " + segment_->path() + " ends at offset " +
            std::to_string(offset_) + " but the next segment starts at " +
            std::to_string(next->base_offset()) + "; records in between are missing");
      }
      segment_ = std::move(next);
      position_ = 0;
      expected_base_ = offset_;
      continue;
    }
    if (end - position_ < static_cast<int64_t>(kFrameHeaderSize)) {
      return Damage("short frame header");
    }
    SLUICE_RETURN_NOT_OK(segment_->ReadAt(position_, kFrameHeaderSize, header));
    Result<FrameHeader> h = DecodeFrameHeader(header);
    if (!h.ok()) return Damage(h.status().message());
    if (h->base_offset != expected_base_) {
      return Damage("batch has base offset " + std::to_string(h->base_offset) + ", expected " +
                    std::to_string(expected_base_));
    }
    if (h->frame_size() > end - position_) return Damage("batch runs past the end of the file");
    if (h->next_offset() > offset_) {
      SLUICE_RETURN_NOT_OK(ReadFrame(*h, header, &buffers_used, records, &bytes));
      offset_ = h->next_offset();
    }
    position_ += h->frame_size();
    expected_base_ = h->next_offset();
  }
  return Status::OK();
}

}  // namespace sluice::log
