// Crash-proof ingestion over HTTP: clients post a known set of events to `sluice run`
// (an http source with event ids, a plain view of every event, windowed aggregations
// emitted on close and updating, and a GROUP BY, all in DuckDB) while the process is
// killed with SIGKILL at random moments and restarted. The clients behave like real
// ones: each request is retried with the same body and Idempotency-Key until it gets a
// final answer (200, or 400 when every event in it was rejected). At the end the
// warehouse must hold exactly the results computed here from the events: no missing
// event, no duplicate. With malformed events mixed in, each must be in the dead-letter
// table exactly once.
//
// Defaults keep CI bounded; run longer with SLUICE_CRASH_EVENTS (events per test),
// SLUICE_CRASH_KILLS (kills per test) and SLUICE_CRASH_SEED (the printed seed replays
// the same events and kill delays).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "connectors/http_test_client.h"
#include "e2e/e2e_util.h"

extern char** environ;

namespace sluice::e2e {
namespace {

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Defaults for CI (about a minute for both tests); the second test uses half of each.
constexpr int64_t kDefaultEvents = 200000;
constexpr int64_t kDefaultKills = 30;

// The end of a run log, for failure messages.
std::string Tail(const std::string& path) {
  const std::string text = ReadFile(path);
  return text.size() > 6000 ? "..." + text.substr(text.size() - 6000) : text;
}

constexpr int64_t kBaseMs = 1767225600000;  // 2026-01-01T00:00:00Z
const char* const kKinds[] = {"view", "cart", "buy", "refund"};

// One valid event: its fields and its JSON line.
struct Event {
  int64_t id = 0;
  int kind = 0;
  int64_t amount = 0;
  int64_t ts_ms = 0;
  std::string Json() const {
    return "{\"event_id\":\"e" + std::to_string(id) + "\",\"kind\":\"" + kKinds[kind] +
           "\",\"amount\":" + std::to_string(amount) + ",\"ts\":" + std::to_string(ts_ms) + "}";
  }
};

// What one client request sends, and what it must lead to.
struct Request {
  std::string key;
  std::string body;
};

struct Workload {
  std::vector<Request> requests;
  std::vector<Event> events;             // distinct valid events (the expected input)
  std::set<std::string> malformed_tags;  // "bad<j>", one per malformed event
};

// Events with increasing event time (1 ms apart), cut into requests of 1..80 lines; some
// requests repeat a recent event (same id: a duplicate to drop); with `malformed`, about
// one line in 12 is broken in one of five ways, each tagged so the dead-letter table can
// be checked.
Workload MakeWorkload(int64_t n_events, bool malformed, std::mt19937_64& rng) {
  Workload w;
  int64_t next = 0;
  int64_t bad = 0;
  while (next < n_events - 1) {
    Request r;
    r.key = "req-" + std::to_string(w.requests.size());
    const int64_t size = 1 + static_cast<int64_t>(rng() % 80);
    for (int64_t k = 0; k < size && next < n_events - 1; ++k) {
      if (malformed && rng() % 12 == 0) {
        const std::string tag = "bad" + std::to_string(bad++);
        w.malformed_tags.insert(tag);
        const std::string ts = std::to_string(kBaseMs + next);
        switch (rng() % 5) {
          case 0:  // wrong type
            r.body += "{\"event_id\":\"" + tag +
                      "\",\"kind\":\"buy\",\"amount\":\"lots\",\"ts\":" + ts + "}\n";
            break;
          case 1:  // missing required field (event_id)
            r.body += "{\"tag\":\"" + tag + "\",\"kind\":\"buy\",\"amount\":1,\"ts\":" + ts + "}\n";
            break;
          case 2:  // bad timestamp
            r.body +=
                "{\"event_id\":\"" + tag + "\",\"kind\":\"buy\",\"amount\":1,\"ts\":\"soon\"}\n";
            break;
          case 3:  // invalid JSON (an unquoted string; the line is still one value)
            r.body += "{\"event_id\":\"" + tag + "\",\"kind\":buy,\"amount\":1}\n";
            break;
          default:  // missing required field (ts)
            r.body += "{\"event_id\":\"" + tag + "\",\"kind\":\"cart\",\"amount\":2}\n";
            break;
        }
        continue;
      }
      Event e;
      e.id = next;
      e.kind = static_cast<int>(rng() % 4);
      e.amount = static_cast<int64_t>(rng() % 1000);
      e.ts_ms = kBaseMs + next;
      ++next;
      r.body += e.Json() + "\n";
      w.events.push_back(e);
    }
    if (!w.events.empty() && rng() % 10 == 0) {
      // A recent event sent again by the app: dropped as a duplicate.
      const size_t back = std::min<size_t>(w.events.size(), 200);
      r.body += w.events[w.events.size() - 1 - rng() % back].Json() + "\n";
    }
    if (!r.body.empty()) w.requests.push_back(std::move(r));
  }
  // The last request, sent after every other was answered, holds one valid event: the
  // run that stops after the expected number of events has then passed every rejected
  // one (they are stored before their request's events).
  Event last;
  last.id = next;
  last.ts_ms = kBaseMs + next;
  w.events.push_back(last);
  w.requests.push_back(Request{"req-last", last.Json() + "\n"});
  return w;
}

// The project: one http source, four views.
std::string MakeProject(const TempDir& dir) {
  dir.Write("sluice.yaml",
            "name: crash\nstate_dir: .sluice\nwarehouse:\n  type: duckdb\n"
            "run:\n  flush_interval: 100ms\n  checkpoint_interval: 150ms\n"
            "collector:\n  listen: 127.0.0.1:0\n");
  dir.Write("sources/events.yaml",
            "type: http\nschema:\n"
            "  - {name: event_id, type: VARCHAR, nullable: false}\n"
            "  - {name: kind, type: VARCHAR, nullable: false}\n"
            "  - {name: amount, type: BIGINT}\n"
            "  - {name: ts, type: TIMESTAMP, nullable: false}\n"
            "event_id_field: event_id\n"
            "watermark:\n  column: ts\n  delay: 5s\n");
  dir.Write(
      "streams/views.sql",
      "CREATE MATERIALIZED VIEW all_events AS SELECT event_id, kind, amount, ts FROM events;\n"
      "CREATE MATERIALIZED VIEW per_second AS\n"
      "SELECT window_start, window_end, kind, count(*) AS n, sum(amount) AS total\n"
      "FROM TUMBLE(events, ts, INTERVAL '1' SECOND)\n"
      "GROUP BY window_start, window_end, kind EMIT ON WINDOW CLOSE;\n"
      "CREATE MATERIALIZED VIEW per_second_live AS\n"
      "SELECT window_start, window_end, kind, count(*) AS n, sum(amount) AS total\n"
      "FROM TUMBLE(events, ts, INTERVAL '1' SECOND)\n"
      "GROUP BY window_start, window_end, kind;\n"
      "CREATE MATERIALIZED VIEW per_kind AS\n"
      "SELECT kind, count(*) AS n, sum(amount) AS total FROM events GROUP BY kind;\n");
  return dir.str();
}

// The expected answers of the queries in CheckResults, as `sluice query --format csv`
// prints them (header line, then rows).
struct Expected {
  std::string all_events;
  std::string windows;
  std::string per_kind;
};

Expected Expect(const std::vector<Event>& events) {
  int64_t sum_id = 0, sum_amount = 0, sum_ts = 0;
  std::map<std::pair<int64_t, int>, std::pair<int64_t, int64_t>> windows;
  std::map<std::string, std::pair<int64_t, int64_t>> kinds;
  for (const Event& e : events) {
    sum_id += e.id;
    sum_amount += e.amount;
    sum_ts += e.ts_ms - kBaseMs;
    auto& w = windows[{e.ts_ms / 1000 * 1000, e.kind}];
    ++w.first;
    w.second += e.amount;
    auto& k = kinds[kKinds[e.kind]];
    ++k.first;
    k.second += e.amount;
  }
  Expected x;
  x.all_events = "n,ids,distinct_ids,amount,ts\n" + std::to_string(events.size()) + "," +
                 std::to_string(sum_id) + "," + std::to_string(events.size()) + "," +
                 std::to_string(sum_amount) + "," + std::to_string(sum_ts) + "\n";
  x.windows = "w,kind,n,total\n";
  std::map<std::pair<int64_t, std::string>, std::pair<int64_t, int64_t>> by_name;
  for (const auto& [key, v] : windows) by_name[{key.first, kKinds[key.second]}] = v;
  for (const auto& [key, v] : by_name) {
    x.windows += std::to_string(key.first) + "," + key.second + "," + std::to_string(v.first) +
                 "," + std::to_string(v.second) + "\n";
  }
  x.per_kind = "kind,n,total\n";
  for (const auto& [kind, v] : kinds) {
    x.per_kind += kind + "," + std::to_string(v.first) + "," + std::to_string(v.second) + "\n";
  }
  return x;
}

std::string Query(const std::string& project, const std::string& sql) {
  CommandResult r = Sluice("query " + Quote(project) + " --format csv " + Quote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

// Runs `sluice run` in the background, output appended to a log file.
class SluiceProcess {
 public:
  SluiceProcess(std::string project, int64_t max_events, std::string log)
      : project_(std::move(project)), max_events_(max_events), log_(std::move(log)) {}
  ~SluiceProcess() { Kill(); }
  bool Start() {
    std::filesystem::remove(project_ + "/.sluice/collector.addr");
    const std::string max = std::to_string(max_events_);
    std::vector<std::string> args = {SLUICE_BIN, "run",      project_, "--max-events",
                                     max,        "--status", "off"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const int rc = posix_spawn(&pid_, SLUICE_BIN, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0;
  }
  // SIGKILL; returns whether it was still running.
  bool Kill() {
    if (pid_ <= 0) return false;
    int status = 0;
    const bool running = ::waitpid(pid_, &status, WNOHANG) == 0;
    if (running) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    } else {
      exit_status_ = status;
    }
    pid_ = -1;
    return running;
  }
  // Waits for the exit up to `seconds`; the exit code, or -1 on timeout (then killed).
  int Wait(int seconds) {
    int status = 0;
    for (int i = 0; i < seconds * 20; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Kill();
    return -1;
  }
  // Whether it has exited (then *code is its exit code); does not wait.
  bool Exited(int* code) {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = -1;
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }
  // Whether it exited on its own (before a kill), with its status.
  bool exited_early(int* code) const {
    if (exit_status_ < 0) return false;
    *code = WIFEXITED(exit_status_) ? WEXITSTATUS(exit_status_) : -1;
    return true;
  }

 private:
  std::string project_;
  int64_t max_events_;
  std::string log_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

// Posts every request with retries, from `threads` client threads; each request is
// retried until a final answer. Request i is not sent before start + i * `interval`, so
// the sending is spread over the time the kills take (and kills find events in flight).
class Clients {
 public:
  Clients(const std::string& project, const Workload& w, int threads,
          std::chrono::microseconds interval)
      : addr_file_(project + "/.sluice/collector.addr"),
        w_(w),
        interval_(interval),
        start_(std::chrono::steady_clock::now()) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { Loop(); });
  }
  ~Clients() { Join(); }
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  bool done() const { return answered_.load() == static_cast<int64_t>(w_.requests.size()); }
  int64_t retries() const { return retries_.load(); }
  std::string failure() {
    std::lock_guard<std::mutex> lock(mu_);
    return failure_;
  }
  void Stop() { stop_.store(true); }

 private:
  int Port() {
    const std::string addr = ReadFile(addr_file_);
    const size_t colon = addr.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(addr.c_str() + colon + 1);
  }
  // Whether the whole body arrived (the process may die while sending it): a real
  // client checks Content-Length and retries a cut answer like a refused connection.
  static bool Complete(const test::HttpReply& reply) {
    std::string headers = reply.headers;
    for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = headers.find("content-length:");
    if (at == std::string::npos) return false;
    return std::atoll(headers.c_str() + at + 15) == static_cast<int64_t>(reply.body.size());
  }
  void Loop() {
    const int64_t total = static_cast<int64_t>(w_.requests.size());
    while (!stop_.load()) {
      const int64_t i = next_.fetch_add(1);
      if (i >= total) return;
      std::this_thread::sleep_until(start_ + interval_ * i);
      while (i == total - 1 && answered_.load() < total - 1 && !stop_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      const Request& r = w_.requests[static_cast<size_t>(i)];
      bool first = true;
      while (!stop_.load()) {
        if (!first) retries_.fetch_add(1);
        first = false;
        const int port = Port();
        if (port <= 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        test::HttpReply reply =
            test::HttpCall(port, "POST", "/v1/events/events", r.body, {{"Idempotency-Key", r.key}});
        if ((reply.status == 200 || reply.status == 400) && Complete(reply)) {
          if (reply.body.find("\"rejected\":") == std::string::npos) {
            std::lock_guard<std::mutex> lock(mu_);
            failure_ = "request " + r.key + ": " + std::to_string(reply.status) + " " + reply.body;
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(reply.status == 0 ? 20 : 50));
      }
      answered_.fetch_add(1);
    }
  }

  const std::string addr_file_;
  const Workload& w_;
  const std::chrono::microseconds interval_;
  const std::chrono::steady_clock::time_point start_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> next_{0};
  std::atomic<int64_t> answered_{0};
  std::atomic<int64_t> retries_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string failure_;
};

struct CrashRun {
  int kills = 0;        // SIGKILLs that hit a running process
  int resumed = 0;      // restarts that resumed from a checkpoint
  int64_t retries = 0;  // client requests sent again
};

// Sends the workload while killing sluice `kills` times at random moments; then lets a
// last run finish (it stops by itself after the expected number of events).
CrashRun RunWithKills(const std::string& project, const Workload& w, int kills,
                      std::mt19937_64& rng) {
  CrashRun out;
  const std::string log = project + "/run.log";
  const int64_t total = static_cast<int64_t>(w.events.size());
  // The kills take about a second each: send over that time.
  const auto interval = std::chrono::microseconds(static_cast<int64_t>(kills) * 900000 /
                                                  static_cast<int64_t>(w.requests.size()));
  Clients clients(project, w, 4, interval);
  for (int k = 0; k < kills; ++k) {
    SluiceProcess p(project, total, log);
    EXPECT_TRUE(p.Start());
    // One kill in four lands while the process starts and recovers; the others later.
    const int delay_ms =
        rng() % 4 == 0 ? 20 + static_cast<int>(rng() % 300) : 300 + static_cast<int>(rng() % 1200);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    if (p.Kill()) ++out.kills;
    int code = 0;
    if (p.exited_early(&code)) {
      EXPECT_EQ(code, 0) << "run " << k << " failed on its own:\n" << Tail(log);
      if (code != 0) {
        clients.Stop();
        return out;
      }
    }
  }
  SluiceProcess last(project, total, log);
  EXPECT_TRUE(last.Start());
  // The clients finish against this run; it must not stop before (then they would retry
  // for ever).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  int code = -1;
  bool exited = false;
  while (!clients.done() && std::chrono::steady_clock::now() < deadline) {
    if ((exited = last.Exited(&code))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const bool answered = clients.done();
  EXPECT_TRUE(answered) << (exited ? "the last run stopped before every request was answered:\n"
                                   : "the requests were not answered in time:\n")
                        << Tail(log);
  if (!answered && !exited) last.Kill();  // unblocks a client waiting for an answer
  clients.Stop();
  clients.Join();
  if (!exited && answered) code = last.Wait(120);
  EXPECT_EQ(code, 0) << "the last run did not finish:\n" << Tail(log);
  EXPECT_EQ(clients.failure(), "");
  out.retries = clients.retries();
  const std::string text = ReadFile(log);
  for (size_t at = text.find("resumed from checkpoint"); at != std::string::npos;
       at = text.find("resumed from checkpoint", at + 1)) {
    ++out.resumed;
  }
  return out;
}

void CheckResults(const std::string& project, const Workload& w) {
  const Expected x = Expect(w.events);
  EXPECT_EQ(Query(project,
                  "SELECT count(*) AS n, "
                  "CAST(sum(CAST(substr(event_id, 2) AS BIGINT)) AS BIGINT) AS ids, "
                  "count(DISTINCT event_id) AS distinct_ids, "
                  "CAST(sum(amount) AS BIGINT) AS amount, "
                  "CAST(sum(epoch_ms(ts) - " +
                      std::to_string(kBaseMs) +
                      ") AS BIGINT) AS ts "
                      "FROM all_events"),
            x.all_events);
  const std::string windows = "SELECT epoch_ms(window_start) AS w, kind, n, total FROM ";
  EXPECT_EQ(Query(project, windows + "per_second ORDER BY w, kind"), x.windows);
  EXPECT_EQ(Query(project, windows + "per_second_live ORDER BY w, kind"), x.windows);
  EXPECT_EQ(Query(project, "SELECT kind, n, total FROM per_kind ORDER BY kind"), x.per_kind);
}

class HttpCrashE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = static_cast<uint64_t>(
        EnvInt("SLUICE_CRASH_SEED", static_cast<int64_t>(std::random_device{}())));
    std::cout << "[ seed     ] SLUICE_CRASH_SEED=" << seed_ << "\n";
    RecordProperty("seed", std::to_string(seed_));
  }
  uint64_t seed_ = 0;
};

TEST_F(HttpCrashE2E, SigkillWhileIngestingLosesAndDuplicatesNothing) {
  std::mt19937_64 rng(seed_);
  const Workload w = MakeWorkload(EnvInt("SLUICE_CRASH_EVENTS", kDefaultEvents), false, rng);
  const int kills = static_cast<int>(EnvInt("SLUICE_CRASH_KILLS", kDefaultKills));
  TempDir dir;
  const std::string project = MakeProject(dir);
  const CrashRun run = RunWithKills(project, w, kills, rng);
  std::cout << "[ crash    ] " << w.events.size() << " events in " << w.requests.size()
            << " requests, " << run.kills << " kills, " << run.resumed << " resumes, "
            << run.retries << " retried requests\n";
  CheckResults(project, w);
  EXPECT_EQ(Query(project, "SELECT count(*) AS n FROM _sluice_dead_letters"), "n\n0\n");
}

TEST_F(HttpCrashE2E, MalformedEventsLandInTheDeadLetterTableOnce) {
  std::mt19937_64 rng(seed_ + 1);
  const Workload w = MakeWorkload(EnvInt("SLUICE_CRASH_EVENTS", kDefaultEvents) / 2, true, rng);
  const int kills = static_cast<int>(EnvInt("SLUICE_CRASH_KILLS", kDefaultKills)) / 2;
  TempDir dir;
  const std::string project = MakeProject(dir);
  const CrashRun run = RunWithKills(project, w, kills, rng);
  std::cout << "[ crash    ] " << w.events.size() << " events and " << w.malformed_tags.size()
            << " malformed in " << w.requests.size() << " requests, " << run.kills << " kills, "
            << run.resumed << " resumes, " << run.retries << " retried requests\n";
  CheckResults(project, w);
  // Every malformed event once: the tag in its raw text, from the source.
  const std::string dlq = Query(project,
                                "SELECT kind, location, raw FROM _sluice_dead_letters "
                                "ORDER BY id");
  std::map<std::string, int> seen;
  std::istringstream lines(dlq);
  std::string line;
  std::getline(lines, line);  // header
  int64_t rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    EXPECT_EQ(line.rfind("source,", 0), 0u) << line;
    const size_t at = line.find("bad");
    ASSERT_NE(at, std::string::npos) << line;
    size_t end = at + 3;
    while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) ++end;
    ++seen[line.substr(at, end - at)];
  }
  EXPECT_EQ(rows, static_cast<int64_t>(w.malformed_tags.size()));
  std::vector<std::string> missing, twice;
  for (const std::string& t : w.malformed_tags) {
    if (seen.count(t) == 0) missing.push_back(t);
  }
  for (const auto& [t, n] : seen) {
    if (n > 1 || w.malformed_tags.count(t) == 0) twice.push_back(t + "x" + std::to_string(n));
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing, e.g. " << missing.front();
  EXPECT_TRUE(twice.empty()) << twice.size() << " more than once or unknown, e.g. "
                             << twice.front();
}

}  // namespace
}  // namespace sluice::e2e
