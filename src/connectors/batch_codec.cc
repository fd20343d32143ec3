#include "connectors/batch_codec.h"

#include <cstring>

#include "core/hash.h"

namespace sluice::connectors {

namespace {

constexpr uint32_t kMagic = 0x31544253;  // "SBT1"

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

class Cursor {
 public:
  explicit Cursor(std::string_view b) : b_(b) {}
  template <typename T>
  bool Get(T* v) {
    if (b_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool Bytes(uint64_t n, const char** p) {
    if (b_.size() - pos_ < n) return false;
    *p = b_.data() + pos_;
    pos_ += static_cast<size_t>(n);
    return true;
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

Buffer CopyBuffer(const char* p, uint64_t n) {
  Buffer b;
  if (n > 0) b.Append(p, static_cast<size_t>(n));
  return b;
}

}  // namespace

uint64_t SchemaFingerprint(const Schema& schema) {
  uint64_t h = 0x5eed;
  for (const Field& f : schema.fields()) {
    h = HashCombine(h, HashString(f.name));
    h = HashCombine(h, HashString(f.type.ToString()));
    h = HashCombine(h, f.nullable ? 1 : 2);
  }
  return h;
}

void EncodeBatch(const RecordBatch& batch, std::string* out) {
  size_t need = 24;
  for (const ColumnPtr& c : batch.columns()) need += 32 + static_cast<size_t>(c->ByteSize());
  out->reserve(out->size() + need);
  Put<uint32_t>(out, kMagic);
  Put<uint32_t>(out, static_cast<uint32_t>(batch.num_columns()));
  Put<int64_t>(out, batch.num_rows());
  Put<uint64_t>(out, SchemaFingerprint(*batch.schema()));
  for (const ColumnPtr& c : batch.columns()) {
    const Buffer& d = c->data_buffer();
    const Buffer& v = c->validity_buffer();
    const Buffer& s = c->string_buffer();
    Put<int64_t>(out, c->null_count());
    Put<uint64_t>(out, d.size());
    Put<uint64_t>(out, v.size());
    Put<uint64_t>(out, s.size());
    out->append(reinterpret_cast<const char*>(d.data()), d.size());
    out->append(reinterpret_cast<const char*>(v.data()), v.size());
    out->append(reinterpret_cast<const char*>(s.data()), s.size());
  }
}

Result<RecordBatchPtr> DecodeBatch(std::string_view bytes, const SchemaPtr& schema) {
  Cursor in(bytes);
  uint32_t magic = 0, ncols = 0;
  int64_t rows = 0;
  uint64_t fingerprint = 0;
  if (!in.Get(&magic) || !in.Get(&ncols) || !in.Get(&rows) || !in.Get(&fingerprint) ||
      magic != kMagic) {
    return Status::Invalid("log record is not an encoded batch (bad header)");
  }
  if (static_cast<int>(ncols) != schema->num_fields() || fingerprint != SchemaFingerprint(*schema)) {
    return Status::Invalid("log record was written with a different schema than the source's (" +
                           std::to_string(ncols) + " columns); the source's schema changed "
                           "since these events were accepted");
  }
  if (rows < 0 || rows > (int64_t{1} << 31)) return Status::Invalid("log record: bad row count");
  std::vector<ColumnPtr> columns;
  columns.reserve(ncols);
  for (uint32_t i = 0; i < ncols; ++i) {
    const DataType type = schema->field(static_cast<int>(i)).type;
    int64_t nulls = 0;
    uint64_t dsize = 0, vsize = 0, ssize = 0;
    const char *d = nullptr, *v = nullptr, *s = nullptr;
    if (!in.Get(&nulls) || !in.Get(&dsize) || !in.Get(&vsize) || !in.Get(&ssize) ||
        !in.Bytes(dsize, &d) || !in.Bytes(vsize, &v) || !in.Bytes(ssize, &s)) {
      return Status::Invalid("log record: column " + std::to_string(i) + " is cut short");
    }
    const uint64_t urows = static_cast<uint64_t>(rows);
    const uint64_t want = type.IsVarLength() ? (urows + 1) * 4
                                             : urows * static_cast<uint64_t>(type.ByteWidth());
    if (dsize != want || (vsize != 0 && vsize < (urows + 7) / 8) || nulls < 0 || nulls > rows ||
        (vsize == 0 && nulls != 0)) {
      return Status::Invalid("log record: column " + std::to_string(i) + " has inconsistent sizes");
    }
    if (type.IsVarLength()) {
      const char* p = d;
      int32_t prev = 0;
      for (uint64_t r = 0; r <= urows; ++r) {
        int32_t off = 0;
        std::memcpy(&off, p + r * 4, 4);
        if (off < prev || (r == 0 && off != 0)) {
          return Status::Invalid("log record: column " + std::to_string(i) + " has bad offsets");
        }
        prev = off;
      }
      if (static_cast<uint64_t>(prev) != ssize) {
        return Status::Invalid("log record: column " + std::to_string(i) + " has bad offsets");
      }
    }
    auto col = std::make_shared<Column>(type);
    col->SetBuffers(CopyBuffer(d, dsize), CopyBuffer(v, vsize), CopyBuffer(s, ssize), rows, nulls);
    columns.push_back(std::move(col));
  }
  if (!in.done()) return Status::Invalid("log record: trailing bytes after the batch");
  return std::make_shared<const RecordBatch>(schema, std::move(columns), rows);
}

}  // namespace sluice::connectors
