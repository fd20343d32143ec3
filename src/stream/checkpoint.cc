#include "stream/checkpoint.h"

#include "core/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/hash.h"
#include "core/time.h"
#include "stream/state_codec.h"

namespace sluice::stream {

namespace fs = std::filesystem;

namespace {

constexpr char kSuffix[] = ".ckpt";

}  // namespace

// Format 1 ("sluice checkpoint") had no state layout; format 2 adds it after each query.
constexpr char kTagV1[] = "sluice checkpoint";
constexpr char kTagV2[] = "sluice checkpoint 2";
constexpr char kTagV3[] = "sluice checkpoint 3";  // v2 + max_event_time at the end

namespace {

// Builds the payload of an encoded checkpoint as segments: small values are appended to
// owned buffers, the operators' states are referenced where they are.
class SegmentBuilder {
 public:
  explicit SegmentBuilder(std::vector<EncodedCheckpoint::Segment>* out) : out_(out) {
    out_->emplace_back();
  }
  void Raw(const void* p, size_t n) { out_->back().owned.append(static_cast<const char*>(p), n); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void I64(int64_t v) { Raw(&v, sizeof v); }
  void Bool(bool v) {
    const uint8_t b = v ? 1 : 0;
    Raw(&b, 1);
  }
  void String(std::string_view s) {
    U64(s.size());
    Raw(s.data(), s.size());
  }
  // A string written like String, its bytes not copied (`s` must outlive the segments).
  void Borrowed(std::string_view s) {
    U64(s.size());
    EncodedCheckpoint::Segment borrowed;
    borrowed.borrowed = s;
    borrowed.is_borrowed = true;
    out_->push_back(std::move(borrowed));
    out_->emplace_back();
  }

 private:
  std::vector<EncodedCheckpoint::Segment>* out_;
};

}  // namespace

EncodedCheckpoint EncodeCheckpointParts(const CheckpointData& data) {
  EncodedCheckpoint e;
  e.segments.emplace_back();  // the header, filled in below
  SegmentBuilder w(&e.segments);
  w.String(kTagV3);
  w.I64(data.id);
  w.I64(data.records);
  w.String(data.position.Serialize());
  w.Bool(data.finished);
  w.U64(data.queries.size());
  for (const CheckpointQuery& q : data.queries) {
    w.String(q.name);
    w.String(q.fingerprint);
    w.Bool(q.stateful);
    w.Borrowed(q.state);
    w.String(q.state_sql);
    w.U64(q.layout.size());
    for (const StateOperatorInfo& op : q.layout) {
      w.String(op.kind);
      w.String(op.where);
      w.U64(op.facets.size());
      for (const auto& [facet, value] : op.facets) {
        w.String(facet);
        w.String(value);
      }
    }
  }
  w.I64(data.max_event_time);
  // The header of a StateWriter snapshot over the payload segments.
  IncrementalHash checksum;
  uint64_t size = 0;
  for (size_t i = 1; i < e.segments.size(); ++i) {
    const std::string_view part = e.segments[i].view();
    checksum.Update(part.data(), part.size());
    size += part.size();
  }
  std::string& header = e.segments[0].owned;
  header.resize(kStateHeaderSize);
  WriteStateHeader(header.data(), size, checksum.Digest());
  return e;
}

size_t EncodedCheckpoint::size() const {
  size_t n = 0;
  for (const Segment& s : segments) n += s.view().size();
  return n;
}

std::string EncodeCheckpoint(const CheckpointData& data) {
  const EncodedCheckpoint e = EncodeCheckpointParts(data);
  std::string out;
  out.reserve(e.size());
  for (const auto& s : e.segments) out += s.view();
  return out;
}

namespace {

Status DecodeLayout(StateReader* r, CheckpointQuery* q) {
  q->has_layout = true;
  SLUICE_RETURN_NOT_OK(r->ReadString(&q->state_sql));
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(r->ReadCount(&n, 24));
  q->layout.resize(n);
  for (StateOperatorInfo& op : q->layout) {
    SLUICE_RETURN_NOT_OK(r->ReadString(&op.kind));
    SLUICE_RETURN_NOT_OK(r->ReadString(&op.where));
    uint64_t facets = 0;
    SLUICE_RETURN_NOT_OK(r->ReadCount(&facets, 16));
    op.facets.resize(facets);
    for (auto& [facet, value] : op.facets) {
      SLUICE_RETURN_NOT_OK(r->ReadString(&facet));
      SLUICE_RETURN_NOT_OK(r->ReadString(&value));
    }
  }
  return Status::OK();
}

}  // namespace

Result<CheckpointData> DecodeCheckpoint(std::string_view bytes, const std::string& what) {
  SLUICE_ASSIGN_OR_RETURN(StateReader r, StateReader::Open(bytes, what));
  CheckpointData data;
  const bool v3 = r.ExpectTag(kTagV3).ok();
  const bool v2 = v3 || r.ExpectTag(kTagV2).ok();
  if (!v2) SLUICE_RETURN_NOT_OK(r.ExpectTag(kTagV1));
  SLUICE_RETURN_NOT_OK(r.ReadI64(&data.id));
  SLUICE_RETURN_NOT_OK(r.ReadI64(&data.records));
  if (data.id <= 0 || data.records < 0) return r.Corrupt("bad checkpoint id or record count");
  std::string position;
  SLUICE_RETURN_NOT_OK(r.ReadString(&position));
  Result<connectors::Position> pos = connectors::Position::Parse(position);
  if (!pos.ok()) return r.Corrupt("bad source position: " + pos.status().message());
  data.position = std::move(*pos);
  SLUICE_RETURN_NOT_OK(r.ReadBool(&data.finished));
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(r.ReadCount(&n, 25));
  data.queries.resize(n);
  for (CheckpointQuery& q : data.queries) {
    SLUICE_RETURN_NOT_OK(r.ReadString(&q.name));
    SLUICE_RETURN_NOT_OK(r.ReadString(&q.fingerprint));
    SLUICE_RETURN_NOT_OK(r.ReadBool(&q.stateful));
    SLUICE_RETURN_NOT_OK(r.ReadString(&q.state));
    if (v2) SLUICE_RETURN_NOT_OK(DecodeLayout(&r, &q));
  }
  if (v3) SLUICE_RETURN_NOT_OK(r.ReadI64(&data.max_event_time));
  SLUICE_RETURN_NOT_OK(r.ExpectEnd());
  return data;
}

namespace {

constexpr char kCommitPrefix[] = "sluice-commit 1 ";

}  // namespace

std::string EncodeCommitPosition(int64_t records, bool finished, const connectors::Position& position) {
  return std::string(kCommitPrefix) + "records=" + std::to_string(records) +
         " finished=" + (finished ? "1" : "0") + "\n" + position.Serialize();
}

Result<CommitInfo> DecodeCommitPosition(const std::string& text, const std::string& what) {
  CommitInfo info;
  std::string rest = text;
  if (text.rfind(kCommitPrefix, 0) == 0) {
    const size_t nl = text.find('\n');
    const std::string head = text.substr(0, nl);
    long long records = -1;
    int finished = -1;
    char tail = 0;
    if (std::sscanf(head.c_str() + sizeof(kCommitPrefix) - 1, "records=%lld finished=%d%c", &records,
                    &finished, &tail) != 2 ||
        records < 0 || (finished != 0 && finished != 1)) {
      return Status::Invalid(what + ": malformed commit record '" + head + "'");
    }
    info.has_replay_info = true;
    info.records = records;
    info.finished = finished == 1;
    rest = nl == std::string::npos ? std::string() : text.substr(nl + 1);
  }
  Result<connectors::Position> pos = connectors::Position::Parse(rest);
  if (!pos.ok()) return Status::Invalid(what + ": bad source position: " + pos.status().message());
  info.position = std::move(*pos);
  return info;
}

Status CheckStateCompatible(const CheckpointQuery& saved, const CheckpointQuery& now,
                            const std::string& query) {
  // The fingerprint (plan shape and schemas) does not see expressions; the SQL does.
  const bool same_sql = !saved.has_layout || saved.state_sql == now.state_sql;
  if (saved.fingerprint == now.fingerprint && same_sql) return Status::OK();
  if (!saved.stateful && !now.stateful) return Status::OK();  // no state to misread
  const std::string head = "query " + query + " changed since checkpoint: ";
  if (saved.stateful != now.stateful) {
    return Status::Invalid(head + (now.stateful ? "it now keeps state (an aggregate, window, join or "
                                                  "top-N was added) and the checkpoint has none for it"
                                                : "it no longer keeps state but the checkpoint holds some"));
  }
  if (!saved.has_layout) {
    return Status::Invalid(head + "its plan or schema differs (the checkpoint predates state "
                                  "descriptions, so no change can be allowed)");
  }
  if (saved.layout.size() != now.layout.size()) {
    return Status::Invalid(head + "it has " + std::to_string(now.layout.size()) +
                           " stateful operator(s), the checkpoint " + std::to_string(saved.layout.size()) +
                           " (an aggregate, window, join or top-N was added or removed)");
  }
  for (size_t i = 0; i < now.layout.size(); ++i) {
    const StateOperatorInfo& a = saved.layout[i];
    const StateOperatorInfo& b = now.layout[i];
    const std::string op = "operator " + std::to_string(i + 1) + " (" + b.kind + " at " + b.where + ")";
    if (a.kind != b.kind) {
      return Status::Invalid(head + op + " was " + a.kind + " in the checkpoint");
    }
    std::string diffs;
    for (const auto& [facet, value] : b.facets) {
      std::string was = "(none)";
      for (const auto& [f, v] : a.facets) {
        if (f == facet) was = v;
      }
      if (was != value) diffs += (diffs.empty() ? "" : "; ") + facet + " changed from " + was + " to " + value;
    }
    for (const auto& [facet, value] : a.facets) {
      bool found = false;
      for (const auto& fv : b.facets) found = found || fv.first == facet;
      if (!found) diffs += (diffs.empty() ? "" : "; ") + facet + " " + value + " was removed";
    }
    if (!diffs.empty()) return Status::Invalid(head + op + ": " + diffs);
  }
  if (!same_sql) {
    return Status::Invalid(head + "its SQL changed before its state (FROM, WHERE, GROUP BY, a "
                                  "window, a join or a subquery: rows would be counted differently "
                                  "from those already in the state); only the SELECT list of an "
                                  "aggregate query may change");
  }
  return Status::OK();
}

std::string CheckpointStore::PathOf(int64_t id) const {
  return (fs::path(dir_) / (std::to_string(id) + kSuffix)).string();
}

Status CheckpointStore::Write(const CheckpointData& data) {
  return WriteEncoded(data.id, EncodeCheckpointParts(data));
}

Status CheckpointStore::WriteEncoded(int64_t id, const EncodedCheckpoint& encoded) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::IOError("cannot create checkpoint directory '" + dir_ + "': " + ec.message());
  const std::string path = PathOf(id);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create checkpoint '" + tmp + "': " + std::strerror(errno));
  Status st;
  for (const auto& segment : encoded.segments) {
    if (st.ok()) st = WriteAll(fd, segment.view(), tmp);
  }
  if (st.ok() && ::fsync(fd) != 0) {
    st = Status::IOError("cannot fsync checkpoint '" + tmp + "': " + std::strerror(errno));
  }
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::IOError("cannot rename checkpoint '" + tmp + "' to '" + path + "': " + std::strerror(errno));
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return SyncDirectory(dir_);
}

Result<CheckpointData> CheckpointStore::Read(int64_t id) const {
  const std::string path = PathOf(id);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("checkpoint '" + path + "' does not exist");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read checkpoint '" + path + "'");
  SLUICE_ASSIGN_OR_RETURN(CheckpointData data, DecodeCheckpoint(buf.str(), "checkpoint '" + path + "'"));
  if (data.id != id) {
    return Status::Invalid("checkpoint '" + path + "' holds checkpoint " + std::to_string(data.id));
  }
  return data;
}

Result<std::vector<int64_t>> CheckpointStore::List() const {
  std::vector<int64_t> ids;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return ids;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= sizeof(kSuffix) - 1 || !name.ends_with(kSuffix)) continue;
    const std::string stem = name.substr(0, name.size() - (sizeof(kSuffix) - 1));
    if (stem.empty() || stem.size() > 18 || !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    ids.push_back(std::stoll(stem));
  }
  if (ec) return Status::IOError("cannot list checkpoint directory '" + dir_ + "': " + ec.message());
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status CheckpointStore::Prune(size_t keep) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<int64_t> ids, List());
  if (ids.size() <= keep) return Status::OK();
  for (size_t i = 0; i + keep < ids.size(); ++i) {
    std::error_code ec;
    fs::remove(PathOf(ids[i]), ec);
    if (ec) return Status::IOError("cannot delete checkpoint '" + PathOf(ids[i]) + "': " + ec.message());
  }
  return Status::OK();
}

CheckpointWriter::CheckpointWriter(CheckpointStore* store, size_t keep)
    : store_(store), keep_(keep), thread_([this] { Loop(); }) {}

CheckpointWriter::~CheckpointWriter() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status CheckpointWriter::Submit(CheckpointData data) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !busy_; });
  if (!error_.ok()) return error_;
  data_ = std::move(data);
  busy_ = true;
  lock.unlock();
  cv_.notify_all();
  return Status::OK();
}

Status CheckpointWriter::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !busy_; });
  return error_;
}

int64_t CheckpointWriter::last_write_nanos() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_write_nanos_;
}

std::string CheckpointWriter::TakeSpareBuffer(size_t index) {
  std::string buffer;
  size_t size = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (index < spare_.size()) {
      buffer = std::move(spare_[index]);
      spare_[index] = std::string();
      size = last_state_size_[index];
    }
  }
  // Room for the last size plus some growth (a new buffer's pages are only touched
  // when written).
  buffer.reserve(size + size / 8);
  return buffer;
}

void CheckpointWriter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return busy_ || stop_; });
    if (!busy_) return;  // stop_, nothing queued
    CheckpointData data = std::move(data_);
    data_ = CheckpointData{};
    lock.unlock();
    const int64_t start = MonotonicNanos();
    Status st = store_->WriteEncoded(data.id, EncodeCheckpointParts(data));
    // Prune only once the file is durable: until then the older files are what a resume needs.
    if (st.ok()) st = store_->Prune(keep_);
    const int64_t took = MonotonicNanos() - start;
    lock.lock();
    spare_.resize(data.queries.size());
    last_state_size_.resize(data.queries.size());
    for (size_t i = 0; i < data.queries.size(); ++i) {
      last_state_size_[i] = data.queries[i].state.size();
      spare_[i] = std::move(data.queries[i].state);
      spare_[i].clear();
    }
    data = CheckpointData{};
    if (error_.ok() && !st.ok()) error_ = st;
    last_write_nanos_ = took;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace sluice::stream
