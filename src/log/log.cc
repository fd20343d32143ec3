#include "log/log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/time.h"
#include "log/log_reader.h"

namespace sluice::log {

namespace {

// "<20 digits>.log" -> base offset; -1 for any other name.
int64_t ParseSegmentName(const std::string& name) {
  if (name.size() != 24 || name.compare(20, 4, ".log") != 0) return -1;
  int64_t v = 0;
  for (int i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    if (v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

Status ValidateOptions(const LogOptions& o) {
  if (o.segment_bytes < 1024) {
    return Status::Invalid("log option segment_bytes must be at least 1024, got " +
                           std::to_string(o.segment_bytes));
  }
  if (o.index_interval_bytes < 1) {
    return Status::Invalid("log option index_interval_bytes must be positive, got " +
                           std::to_string(o.index_interval_bytes));
  }
  if (o.zstd_level < 1 || o.zstd_level > 19) {
    return Status::Invalid("log option zstd_level must be in 1..19, got " +
                           std::to_string(o.zstd_level));
  }
  return Status::OK();
}

}  // namespace

Result<FsyncPolicy> ParseFsyncPolicy(std::string_view name) {
  if (name == "on_sync") return FsyncPolicy::kOnSync;
  if (name == "every_append") return FsyncPolicy::kEveryAppend;
  if (name == "never") return FsyncPolicy::kNever;
  return Status::Invalid("unknown log fsync policy '" + std::string(name) +
                         "'; use on_sync, every_append or never");
}

Log::Log(std::string dir, const LogOptions& options) : dir_(std::move(dir)), options_(options) {}

Log::~Log() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

Result<std::unique_ptr<Log>> Log::Open(const std::string& dir, const LogOptions& options) {
  SLUICE_RETURN_NOT_OK(ValidateOptions(options));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create log folder " + dir + ": " + ec.message());
  std::unique_ptr<Log> log(new Log(dir, options));
  const std::string lock_path = dir + "/LOCK";
  log->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (log->lock_fd_ < 0) {
    return Status::IOError("cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(log->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::IOError("log folder " + dir +
                           " is already open (by this or another process); close it first");
  }
  SLUICE_RETURN_NOT_OK(log->OpenSegments());
  return log;
}

Status Log::OpenSegments() {
  std::vector<int64_t> bases;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const int64_t base = ParseSegmentName(entry.path().filename().string());
    if (base >= 0) bases.push_back(base);
  }
  if (ec) return Status::IOError("cannot list log folder " + dir_ + ": " + ec.message());
  std::sort(bases.begin(), bases.end());
  for (size_t i = 0; i < bases.size(); ++i) {
    const bool last = i + 1 == bases.size();
    SLUICE_ASSIGN_OR_RETURN(
        std::unique_ptr<Segment> s,
        Segment::Open(dir_, bases[i], options_.index_interval_bytes, last, &recovery_));
    segments_.push_back(std::move(s));
  }
  if (segments_.empty()) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Segment> s,
                            Segment::Create(dir_, 0, options_.index_interval_bytes));
    segments_.push_back(std::move(s));
    SLUICE_RETURN_NOT_OK(SyncDir());
  }
  next_offset_.store(segments_.back()->next_offset(), std::memory_order_release);
  return Status::OK();
}

Status Log::SyncDir() {
  if (options_.fsync == FsyncPolicy::kNever) return Status::OK();
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Status::IOError("cannot open log folder " + dir_ + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return Status::IOError("cannot fsync log folder " + dir_ + ": " + std::strerror(errno));
  return Status::OK();
}

Status Log::Roll() {
  Segment* old = segments_.back().get();
  if (options_.fsync != FsyncPolicy::kNever) SLUICE_RETURN_NOT_OK(old->Sync());
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Segment> s,
                          Segment::Create(dir_, next_offset(), options_.index_interval_bytes));
  {
    std::lock_guard<std::mutex> lock(mu_);
    segments_.push_back(std::move(s));
  }
  old->Seal();  // after the new segment is visible, so a reader at the end finds it
  return SyncDir();
}

Result<int64_t> Log::Append(std::span<const std::string_view> records, int64_t timestamp_micros) {
  if (!failed_.ok()) return failed_;
  const int64_t base = next_offset();
  const int64_t ts = timestamp_micros == kNow ? NowMicros() : timestamp_micros;
  SLUICE_RETURN_NOT_OK(encoder_.Encode(records, base, ts, options_.codec, options_.zstd_level));
  const int64_t frame_bytes =
      static_cast<int64_t>(encoder_.header().size() + encoder_.payload().size());
  const int64_t used = segments_.back()->end_position();
  if (used > 0 && used + frame_bytes > options_.segment_bytes) SLUICE_RETURN_NOT_OK(Roll());
  Segment* active = segments_.back().get();
  FrameHeader h;
  h.base_offset = base;
  h.record_count = static_cast<uint32_t>(records.size());
  h.last_timestamp = ts;
  Status st = active->AppendFrame(encoder_.header(), encoder_.payload(), h);
  if (!st.ok()) {
    if (active->end_position() != used) failed_ = st;
    return st;
  }
  next_offset_.store(h.next_offset(), std::memory_order_release);
  if (options_.fsync == FsyncPolicy::kEveryAppend) SLUICE_RETURN_NOT_OK(Sync());
  return base;
}

Status Log::Sync() {
  if (!failed_.ok()) return failed_;
  if (options_.fsync == FsyncPolicy::kNever) return Status::OK();
  Status st = segments_.back()->Sync();
  // After a failed fsync the kernel may have dropped the dirty pages: what is on disk is
  // unknown, so refuse to go on until a reopen has recovered the tail.
  if (!st.ok()) failed_ = st.WithContext("log " + dir_ + " needs a reopen");
  return st;
}

int64_t Log::start_offset() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.front()->base_offset();
}

int64_t Log::size_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t total = 0;
  for (const auto& s : segments_) total += s->end_position();
  return total;
}

size_t Log::segment_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.size();
}

Result<std::unique_ptr<LogReader>> Log::NewReader(int64_t offset) const {
  const int64_t start = start_offset();
  const int64_t next = next_offset();
  if (offset < start || offset > next) {
    return Status::OutOfRange("log " + dir_ + ": offset " + std::to_string(offset) +
                              " is outside the stored range [" + std::to_string(start) + ", " +
                              std::to_string(next) + "]");
  }
  return std::unique_ptr<LogReader>(new LogReader(this, offset));
}

std::shared_ptr<Segment> Log::SegmentFor(int64_t offset) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), offset,
      [](int64_t o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
  if (it == segments_.begin()) return nullptr;
  return *(it - 1);
}

std::shared_ptr<Segment> Log::SegmentAfter(int64_t base_offset) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), base_offset,
      [](int64_t o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
  return it == segments_.end() ? nullptr : *it;
}

Status Log::ApplyRetention(int64_t now_micros) {
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t total = 0;
    for (const auto& s : segments_) total += s->end_position();
    size_t n = 0;
    while (n + 1 < segments_.size()) {
      const Segment& s = *segments_[n];
      const bool by_size =
          options_.retention_bytes >= 0 && total - s.end_position() >= options_.retention_bytes;
      const bool by_age = options_.retention_age_micros >= 0 && s.last_timestamp() != INT64_MIN &&
                          s.last_timestamp() < now_micros - options_.retention_age_micros;
      if (!by_size && !by_age) break;
      total -= s.end_position();
      ++n;
    }
    doomed.assign(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(n));
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  for (const auto& s : doomed) SLUICE_RETURN_NOT_OK(s->Remove());
  if (!doomed.empty()) SLUICE_RETURN_NOT_OK(SyncDir());
  return Status::OK();
}

}  // namespace sluice::log
