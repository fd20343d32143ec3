#include "stream/state_codec.h"

#include <cstring>

#include "core/hash.h"

namespace sluice::stream {

namespace {

constexpr char kMagic[4] = {'S', 'L', 'S', 'T'};
constexpr size_t kHeaderSize = kStateHeaderSize;

bool ValidType(const DataType& t) {
  if (static_cast<uint8_t>(t.id) > static_cast<uint8_t>(TypeId::kInterval)) return false;
  if (t.id == TypeId::kDecimal) return t.precision >= 1 && t.precision <= kMaxDecimalPrecision && t.scale <= t.precision;
  return t.precision == 0 && t.scale == 0;
}

}  // namespace

void StateWriter::WriteColumn(const Column& c) {
  WriteU8(static_cast<uint8_t>(c.type().id));
  WriteU8(c.type().precision);
  WriteU8(c.type().scale);
  const int64_t n = c.length();
  WriteI64(n);
  WriteI64(c.null_count());
  if (c.null_count() > 0) {
    // One bit per row, LSB first (the column's own layout), the bits past the last row 0.
    const size_t bytes = static_cast<size_t>((n + 7) / 8);
    char* bits = Extend(bytes);
    if (c.validity_buffer().size() >= bytes) {
      std::memcpy(bits, c.validity_buffer().data(), bytes);
      if (n % 8 != 0) bits[bytes - 1] &= static_cast<char>((1u << (n % 8)) - 1);
    } else {
      std::memset(bits, 0, bytes);
      for (int64_t i = 0; i < n; ++i) {
        if (c.IsValid(i)) bits[static_cast<size_t>(i >> 3)] |= static_cast<char>(1u << (i & 7));
      }
    }
  }
  if (c.type().IsVarLength()) {
    const int32_t* off = c.offsets();
    const int32_t base = off[0];
    if (base == 0) {
      Raw(off, static_cast<size_t>(n + 1) * sizeof(int32_t));
    } else {
      char* out = Extend(static_cast<size_t>(n + 1) * sizeof(int32_t));
      for (int64_t i = 0; i <= n; ++i, out += sizeof(int32_t)) {
        const int32_t rebased = off[i] - base;
        std::memcpy(out, &rebased, sizeof rebased);
      }
    }
    Raw(c.string_data() + base, static_cast<size_t>(off[n] - base));
  } else {
    Raw(c.data_buffer().data(), static_cast<size_t>(n) * static_cast<size_t>(c.type().ByteWidth()));
  }
}

void WriteStateHeader(char* out, uint64_t payload_size, uint64_t checksum) {
  const uint32_t version = kStateFormatVersion;
  std::memcpy(out, kMagic, 4);
  std::memcpy(out + 4, &version, sizeof version);
  std::memcpy(out + 8, &payload_size, sizeof payload_size);
  std::memcpy(out + 16, &checksum, sizeof checksum);
}

std::string StateWriter::Finish() {
  const uint64_t size = payload_.size() - kHeaderSize;
  WriteStateHeader(payload_.data(), size, HashBytes(payload_.data() + kHeaderSize, size));
  std::string out = std::move(payload_);
  payload_.assign(kHeaderSize, '\0');
  return out;
}

Result<StateReader> StateReader::Open(std::string_view snapshot, std::string what) {
  if (snapshot.size() < kHeaderSize) {
    return Status::Invalid(what + ": truncated state snapshot (" + std::to_string(snapshot.size()) +
                           " bytes, the header alone has " + std::to_string(kHeaderSize) + ")");
  }
  if (std::memcmp(snapshot.data(), kMagic, 4) != 0) {
    return Status::Invalid(what + ": not a sluice state snapshot (bad magic at byte 0)");
  }
  uint32_t version = 0;
  uint64_t size = 0, checksum = 0;
  std::memcpy(&version, snapshot.data() + 4, sizeof version);
  std::memcpy(&size, snapshot.data() + 8, sizeof size);
  std::memcpy(&checksum, snapshot.data() + 16, sizeof checksum);
  if (version != kStateFormatVersion) {
    return Status::Invalid(what + ": state snapshot format version " + std::to_string(version) +
                           " is not supported (this sluice reads version " +
                           std::to_string(kStateFormatVersion) + ") at byte 4");
  }
  if (size != snapshot.size() - kHeaderSize) {
    return Status::Invalid(what + ": state snapshot is truncated or has trailing bytes: the header (byte 8) says " +
                           std::to_string(size) + " payload bytes, the file holds " +
                           std::to_string(snapshot.size() - kHeaderSize));
  }
  std::string_view payload = snapshot.substr(kHeaderSize);
  if (HashBytes(payload.data(), payload.size()) != checksum) {
    return Status::Invalid(what + ": state snapshot is corrupt: checksum mismatch over bytes " +
                           std::to_string(kHeaderSize) + ".." + std::to_string(snapshot.size()));
  }
  return StateReader(payload, std::move(what), kHeaderSize);
}

Status StateReader::Corrupt(const std::string& msg) const {
  return Status::Invalid(what_ + ": " + msg + " at byte " + std::to_string(header_ + pos_));
}

Status StateReader::Raw(void* out, size_t n) {
  if (n > data_.size() - pos_) {
    return Corrupt("truncated state snapshot: " + std::to_string(n) + " bytes wanted, " +
                   std::to_string(data_.size() - pos_) + " left");
  }
  if (n > 0) std::memcpy(out, data_.data() + pos_, n);
  pos_ += n;
  return Status::OK();
}

Status StateReader::ReadBool(bool* v) {
  uint8_t b = 0;
  SLUICE_RETURN_NOT_OK(ReadU8(&b));
  if (b > 1) return Corrupt("bad boolean " + std::to_string(b));
  *v = b != 0;
  return Status::OK();
}

Status StateReader::ReadCount(uint64_t* n, size_t elem_size) {
  SLUICE_RETURN_NOT_OK(ReadU64(n));
  const uint64_t left = data_.size() - pos_;
  if (elem_size > 0 && *n > left / elem_size) {
    return Corrupt("count " + std::to_string(*n) + " exceeds the " + std::to_string(left) + " bytes left");
  }
  return Status::OK();
}

Status StateReader::ReadString(std::string* s) {
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(ReadCount(&n, 1));
  s->assign(data_.data() + pos_, n);
  pos_ += n;
  return Status::OK();
}

Status StateReader::ExpectTag(std::string_view tag) {
  const size_t at = pos_;
  std::string got;
  Status st = ReadString(&got);
  if (!st.ok() || got != tag) {
    pos_ = at;
    return Corrupt("expected the state of '" + std::string(tag) + "'" +
                   (st.ok() ? ", found '" + got.substr(0, 64) + "'" : std::string()));
  }
  return Status::OK();
}

Status StateReader::ReadColumn(const DataType& type, Column* out) { return ReadColumnImpl(&type, out); }

Status StateReader::ReadAnyColumn(Column* out) { return ReadColumnImpl(nullptr, out); }

Status StateReader::ReadColumnImpl(const DataType* type, Column* out) {
  const size_t at = pos_;
  uint8_t id = 0;
  DataType t;
  SLUICE_RETURN_NOT_OK(ReadU8(&id));
  SLUICE_RETURN_NOT_OK(ReadU8(&t.precision));
  SLUICE_RETURN_NOT_OK(ReadU8(&t.scale));
  t.id = static_cast<TypeId>(id);
  if (id > static_cast<uint8_t>(TypeId::kInterval) || !ValidType(t)) {
    pos_ = at;
    return Corrupt("bad column type code " + std::to_string(id));
  }
  if (type != nullptr && !(t == *type)) {
    pos_ = at;
    return Corrupt("column of type " + t.ToString() + " where " + type->ToString() + " was expected");
  }
  int64_t n = 0, nulls = 0;
  SLUICE_RETURN_NOT_OK(ReadI64(&n));
  SLUICE_RETURN_NOT_OK(ReadI64(&nulls));
  const uint64_t left = data_.size() - pos_;
  if (n < 0 || static_cast<uint64_t>(n) > left * 8 + 8 || nulls < 0 || nulls > n) {
    return Corrupt("bad column length " + std::to_string(n) + " / null count " + std::to_string(nulls));
  }
  Buffer validity;
  if (nulls > 0) {
    const size_t bytes = static_cast<size_t>((n + 7) / 8);
    validity.ResizeZeroed(bytes);
    SLUICE_RETURN_NOT_OK(Raw(validity.mutable_data(), bytes));
    int64_t counted = 0;
    for (int64_t i = 0; i < n; ++i) counted += ((validity.data()[i >> 3] >> (i & 7)) & 1) == 0;
    if (counted != nulls) return Corrupt("validity bitmap disagrees with the null count");
  }
  Buffer data, strings;
  if (t.IsVarLength()) {
    // n + 1 offsets of 4 bytes each must fit.
    if (static_cast<uint64_t>(n) + 1 > (data_.size() - pos_) / 4) return Corrupt("truncated string offsets");
    data.Resize(static_cast<size_t>(n + 1) * 4);
    SLUICE_RETURN_NOT_OK(Raw(data.mutable_data(), data.size()));
    const int32_t* off = data.data_as<int32_t>();
    if (off[0] != 0) return Corrupt("string offsets do not start at 0");
    for (int64_t i = 0; i < n; ++i) {
      if (off[i + 1] < off[i]) return Corrupt("string offsets decrease at row " + std::to_string(i));
    }
    const size_t bytes = static_cast<size_t>(off[n]);
    strings.Resize(bytes);
    SLUICE_RETURN_NOT_OK(Raw(strings.mutable_data(), bytes));
  } else {
    const size_t w = static_cast<size_t>(t.ByteWidth());
    if (static_cast<uint64_t>(n) > (data_.size() - pos_) / w) return Corrupt("truncated column values");
    data.Resize(static_cast<size_t>(n) * w);
    SLUICE_RETURN_NOT_OK(Raw(data.mutable_data(), data.size()));
  }
  Column c(t);
  c.SetBuffers(std::move(data), std::move(validity), std::move(strings), n, nulls);
  *out = std::move(c);
  return Status::OK();
}

Status StateReader::ExpectEnd() const {
  if (pos_ == data_.size()) return Status::OK();
  return Corrupt(std::to_string(data_.size() - pos_) + " unexpected bytes after the state");
}

}  // namespace sluice::stream
