#include "log_bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include "log/log.h"

namespace sluice::bench {

namespace {

constexpr int64_t kSyncEveryBytes = 1000000;
constexpr int64_t kChunkBytes = 64 * 1024;
constexpr size_t kPoolRecords = 4096;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// kPoolRecords records of exactly `bytes` bytes each, stored back to back.
std::string MakePool(int64_t bytes) {
  std::string pool;
  pool.reserve(kPoolRecords * static_cast<size_t>(bytes));
  uint64_t x = 42;
  std::string rec;
  for (size_t i = 0; i < kPoolRecords; ++i) {
    rec.clear();
    while (static_cast<int64_t>(rec.size()) < bytes) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      char field[96];
      std::snprintf(
          field, sizeof(field),
          "{\"order_id\":%llu,\"customer\":%llu,\"status\":\"%s\",\"amount\":%llu.%02llu}",
          static_cast<unsigned long long>(1000000 + i), static_cast<unsigned long long>(x % 100000),
          (x >> 20) % 3 == 0 ? "paid" : "created", static_cast<unsigned long long>((x >> 8) % 1000),
          static_cast<unsigned long long>(x % 100));
      rec += field;
    }
    rec.resize(static_cast<size_t>(bytes));
    pool += rec;
  }
  return pool;
}

// The log section of one repetition; returns wall seconds, *file_bytes the log's size.
Result<double> RunLog(const std::string& dir, const LogBenchOptions& o, log::Codec codec,
                      const std::string& pool, int64_t records, int64_t* file_bytes) {
  log::LogOptions lo;
  lo.codec = codec;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<log::Log> lg, log::Log::Open(dir, lo));
  const size_t rb = static_cast<size_t>(o.record_bytes);
  const int64_t per_append = std::max<int64_t>(1, kChunkBytes / o.record_bytes);
  std::vector<std::string_view> batch;
  batch.reserve(static_cast<size_t>(per_append));
  int64_t since_sync = 0;
  const double start = Now();
  for (int64_t i = 0; i < records;) {
    batch.clear();
    for (int64_t k = 0; k < per_append && i < records; ++k, ++i) {
      batch.emplace_back(pool.data() + (static_cast<size_t>(i) % kPoolRecords) * rb, rb);
    }
    SLUICE_RETURN_NOT_OK(lg->Append(batch).status());
    since_sync += static_cast<int64_t>(batch.size()) * o.record_bytes;
    if (since_sync >= kSyncEveryBytes) {
      SLUICE_RETURN_NOT_OK(lg->Sync());
      since_sync = 0;
    }
  }
  SLUICE_RETURN_NOT_OK(lg->Sync());
  const double seconds = Now() - start;
  *file_bytes = lg->size_bytes();
  return seconds;
}

// The raw section: the same record bytes written to a plain file; returns wall seconds.
Result<double> RunRaw(const std::string& path, const LogBenchOptions& o, const std::string& pool,
                      int64_t records) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  const size_t rb = static_cast<size_t>(o.record_bytes);
  const int64_t per_chunk = std::max<int64_t>(1, kChunkBytes / o.record_bytes);
  std::string chunk;
  int64_t since_sync = 0;
  Status st;
  const double start = Now();
  for (int64_t i = 0; i < records && st.ok();) {
    chunk.clear();
    for (int64_t k = 0; k < per_chunk && i < records; ++k, ++i) {
      chunk.append(pool.data() + (static_cast<size_t>(i) % kPoolRecords) * rb, rb);
    }
    if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
      st = Status::IOError("cannot write " + path + ": " + std::strerror(errno));
    }
    since_sync += static_cast<int64_t>(chunk.size());
    if (st.ok() && since_sync >= kSyncEveryBytes) {
      if (::fdatasync(fd) != 0) st = Status::IOError("cannot fsync " + path);
      since_sync = 0;
    }
  }
  if (st.ok() && ::fdatasync(fd) != 0) st = Status::IOError("cannot fsync " + path);
  const double seconds = Now() - start;
  ::close(fd);
  if (!st.ok()) return st;
  return seconds;
}

}  // namespace

Result<BenchResult> RunLogBench(const LogBenchOptions& o) {
  if (o.mb <= 0 || o.record_bytes <= 0 || o.repeat < 1) {
    return Status::Invalid("bench log: --mb and --record-bytes must be positive, --repeat >= 1");
  }
  SLUICE_ASSIGN_OR_RETURN(log::Codec codec, log::ParseCodec(o.codec));
  const std::string tmp =
      o.tmp_dir.empty() ? std::filesystem::temp_directory_path().string() : o.tmp_dir;
  std::error_code dir_ec;
  if (!std::filesystem::is_directory(tmp, dir_ec)) {
    return Status::Invalid("bench log: --tmp-dir " + tmp + " is not an existing folder");
  }
  const std::string root = tmp + "/sluice_log_bench_" + std::to_string(::getpid());
  const std::string pool = MakePool(o.record_bytes);
  const int64_t records = std::max<int64_t>(1, o.mb * 1000000 / o.record_bytes);
  const double mb = static_cast<double>(records * o.record_bytes) / 1e6;
  ResetPeakRss();
  std::vector<double> log_secs, rates, raw_rates, ratios;
  int64_t file_bytes = 0;
  Status st;
  for (int rep = 0; rep < o.repeat && st.ok(); ++rep) {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
    std::filesystem::create_directories(root, ec);
    if (ec) {
      st = Status::IOError("cannot create " + root + ": " + ec.message());
      break;
    }
    Result<double> log_s = 0.0, raw_s = 0.0;
    for (int k = 0; k < 2; ++k) {
      if ((k == 0) == (rep % 2 == 0)) {
        log_s = RunLog(root + "/log", o, codec, pool, records, &file_bytes);
      } else {
        raw_s = RunRaw(root + "/raw.bin", o, pool, records);
      }
    }
    if (!log_s.ok()) st = log_s.status();
    if (st.ok() && !raw_s.ok()) st = raw_s.status();
    if (!st.ok()) break;
    log_secs.push_back(*log_s);
    rates.push_back(mb / *log_s);
    raw_rates.push_back(mb / *raw_s);
    ratios.push_back(*raw_s / *log_s);
  }
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
  if (!st.ok()) return st;
  BenchResult r;
  r.name = "log/append/" + o.codec;
  r.events = records;
  r.bytes = records * o.record_bytes;
  r.seconds = Median(log_secs);
  r.rate_unit = "mb_per_sec";
  r.per_core_rate = Median(rates);
  r.peak_rss_bytes = PeakRssBytes();
  r.extra.emplace_back("records_per_sec", static_cast<double>(records) / r.seconds);
  r.extra.emplace_back("raw_mb_per_sec", Median(raw_rates));
  r.extra.emplace_back("ratio", Median(ratios));
  r.extra.emplace_back("rate_min", *std::min_element(rates.begin(), rates.end()));
  r.extra.emplace_back("rate_max", *std::max_element(rates.begin(), rates.end()));
  r.extra.emplace_back("repeat", o.repeat);
  r.extra.emplace_back("log_file_bytes", static_cast<double>(file_bytes));
  return r;
}

}  // namespace sluice::bench
