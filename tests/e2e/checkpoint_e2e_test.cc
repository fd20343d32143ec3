// Crash-proof runs: `sluice run` killed with SIGKILL at random moments and restarted
// resumes from its last checkpoint, and the warehouse ends up exactly as after a run
// without interruption (stateless views, a continuous GROUP BY upserted on its key, an
// event-time window emitted on close, a top-N over a GROUP BY): no lost and no
// duplicated event. A query that cannot evaluate some rows (a failed CAST) puts them in
// `_sluice_dead_letters`: exactly once each too (a resume deletes the dead letters after
// its checkpoint, which the replay reports again).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "e2e/e2e_util.h"

namespace sluice::e2e {
namespace {

constexpr int64_t kEvents = 1500000;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The shop example at full speed (rate 0: batches do not depend on the clock),
// checkpointing every 100ms.
std::string MakeProject(const TempDir& dir, const std::string& name) {
  const std::string dst = dir.str() + "/" + name;
  std::filesystem::copy(SLUICE_SOURCE_DIR "/examples/shop", dst, std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(dst + "/.sluice");
  std::filesystem::remove_all(dst + "/models");
  std::string source = ReadFile(dst + "/sources/shop.yaml");
  const size_t rate = source.find("rate: 5000");
  EXPECT_NE(rate, std::string::npos);
  source.replace(rate, 10, "rate: 0");
  std::ofstream(dst + "/sources/shop.yaml") << source;
  std::string yaml = ReadFile(dst + "/sluice.yaml");
  const size_t run = yaml.find("  status_interval: 1s");
  EXPECT_NE(run, std::string::npos);
  yaml.insert(run, "  checkpoint_interval: 100ms\n");
  std::ofstream(dst + "/sluice.yaml") << yaml;
  // Every 40th order fails its CAST: a `query` dead letter.
  std::ofstream(dst + "/streams/checks.sql")
      << "CREATE MATERIALIZED VIEW order_checks AS\n"
         "SELECT order_id, CAST(CASE WHEN order_id % 40 = 0 THEN 'x' ELSE '1' END AS INTEGER) AS ok\n"
         "FROM shop.orders;\n";
  return dst;
}

std::string Query(const std::string& project, const std::string& sql) {
  CommandResult r = Sluice("query " + Quote(project) + " --format csv " + Quote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

std::string Fingerprint(const std::string& project) {
  return Query(project, "SELECT count(*), sum(order_id), CAST(sum(total) * 100 AS BIGINT) FROM orders") +
         Query(project, "SELECT channel, orders, CAST(revenue * 100 AS BIGINT) FROM revenue_by_channel ORDER BY channel") +
         Query(project, "SELECT window_start, channel, orders, CAST(revenue * 100 AS BIGINT) FROM orders_per_minute "
                        "ORDER BY window_start, channel") +
         Query(project, "SELECT count(*), sum(line_no), sum(quantity) FROM order_items") +
         Query(project, "SELECT count(*), CAST(sum(amount) * 100 AS BIGINT) FROM payments") +
         Query(project, "SELECT count(*) FROM inventory_changes") +
         Query(project, "SELECT count(*) FROM mobile_product_views") +
         Query(project, "SELECT rn, units FROM best_sellers_live ORDER BY rn") +
         Query(project, "SELECT count(*), sum(order_id) FROM order_checks") +
         Query(project, "SELECT kind, count(*), count(DISTINCT raw) FROM _sluice_dead_letters "
                        "GROUP BY kind ORDER BY kind");
}

TEST(CheckpointE2E, SigkillAtRandomMomentsThenResumeLandsEveryEventOnce) {
  TempDir tmp;
  const std::string reference = MakeProject(tmp, "reference");
  const std::string args = " --max-events " + std::to_string(kEvents) + " --status off";
  CommandResult ref = Sluice("run " + Quote(reference) + args);
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const std::string expected = Fingerprint(reference);
  ASSERT_NE(expected.find("orders"), std::string::npos);
  ASSERT_NE(expected.find("query,"), std::string::npos) << expected;

  const std::string project = MakeProject(tmp, "crashy");
  std::mt19937 rng(std::random_device{}());
  int resumed = 0;
  for (int kill = 0; kill < 3; ++kill) {
    const double delay = 0.15 + static_cast<double>(rng() % 900) / 1000;
    const std::string script = std::string(SLUICE_BIN) + " run " + Quote(project) + args +
                               " > " + Quote(tmp.str() + "/run.log") + " 2>&1 & pid=$!; sleep " +
                               std::to_string(delay) + "; kill -KILL $pid; wait $pid; echo rc=$?";
    FILE* p = popen(("timeout 60 bash -c " + Quote(script)).c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[256];
    std::string out;
    while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
    pclose(p);
    const std::string log = ReadFile(tmp.str() + "/run.log");
    if (log.find("resumed from checkpoint") != std::string::npos) ++resumed;
    // Killed (137), or done before the kill (0); never an error of its own.
    EXPECT_TRUE(out.find("rc=137") != std::string::npos || out.find("rc=0") != std::string::npos)
        << "after " << delay << "s: " << out << log;
  }
  RecordProperty("resumed", resumed);
  CommandResult last = Sluice("run " + Quote(project) + args);
  ASSERT_EQ(last.exit_code, 0) << last.output;
  EXPECT_NE(last.output.find(std::to_string(kEvents) + " events in"), std::string::npos) << last.output;
  EXPECT_EQ(Fingerprint(project), expected) << "resumed " << resumed << " times";
}

TEST(CheckpointE2E, AChangedQueryIsRefusedWithAWayOut) {
  TempDir tmp;
  const std::string project = MakeProject(tmp, "changed");
  CommandResult first = Sluice("run " + Quote(project) + " --max-events 20000 --status off");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  std::string orders = ReadFile(project + "/streams/orders.sql");
  const size_t at = orders.find("SELECT channel, count(*) AS orders, sum(total) AS revenue");
  ASSERT_NE(at, std::string::npos);
  orders.insert(at + std::string("SELECT channel, count(*) AS orders, sum(total) AS revenue").size(),
                ", max(total) AS biggest");
  std::ofstream(project + "/streams/orders.sql") << orders;
  CommandResult again = Sluice("run " + Quote(project) + " --max-events 40000 --status off");
  EXPECT_NE(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("changed since checkpoint"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("streams/orders.sql"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("checkpoints/shop"), std::string::npos) << again.output;
}

}  // namespace
}  // namespace sluice::e2e
