#include "connectors/http_request_record.h"

#include <cstring>

namespace sluice::connectors {

namespace {

constexpr char kMagic[4] = {'S', 'R', 'Q', '1'};

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // little-endian hosts only, like batch_codec
  out->append(buf, sizeof(T));
}

void PutString(std::string* out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

// Reads fixed-size values and strings from `in`; any read past the end fails.
class Cursor {
 public:
  explicit Cursor(std::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T* v) {
    if (in_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetString(std::string* s) {
    uint32_t n = 0;
    if (!Get(&n) || in_.size() - pos_ < n) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t left() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

bool IsRequestRecord(std::string_view bytes) {
  return bytes.size() >= sizeof(kMagic) && std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) == 0;
}

void EncodeRequestRecord(const RequestRecord& record, std::string* out) {
  out->append(kMagic, sizeof(kMagic));
  Put<int64_t>(out, record.request_id);
  Put<int64_t>(out, record.time_micros);
  Put<int32_t>(out, record.status);
  PutString(out, record.idempotency_key);
  PutString(out, record.response_body);
  Put<uint32_t>(out, static_cast<uint32_t>(record.rejected.size()));
  for (const RejectedEvent& e : record.rejected) {
    Put<int64_t>(out, e.index);
    PutString(out, e.error);
    PutString(out, e.raw);
  }
}

Result<RequestRecord> DecodeRequestRecord(std::string_view bytes) {
  if (!IsRequestRecord(bytes)) return Status::Invalid("not a request record (bad magic)");
  Cursor c(bytes.substr(sizeof(kMagic)));
  RequestRecord r;
  uint32_t n = 0;
  const auto damaged = [] { return Status::Invalid("request record is truncated or damaged"); };
  if (!c.Get(&r.request_id) || !c.Get(&r.time_micros) || !c.Get(&r.status) ||
      !c.GetString(&r.idempotency_key) || !c.GetString(&r.response_body) || !c.Get(&n)) {
    return damaged();
  }
  // Each rejected event takes at least 16 bytes: bound the reservation by what is there.
  if (n > c.left() / 16) return damaged();
  r.rejected.resize(n);
  for (RejectedEvent& e : r.rejected) {
    if (!c.Get(&e.index) || !c.GetString(&e.error) || !c.GetString(&e.raw)) return damaged();
  }
  if (c.left() != 0) return damaged();
  return r;
}

}  // namespace sluice::connectors
