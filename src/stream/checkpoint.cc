#include "stream/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "stream/state_codec.h"

namespace sluice::stream {

namespace fs = std::filesystem;

namespace {

constexpr char kSuffix[] = ".ckpt";

Status WriteAll(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot write checkpoint '" + path + "': " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Status::IOError("cannot open directory '" + dir + "': " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot fsync directory '" + dir + "': " + std::strerror(errno));
  return Status::OK();
}

}  // namespace

std::string EncodeCheckpoint(const CheckpointData& data) {
  StateWriter w;
  w.WriteTag("sluice checkpoint");
  w.WriteI64(data.id);
  w.WriteI64(data.records);
  w.WriteString(data.position.Serialize());
  w.WriteBool(data.finished);
  w.WriteU64(data.queries.size());
  for (const CheckpointQuery& q : data.queries) {
    w.WriteString(q.name);
    w.WriteString(q.fingerprint);
    w.WriteBool(q.stateful);
    w.WriteString(q.state);
  }
  return w.Finish();
}

Result<CheckpointData> DecodeCheckpoint(std::string_view bytes, const std::string& what) {
  SLUICE_ASSIGN_OR_RETURN(StateReader r, StateReader::Open(bytes, what));
  CheckpointData data;
  SLUICE_RETURN_NOT_OK(r.ExpectTag("sluice checkpoint"));
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
  }
  SLUICE_RETURN_NOT_OK(r.ExpectEnd());
  return data;
}

std::string CheckpointStore::PathOf(int64_t id) const {
  return (fs::path(dir_) / (std::to_string(id) + kSuffix)).string();
}

Status CheckpointStore::Write(const CheckpointData& data) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::IOError("cannot create checkpoint directory '" + dir_ + "': " + ec.message());
  const std::string path = PathOf(data.id);
  const std::string tmp = path + ".tmp";
  const std::string bytes = EncodeCheckpoint(data);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create checkpoint '" + tmp + "': " + std::strerror(errno));
  Status st = WriteAll(fd, bytes, tmp);
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
  return SyncDir(dir_);
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

}  // namespace sluice::stream
