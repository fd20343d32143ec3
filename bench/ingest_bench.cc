#include "ingest_bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "connectors/http_collector.h"
#include "connectors/http_transport.h"
#include "core/schema.h"
#include "core/time.h"

namespace sluice::bench {

namespace {

using Clock = std::chrono::steady_clock;

SchemaPtr BenchSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"event_id", DataType::Varchar(), false},
      {"user_id", DataType::Int64(), true},
      {"kind", DataType::Varchar(), true},
      {"ts", DataType::Timestamp(), true},
      {"amount", DataType::Double(), true},
      {"payload", DataType::Varchar(), true},
  });
}

// One NDJSON body of `n` events of `bytes` bytes each (newline included).
std::string MakeBody(int64_t first_id, int n, int bytes) {
  std::string body;
  body.reserve(static_cast<size_t>(n) * static_cast<size_t>(bytes));
  char head[256];
  for (int i = 0; i < n; ++i) {
    const int64_t id = first_id + i;
    const int len = std::snprintf(
        head, sizeof(head),
        "{\"event_id\":\"e%012lld\",\"user_id\":%lld,\"kind\":\"%s\",\"ts\":\"2026-01-01T00:%02d:"
        "%02dZ\",\"amount\":%lld.%02d,\"payload\":\"",
        static_cast<long long>(id), static_cast<long long>(id % 100000),
        (id % 3 == 0) ? "view" : (id % 3 == 1 ? "click" : "buy"), static_cast<int>(id / 60 % 60),
        static_cast<int>(id % 60), static_cast<long long>(id % 1000), static_cast<int>(id % 100));
    body.append(head, static_cast<size_t>(len));
    const int pad = bytes - len - 3;  // "}\n and the closing quote
    for (int k = 0; k < pad; ++k) body.push_back(static_cast<char>('a' + (id + k) % 26));
    body += "\"}\n";
  }
  return body;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads one HTTP response (headers + Content-Length body) into *buf; returns the status,
// or 0 on a broken connection.
int ReadResponse(int fd, std::string* buf) {
  buf->clear();
  char tmp[16384];
  size_t header_end = std::string::npos;
  size_t need = 0;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = buf->find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t cl = 0;
        const char* h = std::strstr(buf->c_str(), "Content-Length: ");
        if (h == nullptr) h = std::strstr(buf->c_str(), "content-length: ");
        if (h != nullptr) cl = std::strtoull(h + 16, nullptr, 10);
        need = header_end + 4 + cl;
      }
    }
    if (header_end != std::string::npos && buf->size() >= need) break;
    const ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return 0;
    buf->append(tmp, static_cast<size_t>(n));
  }
  return std::atoi(buf->c_str() + 9);
}

struct LoadResult {
  int64_t events = 0, bytes = 0, requests = 0, non_200 = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, seconds = 0;
};

// The load process: runs until done, writes a LoadResult to `out_fd`.
void RunLoad(int port, const IngestBenchOptions& o, int out_fd) {
  const int kBodies = 16;
  std::vector<std::string> requests;
  for (int b = 0; b < kBodies; ++b) {
    const std::string body = MakeBody(int64_t{b} * o.events_per_request, o.events_per_request,
                                      o.event_bytes);
    requests.push_back("POST /v1/events/bench HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/x-ndjson\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  const int64_t body_bytes = static_cast<int64_t>(o.events_per_request) * o.event_bytes;
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + std::chrono::milliseconds(500);
  const Clock::time_point end =
      measure_from + std::chrono::microseconds(static_cast<int64_t>(o.seconds * 1e6));
  std::vector<std::vector<float>> lat(static_cast<size_t>(o.connections));
  std::vector<LoadResult> per(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, c] {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      int yes = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd);
        return;
      }
      std::string buf;
      LoadResult& r = per[static_cast<size_t>(c)];
      for (int64_t i = c;; ++i) {
        const Clock::time_point t0 = Clock::now();
        if (t0 >= end) break;
        const std::string& req = requests[static_cast<size_t>(i % kBodies)];
        if (!WriteAll(fd, req.data(), req.size())) break;
        const int status = ReadResponse(fd, &buf);
        if (status == 0) break;
        const Clock::time_point t1 = Clock::now();
        if (t0 < measure_from) continue;
        ++r.requests;
        if (status != 200) {
          ++r.non_200;
          continue;
        }
        r.events += o.events_per_request;
        r.bytes += body_bytes;
        lat[static_cast<size_t>(c)].push_back(
            static_cast<float>(std::chrono::duration<double, std::milli>(t1 - t0).count()));
      }
      ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  LoadResult total;
  std::vector<float> all;
  for (size_t c = 0; c < per.size(); ++c) {
    total.events += per[c].events;
    total.bytes += per[c].bytes;
    total.requests += per[c].requests;
    total.non_200 += per[c].non_200;
    all.insert(all.end(), lat[c].begin(), lat[c].end());
  }
  std::sort(all.begin(), all.end());
  if (!all.empty()) {
    total.p50_ms = all[all.size() / 2];
    total.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
    total.max_ms = all.back();
  }
  total.seconds = std::chrono::duration<double>(Clock::now() - measure_from).count();
  (void)!::write(out_fd, &total, sizeof(total));
}

}  // namespace

Result<BenchResult> RunIngestBench(const IngestBenchOptions& o) {
  if (o.seconds <= 0 || o.connections < 1 || o.connections > 4096 || o.events_per_request < 1 ||
      o.event_bytes < 100) {
    return Status::Invalid("ingest bench: --seconds > 0, --connections 1..4096, "
                           "--events-per-request >= 1 and --event-bytes >= 100 are required");
  }
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return Status::IOError("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) return Status::IOError("fork failed");
  if (pid == 0) {  // the load-generating process
    ::close(to_child[1]);
    ::close(from_child[0]);
    int port = 0;
    if (::read(to_child[0], &port, sizeof(port)) == static_cast<ssize_t>(sizeof(port)) && port > 0) {
      RunLoad(port, o, from_child[1]);
    }
    ::_exit(0);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  auto finish_child = [&](int port) {
    (void)!::write(to_child[1], &port, sizeof(port));
    ::close(to_child[1]);
  };

  const std::string base = o.tmp_dir.empty() ? std::filesystem::temp_directory_path().string()
                                             : o.tmp_dir;
  const std::string dir = base + "/sluice-ingest-bench-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  Status st = Status::OK();
  LoadResult load;
  double cpu = 0;
  {
    connectors::CollectorOptions copts;
    copts.log_options.fsync = o.fsync ? log::FsyncPolicy::kOnSync : log::FsyncPolicy::kNever;
    connectors::HttpCollector collector(copts);
    connectors::HttpSourceConfig cfg;
    cfg.name = "bench";
    cfg.schema = BenchSchema();
    cfg.max_body_bytes = int64_t{64} << 20;
    st = collector.AddSource(cfg, dir + "/log/bench", nullptr);
    connectors::CollectorServer server(&collector, o.connections + 8);
    if (st.ok()) st = server.Start("127.0.0.1:0");
    if (!st.ok()) {
      finish_child(0);
    } else {
      const double cpu0 = ProcessCpuSeconds();
      finish_child(server.port());
      const ssize_t n = ::read(from_child[0], &load, sizeof(load));
      cpu = ProcessCpuSeconds() - cpu0;
      if (n != static_cast<ssize_t>(sizeof(load))) st = Status::IOError("the load process failed");
      server.Stop();
    }
  }
  ::close(from_child[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  std::filesystem::remove_all(dir, ec);
  SLUICE_RETURN_NOT_OK(st);
  if (load.events == 0) return Status::IOError("the load process got no event acknowledged");

  BenchResult r;
  r.name = "ingest/http";
  r.events = load.events;
  r.bytes = load.bytes;
  r.seconds = load.seconds;
  r.rate_unit = "events_per_sec_per_core";
  // The collector's CPU over the whole run (warm-up included) vs events in the window:
  // scale by the window's share of the run.
  const double run_seconds = load.seconds + 0.5;
  const double window_cpu = cpu * load.seconds / run_seconds;
  r.per_core_rate = window_cpu > 0 ? static_cast<double>(load.events) / window_cpu : 0;
  r.peak_rss_bytes = PeakRssBytes();
  r.extra = {{"events_per_sec", static_cast<double>(load.events) / load.seconds},
             {"mb_per_sec", static_cast<double>(load.bytes) / 1e6 / load.seconds},
             {"p50_ms", load.p50_ms},
             {"p99_ms", load.p99_ms},
             {"max_ms", load.max_ms},
             {"requests", static_cast<double>(load.requests)},
             {"non_200", static_cast<double>(load.non_200)},
             {"connections", o.connections},
             {"events_per_request", o.events_per_request},
             {"collector_cpu_seconds", cpu},
             {"fsync", o.fsync ? 1 : 0}};
  return r;
}

}  // namespace sluice::bench
