#include "parse_bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "connectors/file_source.h"
#include "core/time.h"

namespace sluice::bench {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t s_;
};

SchemaPtr OrderSchema() {
  return MakeSchema({{"order_id", DataType::Int64()},
                     {"customer_id", DataType::Int64()},
                     {"ts", DataType::Timestamp()},
                     {"status", DataType::Varchar()},
                     {"sku", DataType::Varchar()},
                     {"quantity", DataType::Int32()},
                     {"price", DataType::Decimal(10, 2)},
                     {"discount", DataType::Double()},
                     {"paid", DataType::Boolean()},
                     {"country", DataType::Varchar()},
                     {"note", DataType::Varchar()}});
}

void AppendRow(const std::string& format, int64_t i, Rng* rng, std::string* out) {
  static const char* kStatus[] = {"created", "paid", "shipped", "delivered", "cancelled"};
  static const char* kCountry[] = {"DE", "FR", "US", "GB", "NL", "ES", "IT", "PL"};
  static const char* kNote[] = {"", "leave at door", "gift \\\"wrap\\\" please", "call before",
                                "fragile, handle with care"};
  static const char* kNoteCsv[] = {"", "leave at door", "\"gift \"\"wrap\"\" please\"",
                                   "call before", "\"fragile, handle with care\""};
  char ts[40];
  const int64_t micros = int64_t{1714521600} * kMicrosPerSecond + i * 1000 + rng->Below(1000);
  FormatTimestampIso(micros, ts);
  const int64_t cents = 100 + rng->Below(100000);
  const int note = static_cast<int>(rng->Below(5));
  char line[512];
  int n;
  if (format == "ndjson") {
    n = std::snprintf(line, sizeof(line),
                      "{\"order_id\":%lld,\"customer_id\":%lld,\"ts\":\"%s\",\"status\":\"%s\","
                      "\"sku\":\"SKU-%06lld\",\"quantity\":%lld,\"price\":%lld.%02lld,"
                      "\"discount\":%.2f,\"paid\":%s,\"country\":\"%s\",\"note\":\"%s\"}\n",
                      static_cast<long long>(1000000 + i), static_cast<long long>(rng->Below(100000)),
                      ts, kStatus[rng->Below(5)], static_cast<long long>(rng->Below(1000000)),
                      static_cast<long long>(1 + rng->Below(9)), static_cast<long long>(cents / 100),
                      static_cast<long long>(cents % 100), static_cast<double>(rng->Below(40)) / 100,
                      rng->Below(2) ? "true" : "false", kCountry[rng->Below(8)], kNote[note]);
  } else {
    n = std::snprintf(line, sizeof(line), "%lld,%lld,%s,%s,SKU-%06lld,%lld,%lld.%02lld,%.2f,%s,%s,%s\n",
                      static_cast<long long>(1000000 + i), static_cast<long long>(rng->Below(100000)),
                      ts, kStatus[rng->Below(5)], static_cast<long long>(rng->Below(1000000)),
                      static_cast<long long>(1 + rng->Below(9)), static_cast<long long>(cents / 100),
                      static_cast<long long>(cents % 100), static_cast<double>(rng->Below(40)) / 100,
                      rng->Below(2) ? "true" : "false", kCountry[rng->Below(8)], kNoteCsv[note]);
  }
  out->append(line, static_cast<size_t>(n));
}

Status WriteFile(const std::string& path, const std::string& format, int64_t bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::IOError("cannot create '" + path + "'");
  std::string buf;
  if (format == "csv") {
    buf = "order_id,customer_id,ts,status,sku,quantity,price,discount,paid,country,note\n";
  }
  Rng rng(42);
  int64_t written = 0;
  for (int64_t i = 0; written + static_cast<int64_t>(buf.size()) < bytes; ++i) {
    AppendRow(format, i, &rng, &buf);
    if (buf.size() >= (1 << 22)) {
      written += static_cast<int64_t>(std::fwrite(buf.data(), 1, buf.size(), f));
      buf.clear();
    }
  }
  written += static_cast<int64_t>(std::fwrite(buf.data(), 1, buf.size(), f));
  const bool ok = std::fclose(f) == 0;
  return ok ? Status::OK() : Status::IOError("cannot write '" + path + "'");
}

// Removes the benchmark's input file when the benchmark ends, however it ends.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::string path) : path_(std::move(path)) {}
  ~RemoveOnExit() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;

 private:
  std::string path_;
};

// The measured section: the whole file through a fresh file source.
Status Parse(const std::string& path, const std::string& format, int64_t* rows,
             Repetition* rep) {
  connectors::FileSourceOptions options;
  options.path = path;
  options.format = format;
  connectors::FileSource source(options, OrderSchema());
  connectors::ConnectorContext ctx;
  ctx.name = "parse_bench";
  int64_t bad = 0;
  ctx.on_bad_record = [&bad](connectors::BadRecord) { ++bad; };
  *rows = 0;
  const int64_t start = MonotonicNanos();
  const double cpu_start = ProcessCpuSeconds();
  SLUICE_RETURN_NOT_OK(source.Open(ctx));
  std::vector<connectors::SourceBatch> batches;
  while (true) {
    batches.clear();
    SLUICE_ASSIGN_OR_RETURN(connectors::ReadState state,
                            source.Next(&batches, connectors::kNoRecordLimit));
    for (const auto& b : batches) *rows += b.batch->num_rows();
    if (state == connectors::ReadState::kEnd) break;
  }
  SLUICE_RETURN_NOT_OK(source.Close());
  rep->cpu_seconds = ProcessCpuSeconds() - cpu_start;
  rep->wall_seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  if (bad > 0) return Status::Internal("parse bench: " + std::to_string(bad) + " bad records");
  return Status::OK();
}

// The reference: pread in `chunk` bytes into one reused buffer, count '\n' with memchr.
// Sets *seconds to the CPU time and *lines to the newline count.
Status CountLines(const std::string& path, int64_t chunk, double* seconds, int64_t* lines) {
  std::vector<char> buf(static_cast<size_t>(chunk));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("parse bench: cannot open '" + path + "'");
  const double cpu_start = ProcessCpuSeconds();
  int64_t count = 0;
  off_t pos = 0;
  while (true) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), pos);
    if (n < 0) {
      ::close(fd);
      return Status::IOError("parse bench: cannot read '" + path + "'");
    }
    if (n == 0) break;
    pos += n;
    const char* p = buf.data();
    const char* end = p + n;
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
      ++count;
      ++p;
    }
  }
  *seconds = ProcessCpuSeconds() - cpu_start;
  *lines = count;
  ::close(fd);
  return Status::OK();
}

}  // namespace

Result<BenchResult> RunParseBench(const std::string& format, int64_t bytes,
                                  const std::string& tmp_dir, int repeat) {
  if (format != "ndjson" && format != "csv") {
    return Status::Invalid("parse bench: format must be ndjson or csv, not '" + format + "'");
  }
  if (repeat < 1) return Status::Invalid("--repeat must be at least 1");
  ResetPeakRss();
  std::error_code ec;
  std::filesystem::create_directories(tmp_dir, ec);
  const std::string path = (std::filesystem::path(tmp_dir) / ("parse_bench." + format)).string();
  RemoveOnExit remove(path);
  SLUICE_RETURN_NOT_OK(WriteFile(path, format, bytes));

  BenchResult r;
  r.name = "parse/" + format;
  r.rate_unit = "mb_per_sec_per_core";
  r.bytes = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  if (ec) return Status::IOError("parse bench: cannot stat '" + path + "': " + ec.message());
  const int64_t chunk = connectors::FileSourceOptions().read_chunk_bytes;
  std::vector<Repetition> reps;
  for (int i = 0; i < repeat; ++i) {
    Repetition rep;
    SLUICE_RETURN_NOT_OK(Parse(path, format, &r.events, &rep));
    int64_t lines = 0;
    SLUICE_RETURN_NOT_OK(CountLines(path, chunk, &rep.reference_cpu_seconds, &lines));
    // Every record is one line (the CSV has a header line more): the two read the same.
    if (lines != r.events + (format == "csv" ? 1 : 0)) {
      return Status::Internal("parse bench: " + std::to_string(r.events) + " rows but " +
                              std::to_string(lines) + " lines in '" + path + "'");
    }
    reps.push_back(rep);
  }
  // Per core: bytes over the CPU time spent (user + system, one thread), so that time
  // the process waits for a CPU taken by others does not count; wall_rate is an extra.
  Summarize(reps, static_cast<double>(r.bytes) / 1e6, r.bytes, &r);
  r.peak_rss_bytes = PeakRssBytes();
  return r;
}

}  // namespace sluice::bench
