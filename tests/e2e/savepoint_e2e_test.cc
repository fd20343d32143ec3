// Savepoints with the real binary and DuckDB: `sluice savepoint --stop` of a running
// `sluice run`, then `sluice run --from-savepoint` to the end lands exactly what an
// uninterrupted run lands; the refusals (no run, DIR exists, sinks ahead of the
// savepoint); and state compatibility of changed queries (allowed and refused).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/e2e_util.h"

namespace sluice::e2e {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Replace(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = ReadFile(path);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << path;
  text.replace(at, from.size(), to);
  std::ofstream(path) << text;
}

// The shop example at `rate` events/s (0 = full speed), checkpointing every 200ms.
std::string MakeProject(const TempDir& dir, const std::string& name, const std::string& rate) {
  const std::string dst = dir.str() + "/" + name;
  fs::copy(SLUICE_SOURCE_DIR "/examples/shop", dst, fs::copy_options::recursive);
  fs::remove_all(dst + "/.sluice");
  fs::remove_all(dst + "/models");
  Replace(dst + "/sources/shop.yaml", "rate: 5000", "rate: " + rate);
  Replace(dst + "/sluice.yaml", "  status_interval: 1s",
          "  checkpoint_interval: 200ms\n  status_interval: 1s");
  return dst;
}

std::string Query(const std::string& project, const std::string& sql) {
  CommandResult r = Sluice("query " + Quote(project) + " --format csv " + Quote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

std::string Fingerprint(const std::string& project) {
  return Query(project,
               "SELECT count(*), sum(order_id), CAST(sum(total) * 100 AS BIGINT) FROM orders") +
         Query(project,
               "SELECT channel, orders, CAST(revenue * 100 AS BIGINT) FROM revenue_by_channel "
               "ORDER BY channel") +
         Query(project,
               "SELECT window_start, channel, orders, CAST(revenue * 100 AS BIGINT) FROM "
               "orders_per_minute "
               "ORDER BY window_start, channel") +
         Query(project, "SELECT count(*), sum(line_no), sum(quantity) FROM order_items") +
         Query(project, "SELECT count(*), CAST(sum(amount) * 100 AS BIGINT) FROM payments") +
         Query(project, "SELECT count(*) FROM inventory_changes") +
         Query(project, "SELECT rn, units FROM best_sellers_live ORDER BY rn");
}

// Starts `sluice run` in the background; Wait() returns its exit code and output.
class BackgroundRun {
 public:
  BackgroundRun(const std::string& project, const std::string& args, const std::string& log)
      : log_(log) {
    const std::string cmd = "timeout -k 5 120 " SLUICE_BIN " run " + Quote(project) + " " + args +
                            " > " + Quote(log) + " 2>&1; echo $? > " + Quote(log + ".rc");
    thread_ = std::thread([cmd] { (void)!std::system(cmd.c_str()); });
  }
  ~BackgroundRun() {
    if (thread_.joinable()) thread_.join();
  }
  int Wait() {
    thread_.join();
    return std::atoi(ReadFile(log_ + ".rc").c_str());
  }
  std::string output() const { return ReadFile(log_); }

 private:
  std::string log_;
  std::thread thread_;
};

// Waits until the run wrote its run.pid (it is then running its pipelines).
bool WaitForRun(const std::string& project) {
  for (int i = 0; i < 400; ++i) {
    if (fs::exists(project + "/.sluice/run.pid")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

TEST(SavepointE2E, StopWithSavepointThenResumeMatchesAnUninterruptedRun) {
  TempDir tmp;
  const std::string args = "--max-events 120000 --status off";
  const std::string reference = MakeProject(tmp, "reference", "10000");
  CommandResult ref = Sluice("run " + Quote(reference) + " " + args);
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const std::string expected = Fingerprint(reference);

  const std::string project = MakeProject(tmp, "stopped", "10000");
  const std::string sp = tmp.str() + "/sp";
  {
    BackgroundRun run(project, args, tmp.str() + "/run1.log");
    ASSERT_TRUE(WaitForRun(project));
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    CommandResult save =
        Sluice("savepoint " + Quote(sp) + " --project " + Quote(project) + " --stop");
    ASSERT_EQ(save.exit_code, 0) << save.output;
    EXPECT_NE(save.output.find("savepoint written to " + sp), std::string::npos) << save.output;
    EXPECT_NE(save.output.find("the run stopped"), std::string::npos) << save.output;
    EXPECT_EQ(run.Wait(), 0) << run.output();
    // Stopped before the end (12 s of input at 10000 events/s; the savepoint comes after
    // about 1 s): the savepoint is in the middle of the input.
    EXPECT_EQ(run.output().find("120000 events in"), std::string::npos) << run.output();
  }
  ASSERT_TRUE(fs::exists(sp + "/manifest.json"));
  ASSERT_TRUE(fs::exists(sp + "/shop.ckpt"));
  EXPECT_FALSE(fs::exists(sp + ".tmp"));
  const std::string manifest = ReadFile(sp + "/manifest.json");
  EXPECT_NE(manifest.find("\"project\":\"shop\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("group keys: [channel VARCHAR]"), std::string::npos) << manifest;

  CommandResult resumed =
      Sluice("run " + Quote(project) + " " + args + " --from-savepoint " + Quote(sp));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("started from savepoint"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("120000 events in"), std::string::npos) << resumed.output;
  EXPECT_EQ(Fingerprint(project), expected);

  // The sinks have now committed far beyond the savepoint: appending tables would get
  // rows twice, so starting from it again is refused with the reason.
  CommandResult again =
      Sluice("run " + Quote(project) + " " + args + " --from-savepoint " + Quote(sp));
  EXPECT_NE(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("appends rows and has committed checkpoint"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("duplicates"), std::string::npos) << again.output;
}

TEST(SavepointE2E, ClearErrorsWithoutARunOrWithAnExistingFolder) {
  TempDir tmp;
  const std::string project = MakeProject(tmp, "idle", "0");
  CommandResult none =
      Sluice("savepoint " + Quote(tmp.str() + "/sp") + " --project " + Quote(project));
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_NE(none.output.find("no `sluice run` of project 'shop' is running"), std::string::npos)
      << none.output;
  EXPECT_NE(none.output.find("sluice run " + project), std::string::npos) << none.output;

  fs::create_directories(tmp.str() + "/taken");
  CommandResult exists =
      Sluice("savepoint " + Quote(tmp.str() + "/taken") + " --project " + Quote(project));
  EXPECT_EQ(exists.exit_code, 2) << exists.output;
  EXPECT_NE(exists.output.find("already exists"), std::string::npos) << exists.output;

  CommandResult missing =
      Sluice("run " + Quote(project) + " --max-events 10 --status off --from-savepoint " +
             Quote(tmp.str() + "/nothing"));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("is not a folder"), std::string::npos) << missing.output;
}

TEST(SavepointE2E, AChangeThatKeepsTheStateLayoutIsAllowed) {
  TempDir tmp;
  const std::string project = MakeProject(tmp, "allowed", "0");
  CommandResult first = Sluice("run " + Quote(project) + " --max-events 20000 --status off");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string orders = project + "/streams/orders.sql";
  // The SELECT list of an aggregate (computed from the state after it), and the WHERE of
  // a stateless view (no state at all).
  Replace(orders, "SELECT channel, count(*) AS orders, sum(total) AS revenue",
          "SELECT channel, count(*) + 0 AS orders, sum(total) AS revenue");
  Replace(orders, "WHERE total >= 200 AND status <> 'cancelled';\n\nINSERT",
          "WHERE total >= 300 AND status <> 'cancelled';\n\nINSERT");
  CommandResult again = Sluice("run " + Quote(project) + " --max-events 40000 --status off");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("40000 events in"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("resumed from checkpoint"), std::string::npos) << again.output;
}

TEST(SavepointE2E, AChangeThatAltersTheStateIsRefusedSayingWhat) {
  TempDir tmp;
  const std::string project = MakeProject(tmp, "refused", "0");
  CommandResult first = Sluice("run " + Quote(project) + " --max-events 20000 --status off");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string orders = project + "/streams/orders.sql";
  const std::string original = ReadFile(orders);

  // A filter before the aggregate: the counts in the state would mean something else.
  Replace(orders, "FROM shop.orders\nWHERE status <> 'cancelled'\nGROUP BY channel;",
          "FROM shop.orders\nWHERE status <> 'cancelled' AND total > 10\nGROUP BY channel;");
  CommandResult filter = Sluice("run " + Quote(project) + " --max-events 40000 --status off");
  EXPECT_NE(filter.exit_code, 0) << filter.output;
  EXPECT_NE(filter.output.find("revenue_by_channel"), std::string::npos) << filter.output;
  EXPECT_NE(filter.output.find("its SQL changed before its state"), std::string::npos)
      << filter.output;
  EXPECT_NE(filter.output.find("to start over"), std::string::npos) << filter.output;

  // Another group key: the operator and the facet are named, with old and new values.
  std::ofstream(orders) << original;
  Replace(orders, "SELECT window_start, window_end, channel, count(*) AS orders",
          "SELECT window_start, window_end, country AS channel, count(*) AS orders");
  Replace(orders, "GROUP BY window_start, window_end, channel\n",
          "GROUP BY window_start, window_end, country\n");
  CommandResult key = Sluice("run " + Quote(project) + " --max-events 40000 --status off");
  EXPECT_NE(key.exit_code, 0) << key.output;
  EXPECT_NE(key.output.find("WindowAggregate at streams/orders.sql"), std::string::npos)
      << key.output;
  EXPECT_NE(key.output.find("group keys changed from"), std::string::npos) << key.output;
  EXPECT_NE(key.output.find("country VARCHAR"), std::string::npos) << key.output;

  // Undone: runs again from its checkpoint.
  std::ofstream(orders) << original;
  CommandResult undone = Sluice("run " + Quote(project) + " --max-events 40000 --status off");
  EXPECT_EQ(undone.exit_code, 0) << undone.output;
}

// A stop with a savepoint keeps open windows open (they belong to the savepoint), which
// shows what an idle source does: with `watermark.idle_timeout` the window the data left
// behind the delay closes once the source is idle; without, it waits for more data.
void WriteIdleSource(const std::string& project, const std::string& idle) {
  std::ofstream(project + "/sources/clicks.yaml")
      << "type: file\npath: data/clicks.csv\nfollow: true\npoll_interval: 50ms\n"
         "watermark: {column: ts, delay: 5s" + idle + "}\ncolumns:\n"
         "  - {name: usr, type: VARCHAR}\n  - {name: ts, type: TIMESTAMP}\n";
}

// Runs the project for 1.5 s, stops it with a savepoint and returns its windows.
std::string RunIdle(const TempDir& tmp, const std::string& project, const std::string& name) {
  {
    BackgroundRun run(project, "--status off", tmp.str() + "/" + name + ".log");
    EXPECT_TRUE(WaitForRun(project));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CommandResult save =
        Sluice("savepoint " + Quote(tmp.str() + "/sp-" + name) + " --project " + Quote(project) + " --stop");
    EXPECT_EQ(save.exit_code, 0) << save.output;
    EXPECT_EQ(run.Wait(), 0) << run.output();
  }
  return Query(project, "SELECT window_start, n FROM per_window ORDER BY window_start");
}

std::string IdleWindows(const TempDir& tmp, const std::string& name, const std::string& idle) {
  const std::string project = tmp.str() + "/" + name;
  fs::create_directories(project + "/data");
  std::ofstream(project + "/sluice.yaml") << "name: idle\nrun:\n  checkpoint_interval: 200ms\n";
  std::ofstream(project + "/data/clicks.csv")
      << "usr,ts\nu1,2024-01-01 00:00:01\nu2,2024-01-01 00:00:05\nu1,2024-01-01 00:00:12\n";
  fs::create_directories(project + "/sources");
  fs::create_directories(project + "/streams");
  WriteIdleSource(project, idle);
  std::ofstream(project + "/streams/w.sql")
      << "CREATE MATERIALIZED VIEW per_window AS\n"
         "SELECT window_start, count(*) AS n FROM TUMBLE(clicks, ts, INTERVAL '10' SECOND)\n"
         "GROUP BY window_start EMIT ON WINDOW CLOSE;\n";
  return RunIdle(tmp, project, name);
}

TEST(SavepointE2E, AnIdleTimeoutClosesTheWindowsAnIdleSourceHolds) {
  TempDir tmp;
  // The newest event is :12, the watermark :07 (5 s delay): [:00, :10) is still open.
  const std::string held = IdleWindows(tmp, "held", "");
  EXPECT_EQ(held.find("2024-01-01 00:00:00"), std::string::npos) << held;
  // Idle for 300 ms: the watermark moves to :12 and [:00, :10) closes with its 2 rows;
  // [:10, :20) waits for data past :20.
  const std::string closed = IdleWindows(tmp, "closed", ", idle_timeout: 300ms");
  EXPECT_NE(closed.find("2024-01-01 00:00:00,2"), std::string::npos) << closed;
  EXPECT_EQ(closed.find("2024-01-01 00:00:10"), std::string::npos) << closed;
}

// The newest event time read is part of the checkpoint: a run that resumes into a source
// that stays quiet still moves the watermark there once the idle timeout passes.
TEST(SavepointE2E, AnIdleTimeoutAfterARestartUsesTheCheckpointedEventTime) {
  TempDir tmp;
  const std::string first = IdleWindows(tmp, "restarted", "");
  EXPECT_EQ(first.find("2024-01-01 00:00:00"), std::string::npos) << first;
  const std::string project = tmp.str() + "/restarted";
  WriteIdleSource(project, ", idle_timeout: 300ms");
  const std::string second = RunIdle(tmp, project, "restarted-2");
  EXPECT_NE(second.find("2024-01-01 00:00:00,2"), std::string::npos) << second;
  EXPECT_EQ(second.find("2024-01-01 00:00:10"), std::string::npos) << second;
}

}  // namespace
}  // namespace sluice::e2e
