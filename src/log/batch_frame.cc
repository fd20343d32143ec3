#include "log/batch_frame.h"

#include <lz4.h>
#include <zstd.h>

#include <bit>
#include <cstring>

#include "core/hash.h"

namespace sluice::log {

static_assert(std::endian::native == std::endian::little,
              "the log format is little-endian; add byte swaps for this platform");

namespace {

template <typename T>
void Put(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}
template <typename T>
T Get(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "none";
    case Codec::kLz4:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<Codec> ParseCodec(std::string_view name) {
  if (name == "none") return Codec::kNone;
  if (name == "lz4") return Codec::kLz4;
  if (name == "zstd") return Codec::kZstd;
  return Status::Invalid("unknown log codec '" + std::string(name) + "'; use none, lz4 or zstd");
}

uint64_t FrameChecksum(const uint8_t* header_bytes, std::string_view payload) {
  const uint64_t seed = HashBytes(header_bytes, 48);
  return HashBytes(payload.data(), payload.size(), seed);
}

Result<FrameHeader> DecodeFrameHeader(const uint8_t* b) {
  const uint32_t magic = Get<uint32_t>(b);
  if (magic != kFrameMagic) return Status::IOError("bad frame magic (not a record batch)");
  if (b[4] != kFormatVersion) {
    return Status::IOError("unsupported frame format version " + std::to_string(b[4]) +
                           " (this sluice reads version " + std::to_string(kFormatVersion) + ")");
  }
  if (b[5] > static_cast<uint8_t>(Codec::kZstd)) {
    return Status::IOError("unknown codec id " + std::to_string(b[5]) + " in frame header");
  }
  if (Get<uint16_t>(b + 6) != 0 || Get<uint32_t>(b + 28) != 0) {
    return Status::IOError("nonzero reserved bytes in frame header");
  }
  FrameHeader h;
  h.codec = static_cast<Codec>(b[5]);
  h.base_offset = Get<int64_t>(b + 8);
  h.record_count = Get<uint32_t>(b + 16);
  h.uncompressed_size = Get<uint32_t>(b + 20);
  h.compressed_size = Get<uint32_t>(b + 24);
  h.first_timestamp = Get<int64_t>(b + 32);
  h.last_timestamp = Get<int64_t>(b + 40);
  h.checksum = Get<uint64_t>(b + 48);
  if (h.base_offset < 0 || h.record_count == 0 ||
      uint64_t{h.uncompressed_size} < uint64_t{h.record_count} * 4 ||
      h.uncompressed_size >= kMaxBatchBytes || h.compressed_size >= kMaxBatchBytes ||
      (h.codec == Codec::kNone && h.compressed_size != h.uncompressed_size)) {
    return Status::IOError("inconsistent sizes or counts in frame header");
  }
  return h;
}

FrameEncoder::FrameEncoder() { std::memset(header_, 0, sizeof(header_)); }

FrameEncoder::~FrameEncoder() {
  if (zstd_cctx_ != nullptr) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_cctx_));
}

Status FrameEncoder::Encode(std::span<const std::string_view> records, int64_t base_offset,
                            int64_t timestamp, Codec codec, int zstd_level) {
  if (records.empty()) return Status::Invalid("a log append needs at least one record");
  uint64_t total = 0;
  for (const auto& r : records) total += 4 + r.size();
  if (total >= kMaxBatchBytes || records.size() > UINT32_MAX) {
    return Status::Invalid("log append of " + std::to_string(total) +
                           " bytes is too large; one append holds less than 2 GiB");
  }
  raw_.resize(total);
  char* p = raw_.data();
  for (const auto& r : records) {
    const uint32_t n = static_cast<uint32_t>(r.size());
    std::memcpy(p, &n, 4);
    if (n != 0) std::memcpy(p + 4, r.data(), n);
    p += 4 + n;
  }
  payload_ = raw_;
  Codec used = Codec::kNone;
  if (codec == Codec::kLz4) {
    compressed_.resize(LZ4_compressBound(static_cast<int>(total)));
    const int n = LZ4_compress_default(raw_.data(), compressed_.data(), static_cast<int>(total),
                                       static_cast<int>(compressed_.size()));
    if (n <= 0) return Status::Internal("lz4 compression failed");
    if (static_cast<uint64_t>(n) < total) {
      payload_ = std::string_view(compressed_.data(), static_cast<size_t>(n));
      used = Codec::kLz4;
    }
  } else if (codec == Codec::kZstd) {
    if (zstd_cctx_ == nullptr) zstd_cctx_ = ZSTD_createCCtx();
    if (zstd_cctx_ == nullptr) return Status::Internal("zstd: out of memory");
    compressed_.resize(ZSTD_compressBound(total));
    const size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_cctx_), compressed_.data(),
                                       compressed_.size(), raw_.data(), total, zstd_level);
    if (ZSTD_isError(n)) {
      return Status::Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    }
    if (n < total) {
      payload_ = std::string_view(compressed_.data(), n);
      used = Codec::kZstd;
    }
  }
  std::memset(header_, 0, sizeof(header_));
  Put<uint32_t>(header_, kFrameMagic);
  header_[4] = kFormatVersion;
  header_[5] = static_cast<uint8_t>(used);
  Put<int64_t>(header_ + 8, base_offset);
  Put<uint32_t>(header_ + 16, static_cast<uint32_t>(records.size()));
  Put<uint32_t>(header_ + 20, static_cast<uint32_t>(total));
  Put<uint32_t>(header_ + 24, static_cast<uint32_t>(payload_.size()));
  Put<int64_t>(header_ + 32, timestamp);
  Put<int64_t>(header_ + 40, timestamp);
  Put<uint64_t>(header_ + 48, FrameChecksum(header_, payload_));
  return Status::OK();
}

FrameDecoder::FrameDecoder() = default;

FrameDecoder::~FrameDecoder() {
  if (zstd_dctx_ != nullptr) ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(zstd_dctx_));
}

Status FrameDecoder::Decode(const FrameHeader& h, const uint8_t* header_bytes,
                            std::string_view payload, std::string* out,
                            std::vector<std::string_view>* records) {
  if (payload.size() != h.compressed_size) return Status::IOError("short frame payload");
  const uint64_t sum = FrameChecksum(header_bytes, payload);
  if (sum != h.checksum) return Status::IOError("checksum mismatch (damaged record batch)");
  out->resize(h.uncompressed_size);
  if (h.codec == Codec::kNone) {
    std::memcpy(out->data(), payload.data(), payload.size());
  } else if (h.codec == Codec::kLz4) {
    const int n = LZ4_decompress_safe(payload.data(), out->data(), static_cast<int>(payload.size()),
                                      static_cast<int>(h.uncompressed_size));
    if (n != static_cast<int>(h.uncompressed_size)) {
      return Status::IOError("lz4 payload does not decompress to the header's size");
    }
  } else {
    if (zstd_dctx_ == nullptr) zstd_dctx_ = ZSTD_createDCtx();
    if (zstd_dctx_ == nullptr) return Status::Internal("zstd: out of memory");
    const size_t n = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(zstd_dctx_), out->data(),
                                         out->size(), payload.data(), payload.size());
    if (ZSTD_isError(n) || n != h.uncompressed_size) {
      return Status::IOError("zstd payload does not decompress to the header's size");
    }
  }
  const char* p = out->data();
  const char* end = p + out->size();
  for (uint32_t i = 0; i < h.record_count; ++i) {
    uint32_t n;
    if (end - p < 4) return Status::IOError("record lengths overrun the batch payload");
    std::memcpy(&n, p, 4);
    p += 4;
    if (static_cast<uint64_t>(end - p) < n) {
      return Status::IOError("record lengths overrun the batch payload");
    }
    records->emplace_back(p, n);
    p += n;
  }
  if (p != end) return Status::IOError("batch payload is longer than its records");
  return Status::OK();
}

}  // namespace sluice::log
