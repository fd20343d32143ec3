// StateWriter / StateReader: the binary format of operator state snapshots (checkpoints).
//
// A snapshot is a header followed by a payload:
//   "SLST" (4 bytes) | format version u32 | payload length u64 | XXH3-64 of the payload u64
// and the payload is a sequence of little-endian primitives written by StateWriter and
// read back, in the same order, by StateReader: fixed-width integers, doubles, 128-bit
// integers, length-prefixed strings, Columns (every type, with validity) and tags (a
// named marker an operator writes first, so that a snapshot of another operator or of
// a different shape is refused instead of misread).
//
// Reading never trusts the input: a wrong magic, version or checksum, a truncated
// payload, a count larger than the bytes left, or a malformed Column is an Invalid
// status naming the byte offset; reads never crash or allocate more than the input size.
// Not thread-safe; a writer or reader belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/column.h"
#include "core/status.h"

namespace sluice::stream {

__extension__ typedef __int128 StateInt128;

inline constexpr uint32_t kStateFormatVersion = 1;

// The snapshot header's size: magic, version, payload length, checksum.
inline constexpr size_t kStateHeaderSize = 4 + 4 + 8 + 8;

// Writes a snapshot header (kStateHeaderSize bytes) for a payload of `payload_size` bytes
// whose HashBytes is `checksum` (for payloads written in pieces, e.g. checkpoints).
void WriteStateHeader(char* out, uint64_t payload_size, uint64_t checksum);

class StateWriter {
 public:
  StateWriter() : StateWriter(std::string()) {}
  // Writes into `buffer` (its content is dropped, its capacity reused): a checkpoint
  // passes the previous snapshot's buffer back in, so a snapshot of a state the size of
  // the last one neither grows nor page-faults its buffer.
  explicit StateWriter(std::string buffer) : payload_(std::move(buffer)) {
    payload_.assign(kStateHeaderSize, '\0');
  }
  // Reserves room for a payload of `bytes` (a hint; writing more still works).
  void Reserve(size_t bytes) { payload_.reserve(kStateHeaderSize + bytes); }

  void WriteU8(uint8_t v) { Raw(&v, 1); }
  void WriteBool(bool v) { WriteU8(v ? 1 : 0); }
  void WriteI32(int32_t v) { Raw(&v, sizeof v); }
  void WriteI64(int64_t v) { Raw(&v, sizeof v); }
  void WriteU64(uint64_t v) { Raw(&v, sizeof v); }
  void WriteDouble(double v) { Raw(&v, sizeof v); }
  void WriteI128(StateInt128 v) { Raw(&v, sizeof v); }
  void WriteString(std::string_view s) {
    WriteU64(s.size());
    Raw(s.data(), s.size());
  }
  // A marker checked by StateReader::ExpectTag (e.g. the operator's name).
  void WriteTag(std::string_view tag) { WriteString(tag); }
  void WriteColumn(const Column& c);
  // A vector of trivially copyable values: count, then the raw bytes.
  template <typename T>
  void WriteVector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    WriteU64(v.size());
    Raw(v.data(), v.size() * sizeof(T));
  }
  // A vector of such vectors: count, then each.
  template <typename T>
  void WriteNested(const std::vector<std::vector<T>>& v) {
    WriteU64(v.size());
    for (const auto& inner : v) WriteVector(inner);
  }
  void Raw(const void* data, size_t n) { payload_.append(static_cast<const char*>(data), n); }
  // Appends `n` bytes for the caller to fill (unspecified until written) and returns them;
  // valid until the next write. For encoders that lay out many small values in one loop.
  char* Extend(size_t n) {
    const size_t at = payload_.size();
    payload_.resize(at + n);
    return payload_.data() + at;
  }

  size_t payload_size() const { return payload_.size() - kStateHeaderSize; }
  // The complete snapshot: header + payload, in the writer's buffer (no copy). The
  // writer is empty afterwards.
  std::string Finish();

 private:
  std::string payload_;  // the header's room, then the payload
};

class StateReader {
 public:
  // Checks the header and checksum of `snapshot` (which must outlive the reader);
  // `what` names it in messages ("checkpoint .sluice/checkpoints/p/7.ckpt").
  static Result<StateReader> Open(std::string_view snapshot, std::string what);

  Status ReadU8(uint8_t* v) { return Raw(v, 1); }
  Status ReadBool(bool* v);
  Status ReadI32(int32_t* v) { return Raw(v, sizeof *v); }
  Status ReadI64(int64_t* v) { return Raw(v, sizeof *v); }
  Status ReadU64(uint64_t* v) { return Raw(v, sizeof *v); }
  Status ReadDouble(double* v) { return Raw(v, sizeof *v); }
  Status ReadI128(StateInt128* v) { return Raw(v, sizeof *v); }
  Status ReadString(std::string* s);
  // Invalid unless the next value is a tag equal to `tag`.
  Status ExpectTag(std::string_view tag);
  // Reads a column written by WriteColumn; Invalid when it is not of type `type`.
  Status ReadColumn(const DataType& type, Column* out);
  // Reads a column of whatever (valid) type it was written with.
  Status ReadAnyColumn(Column* out);
  // A count of elements of `elem_size` bytes each that must fit in the bytes left.
  Status ReadCount(uint64_t* n, size_t elem_size);
  template <typename T>
  Status ReadVector(std::vector<T>* v) {
    static_assert(std::is_trivially_copyable_v<T>);
    uint64_t n = 0;
    SLUICE_RETURN_NOT_OK(ReadCount(&n, sizeof(T)));
    v->resize(n);
    return Raw(v->data(), n * sizeof(T));
  }
  template <typename T>
  Status ReadNested(std::vector<std::vector<T>>* v) {
    uint64_t n = 0;
    SLUICE_RETURN_NOT_OK(ReadCount(&n, 8));
    v->assign(n, {});
    for (auto& inner : *v) SLUICE_RETURN_NOT_OK(ReadVector(&inner));
    return Status::OK();
  }
  Status Raw(void* out, size_t n);

  size_t offset() const { return pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  // Invalid unless every byte was read (a snapshot with trailing data is not trusted).
  Status ExpectEnd() const;
  // Invalid "<what>: <msg> at byte <offset>".
  Status Corrupt(const std::string& msg) const;

 private:
  Status ReadColumnImpl(const DataType* type, Column* out);
  StateReader(std::string_view payload, std::string what, size_t header)
      : data_(payload), what_(std::move(what)), header_(header) {}
  std::string_view data_;  // the payload
  std::string what_;
  size_t header_;  // header bytes before the payload, for offsets in messages
  size_t pos_ = 0;
};

}  // namespace sluice::stream
