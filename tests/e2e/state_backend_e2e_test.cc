// `run.state_backend: rocksdb` through the real binary: a GROUP BY with many keys and a
// 1MB budget spills to <state_dir>/state/ and lands exactly what the memory backend
// lands, also after a restart that restores it from its checkpoint.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"

namespace sluice::e2e {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The shop example at full speed with a GROUP BY over every order id.
std::string MakeProject(const TempDir& dir, const std::string& name, const std::string& run) {
  const std::string dst = dir.str() + "/" + name;
  std::filesystem::copy(SLUICE_SOURCE_DIR "/examples/shop", dst,
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(dst + "/.sluice");
  std::filesystem::remove_all(dst + "/models");
  std::string source = ReadFile(dst + "/sources/shop.yaml");
  const size_t rate = source.find("rate: 5000");
  EXPECT_NE(rate, std::string::npos);
  source.replace(rate, 10, "rate: 0");
  std::ofstream(dst + "/sources/shop.yaml") << source;
  std::string yaml = ReadFile(dst + "/sluice.yaml");
  const size_t at = yaml.find("  status_interval: 1s");
  EXPECT_NE(at, std::string::npos);
  yaml.insert(at, run);
  std::ofstream(dst + "/sluice.yaml") << yaml;
  std::ofstream(dst + "/streams/per_order.sql")
      << "CREATE MATERIALIZED VIEW per_order AS\n"
         "SELECT order_id, count(*) AS n, sum(total) AS revenue, max(channel) AS ch,\n"
         "       min(country) AS c, count(DISTINCT status) AS statuses\n"
         "FROM shop.orders GROUP BY order_id;\n";
  return dst;
}

std::string Query(const std::string& project, const std::string& sql) {
  CommandResult r = Sluice("query " + Quote(project) + " --format csv " + Quote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

std::string Fingerprint(const std::string& project) {
  return Query(project,
               "SELECT count(*), sum(n), CAST(sum(revenue) * 100 AS BIGINT), "
               "sum(hash(order_id, n, revenue, ch, c, statuses)) FROM per_order") +
         Query(project, "SELECT channel, orders, CAST(revenue * 100 AS BIGINT) "
                        "FROM revenue_by_channel ORDER BY channel");
}

TEST(StateBackendE2E, RocksDbLandsWhatMemoryLandsAndResumes) {
  TempDir dir;
  const std::string memory = MakeProject(dir, "memory", "");
  const std::string rocks = MakeProject(
      dir, "rocks", "  state_backend: rocksdb\n  state_memory_budget: 1MB\n");
  for (const int64_t events : {300000, 700000}) {  // the second run resumes the first
    for (const std::string& p : {memory, rocks}) {
      CommandResult r =
          Sluice("run " + Quote(p) + " --status off --max-events " + std::to_string(events));
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    const std::string want = Fingerprint(memory);
    EXPECT_EQ(Fingerprint(rocks), want);
    EXPECT_NE(want.find('\n'), std::string::npos);
  }
  // The GROUP BY spilled: its store exists under the state dir.
  bool store = false;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(rocks + "/.sluice/state/shop")) {
    store = store || e.path().filename() == "CURRENT";
  }
  EXPECT_TRUE(store);
  EXPECT_FALSE(std::filesystem::exists(memory + "/.sluice/state"));
}

// The backend chosen per query (WITH (state_backend = ...)) overrides the project's.
void SetViewOptions(const std::string& project, const std::string& options) {
  const std::string path = project + "/streams/per_order.sql";
  std::string sql = ReadFile(path);
  const std::string head = "CREATE MATERIALIZED VIEW per_order";
  ASSERT_EQ(sql.rfind(head, 0), 0u);
  sql.insert(head.size(), " WITH (" + options + ")");
  std::ofstream(path) << sql;
}

// The folders of RocksDB stores (a CURRENT file) under <project>/.sluice/state/, relative
// to it (<source>/<n>_<query>/<operator>).
std::vector<std::string> Stores(const std::string& project) {
  std::vector<std::string> out;
  const std::string root = project + "/.sluice/state";
  if (!std::filesystem::exists(root)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().filename() == "CURRENT") {
      out.push_back(std::filesystem::relative(e.path().parent_path(), root).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StateBackendE2E, AQueryChoosesItsOwnBackend) {
  TempDir dir;
  const std::string memory = MakeProject(dir, "memory", "");
  // Memory for the project, RocksDB with a 1MB budget for the one big GROUP BY.
  const std::string one = MakeProject(dir, "one", "");
  SetViewOptions(one, "state_backend = 'rocksdb', state_memory_budget = '1MB'");
  // RocksDB for the project, memory for that GROUP BY.
  const std::string other = MakeProject(dir, "other", "  state_backend: rocksdb\n");
  SetViewOptions(other, "state_backend = 'memory'");
  for (const std::string& p : {memory, one, other}) {
    CommandResult r = Sluice("run " + Quote(p) + " --status off --max-events 300000");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const std::string want = Fingerprint(memory);
  EXPECT_EQ(Fingerprint(one), want);
  EXPECT_EQ(Fingerprint(other), want);
  const std::vector<std::string> stores = Stores(one);
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_NE(stores[0].find("per_order"), std::string::npos) << stores[0];
  for (const std::string& s : Stores(other)) EXPECT_EQ(s.find("per_order"), std::string::npos) << s;
}

TEST(StateBackendE2E, ABudgetWithoutRocksDbIsRefused) {
  TempDir dir;
  const std::string p = MakeProject(dir, "bad", "");
  SetViewOptions(p, "state_memory_budget = '64MB'");
  CommandResult r = Sluice("validate " + Quote(p));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("per_order.sql:1:1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("state_memory_budget is the rocksdb state backend's budget"),
            std::string::npos)
      << r.output;
}

TEST(StateBackendE2E, AnUnknownBackendIsRefusedWithItsLocation) {
  TempDir dir;
  const std::string p = MakeProject(dir, "bad", "  state_backend: rocks\n");
  CommandResult r = Sluice("validate " + Quote(p));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("sluice.yaml:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'state_backend' has unknown value 'rocks'"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace sluice::e2e
