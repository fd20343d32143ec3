#include "log/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sluice::log {

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

struct Segment::ScanResult {
  int64_t end_position = 0;  // end of the last good frame
  int64_t next_offset = 0;
  int64_t last_timestamp = INT64_MIN;
  std::vector<IndexEntry> entries;  // index entries due after the scan's start
  bool damaged = false;             // a bad frame starts at end_position
  bool bad_header = false;          // ... and its header is what is bad
  std::string reason;
};

Segment::Segment(std::string dir, int64_t base_offset, int64_t index_interval_bytes)
    : dir_(std::move(dir)),
      path_(FileName(dir_, base_offset, ".log")),
      base_offset_(base_offset),
      index_interval_bytes_(index_interval_bytes) {
  next_offset_.store(base_offset);
}

Segment::~Segment() {
  if (fd_ >= 0) ::close(fd_);
  if (index_fd_ >= 0) ::close(index_fd_);
}

std::string Segment::FileName(const std::string& dir, int64_t base_offset, const char* ext) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld", static_cast<long long>(base_offset));
  return dir + "/" + name + ext;
}

Result<std::unique_ptr<Segment>> Segment::Create(const std::string& dir, int64_t base_offset,
                                                 int64_t index_interval_bytes) {
  std::unique_ptr<Segment> s(new Segment(dir, base_offset, index_interval_bytes));
  s->fd_ = ::open(s->path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (s->fd_ < 0) return Errno("cannot create log segment", s->path_);
  const std::string index_path = FileName(dir, base_offset, ".index");
  s->index_fd_ = ::open(index_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s->index_fd_ < 0) return Errno("cannot create log index", index_path);
  return s;
}

Result<std::unique_ptr<Segment>> Segment::Open(const std::string& dir, int64_t base_offset,
                                               int64_t index_interval_bytes, bool recover,
                                               RecoveryReport* report) {
  std::unique_ptr<Segment> s(new Segment(dir, base_offset, index_interval_bytes));
  s->fd_ = ::open(s->path_.c_str(), (recover ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (s->fd_ < 0) return Errno("cannot open log segment", s->path_);
  struct stat st;
  if (::fstat(s->fd_, &st) != 0) return Errno("cannot stat log segment", s->path_);
  const std::string index_path = FileName(dir, base_offset, ".index");
  s->index_missing_ = ::access(index_path.c_str(), F_OK) != 0;
  s->index_fd_ = ::open(index_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (s->index_fd_ < 0) return Errno("cannot open log index", index_path);
  SLUICE_RETURN_NOT_OK(s->Recover(recover, st.st_size, report));
  if (!recover) s->Seal();
  return s;
}

Status Segment::LoadIndex(int64_t file_size, bool* stale) {
  *stale = false;
  struct stat st;
  if (::fstat(index_fd_, &st) != 0) return Errno("cannot stat log index", path_);
  if (st.st_size == 0) {
    // Empty is normal for a segment smaller than one index interval; either way the
    // scan starts at byte 0 and writes the entries it finds.
    *stale = index_missing_ && file_size > 0;
    return Status::OK();
  }
  if (st.st_size % 16 != 0) {
    *stale = true;
    return Status::OK();
  }
  std::vector<IndexEntry> entries(static_cast<size_t>(st.st_size / 16));
  const ssize_t n = ::pread(index_fd_, entries.data(), static_cast<size_t>(st.st_size), 0);
  if (n != st.st_size) return Errno("cannot read log index of", path_);
  IndexEntry prev{base_offset_, 0};
  size_t keep = 0;
  for (const IndexEntry& e : entries) {
    if (e.offset <= prev.offset || e.position <= prev.position) {
      *stale = true;
      return Status::OK();
    }
    // The index ran ahead of data lost in a crash (or of a torn last frame).
    if (e.position + static_cast<int64_t>(kFrameHeaderSize) > file_size) break;
    prev = e;
    ++keep;
  }
  entries.resize(keep);
  if (!entries.empty()) {
    uint8_t header[kFrameHeaderSize];
    const IndexEntry& last = entries.back();
    bool matches = false;
    if (last.position + static_cast<int64_t>(kFrameHeaderSize) <= file_size &&
        ReadAt(last.position, kFrameHeaderSize, header).ok()) {
      Result<FrameHeader> h = DecodeFrameHeader(header);
      matches = h.ok() && h->base_offset == last.offset;
    }
    if (!matches) {
      *stale = true;
      return Status::OK();
    }
  }
  index_ = std::move(entries);
  return Status::OK();
}

Status Segment::ScanFrames(IndexEntry from, int64_t file_size, ScanResult* out) const {
  int64_t pos = from.position;
  int64_t expect = from.offset;
  int64_t last_indexed = from.position;
  std::string payload;
  uint8_t header[kFrameHeaderSize];
  out->entries.clear();
  while (pos < file_size) {
    if (file_size - pos < static_cast<int64_t>(kFrameHeaderSize)) {
      out->damaged = true;
      out->reason = "short frame header (" + std::to_string(file_size - pos) + " bytes)";
      out->bad_header = true;
      break;
    }
    SLUICE_RETURN_NOT_OK(ReadAt(pos, kFrameHeaderSize, header));
    Result<FrameHeader> h = DecodeFrameHeader(header);
    if (!h.ok()) {
      out->damaged = true;
      out->reason = h.status().message();
      out->bad_header = true;
      break;
    }
    if (h->base_offset != expect) {
      out->damaged = true;
      out->reason = "frame has base offset " + std::to_string(h->base_offset) + ", expected " +
                    std::to_string(expect);
      out->bad_header = true;
      break;
    }
    if (h->frame_size() > file_size - pos) {
      out->damaged = true;
      out->reason = "frame of " + std::to_string(h->frame_size()) + " bytes runs past the end " +
                    "of the file (torn write)";
      break;
    }
    payload.resize(h->compressed_size);
    SLUICE_RETURN_NOT_OK(ReadAt(pos + kFrameHeaderSize, payload.size(), payload.data()));
    if (FrameChecksum(header, payload) != h->checksum) {
      out->damaged = true;
      out->reason = "checksum mismatch";
      break;
    }
    if (pos > 0 && pos - last_indexed >= index_interval_bytes_) {
      out->entries.push_back({h->base_offset, pos});
      last_indexed = pos;
    }
    out->last_timestamp = std::max(out->last_timestamp, h->last_timestamp);
    pos += h->frame_size();
    expect = h->next_offset();
  }
  out->end_position = pos;
  out->next_offset = expect;
  return Status::OK();
}

Status Segment::RewriteIndex() {
  if (::ftruncate(index_fd_, 0) != 0) return Errno("cannot rewrite log index of", path_);
  const size_t bytes = index_.size() * sizeof(IndexEntry);
  if (bytes > 0 && ::pwrite(index_fd_, index_.data(), bytes, 0) != static_cast<ssize_t>(bytes)) {
    return Errno("cannot rewrite log index of", path_);
  }
  return Status::OK();
}

Status Segment::Recover(bool recover, int64_t file_size, RecoveryReport* report) {
  static_assert(sizeof(IndexEntry) == 16);
  bool stale = false;
  SLUICE_RETURN_NOT_OK(LoadIndex(file_size, &stale));
  struct stat st;
  if (::fstat(index_fd_, &st) != 0) return Errno("cannot stat log index", path_);
  const bool trimmed = !stale && st.st_size != static_cast<int64_t>(index_.size() * 16);
  if (stale) index_.clear();
  IndexEntry from = index_.empty() ? IndexEntry{base_offset_, 0} : index_.back();
  ScanResult scan;
  SLUICE_RETURN_NOT_OK(ScanFrames(from, file_size, &scan));
  if (scan.bad_header && scan.end_position == from.position && from.position > 0) {
    // The last index entry points at no valid frame header: distrust the index and scan
    // everything. (A good header with a torn payload there is just a torn tail.)
    stale = true;
    index_.clear();
    from = {base_offset_, 0};
    scan = ScanResult();
    SLUICE_RETURN_NOT_OK(ScanFrames(from, file_size, &scan));
  }
  index_.insert(index_.end(), scan.entries.begin(), scan.entries.end());
  if (stale) ++report->indexes_rebuilt;
  if (stale || trimmed || !scan.entries.empty()) SLUICE_RETURN_NOT_OK(RewriteIndex());
  int64_t end = scan.end_position;
  if (scan.damaged && recover) {
    if (::ftruncate(fd_, scan.end_position) != 0) {
      return Errno("cannot truncate the torn tail of log segment", path_);
    }
    report->bytes_truncated += file_size - scan.end_position;
    report->truncated_segment = path_;
    report->truncated_at = scan.end_position;
    report->reason = scan.reason;
  } else if (scan.damaged) {
    end = file_size;  // readers must reach the damage and report it, not skip it
  }
  end_position_.store(end, std::memory_order_release);
  next_offset_.store(scan.next_offset, std::memory_order_release);
  last_timestamp_.store(scan.last_timestamp, std::memory_order_release);
  last_indexed_position_ = index_.empty() ? 0 : index_.back().position;
  return Status::OK();
}

Status Segment::AppendFrame(std::string_view header, std::string_view payload,
                            const FrameHeader& h) {
  const int64_t pos = end_position_.load(std::memory_order_relaxed);
  struct iovec iov[2] = {{const_cast<char*>(header.data()), header.size()},
                         {const_cast<char*>(payload.data()), payload.size()}};
  int iov_first = 0;
  size_t left = header.size() + payload.size();
  int64_t at = pos;
  while (left > 0) {
    const ssize_t n = ::pwritev(fd_, iov + iov_first, 2 - iov_first, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status st = Errno("cannot write to log segment", path_);
      if (::ftruncate(fd_, pos) != 0) {
        return st.WithContext("and cannot cut the partial frame off; reopen the log to recover");
      }
      return st;
    }
    left -= static_cast<size_t>(n);
    at += n;
    size_t done = static_cast<size_t>(n);
    while (iov_first < 2 && done >= iov[iov_first].iov_len) {
      done -= iov[iov_first].iov_len;
      ++iov_first;
    }
    if (iov_first < 2) {
      iov[iov_first].iov_base = static_cast<char*>(iov[iov_first].iov_base) + done;
      iov[iov_first].iov_len -= done;
    }
  }
  if (pos > 0 && pos - last_indexed_position_ >= index_interval_bytes_) {
    IndexEntry e{h.base_offset, pos};
    {
      std::lock_guard<std::mutex> lock(index_mu_);
      index_.push_back(e);
    }
    last_indexed_position_ = pos;
    // The index is a hint (checked and rebuilt on open), so a failed write is not an error.
    const off_t index_at = static_cast<off_t>((index_.size() - 1) * sizeof(IndexEntry));
    [[maybe_unused]] const ssize_t w = ::pwrite(index_fd_, &e, sizeof(e), index_at);
  }
  next_offset_.store(h.next_offset(), std::memory_order_release);
  if (h.last_timestamp > last_timestamp_.load(std::memory_order_relaxed)) {
    last_timestamp_.store(h.last_timestamp, std::memory_order_release);
  }
  end_position_.store(at, std::memory_order_release);
  return Status::OK();
}

Status Segment::Sync() {
  if (::fdatasync(fd_) != 0) return Errno("cannot fsync log segment", path_);
  return Status::OK();
}

Status Segment::Remove() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return Errno("cannot delete log segment", path_);
  }
  const std::string index_path = FileName(dir_, base_offset_, ".index");
  if (::unlink(index_path.c_str()) != 0 && errno != ENOENT) {
    return Errno("cannot delete log index", index_path);
  }
  return Status::OK();
}

IndexEntry Segment::Lookup(int64_t offset) const {
  std::lock_guard<std::mutex> lock(index_mu_);
  auto it = std::upper_bound(index_.begin(), index_.end(), offset,
                             [](int64_t o, const IndexEntry& e) { return o < e.offset; });
  if (it == index_.begin()) return {base_offset_, 0};
  return *(it - 1);
}

Status Segment::ReadAt(int64_t position, size_t n, void* out) const {
  char* p = static_cast<char*>(out);
  while (n > 0) {
    const ssize_t r = ::pread(fd_, p, n, position);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Errno("cannot read log segment", path_);
    if (r == 0) {
      return Status::IOError("log segment " + path_ + " ends early at byte " +
                             std::to_string(position));
    }
    p += r;
    n -= static_cast<size_t>(r);
    position += r;
  }
  return Status::OK();
}

}  // namespace sluice::log
