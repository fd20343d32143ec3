// The on-disk record batch frame of the embedded log (byte layout in docs/log.md).
//
// A frame is a fixed 56-byte header followed by the payload. The payload, before
// compression, is the batch's records one after another, each a 4-byte little-endian
// length and then that many bytes. The checksum is XXH3-64 over the header's first 48
// bytes, used as the seed of XXH3-64 over the stored (possibly compressed) payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::log {

enum class Codec : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

// "none", "lz4" or "zstd".
const char* CodecName(Codec codec);
// Parses "none" | "lz4" | "zstd"; Invalid otherwise.
Result<Codec> ParseCodec(std::string_view name);

inline constexpr uint32_t kFrameMagic = 0x474F4C53;  // "SLOG" when read as bytes
inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kFrameHeaderSize = 56;
// Upper bound of a record's, and of a batch's payload, size: sizes are 32-bit fields.
inline constexpr uint64_t kMaxBatchBytes = uint64_t{1} << 31;

struct FrameHeader {
  int64_t base_offset = 0;
  uint32_t record_count = 0;
  Codec codec = Codec::kNone;
  uint32_t uncompressed_size = 0;
  uint32_t compressed_size = 0;  // bytes of payload stored after the header
  int64_t first_timestamp = 0;   // append time, microseconds since the epoch (UTC)
  int64_t last_timestamp = 0;
  uint64_t checksum = 0;

  int64_t next_offset() const { return base_offset + record_count; }
  int64_t frame_size() const { return static_cast<int64_t>(kFrameHeaderSize) + compressed_size; }
};

// Decodes and sanity-checks a header (magic, version, codec, reserved bytes, sizes). The
// error message says what is wrong but not where: callers add the file and position.
Result<FrameHeader> DecodeFrameHeader(const uint8_t* bytes);

// Builds frames; keeps its buffers and compression contexts between calls. Not
// thread-safe: one per writer.
class FrameEncoder {
 public:
  FrameEncoder();
  ~FrameEncoder();
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  // Encodes `records` as one frame with the given codec and zstd level. On success the
  // frame is header() followed by payload(), both valid until the next call. A codec that
  // does not shrink the payload is replaced by kNone in the frame. Fails when the batch
  // is empty or larger than kMaxBatchBytes, or on a compressor error.
  Status Encode(std::span<const std::string_view> records, int64_t base_offset, int64_t timestamp,
                Codec codec, int zstd_level);

  std::string_view header() const {
    return {reinterpret_cast<const char*>(header_), kFrameHeaderSize};
  }
  std::string_view payload() const { return payload_; }

 private:
  uint8_t header_[kFrameHeaderSize];
  std::string raw_;         // records, length-prefixed
  std::string compressed_;  // raw_ after compression
  std::string_view payload_;
  void* zstd_cctx_ = nullptr;
};

// Decodes frame payloads; keeps a decompression context. Not thread-safe.
class FrameDecoder {
 public:
  FrameDecoder();
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // Checks the payload's checksum against `header`, decompresses it into *out (cleared
  // first; kNone copies) and appends a view of every record to *records (views point into
  // *out). Fails with a message (without position) on a checksum mismatch, a
  // decompression error or records that do not add up to the header's sizes and count.
  Status Decode(const FrameHeader& header, const uint8_t* header_bytes, std::string_view payload,
                std::string* out, std::vector<std::string_view>* records);

 private:
  void* zstd_dctx_ = nullptr;
};

// The checksum stored in a frame: XXH3-64 of the payload seeded with XXH3-64 of the
// first 48 header bytes.
uint64_t FrameChecksum(const uint8_t* header_bytes, std::string_view payload);

}  // namespace sluice::log
