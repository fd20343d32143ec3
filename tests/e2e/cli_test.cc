// The sluice command's behaviour on good and bad input, end to end.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e/e2e_util.h"
#include "warehouse/scratch_postgres.h"

namespace sluice::e2e {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Cli, VersionAndHelp) {
  CommandResult v = Sluice("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_TRUE(Contains(v.output, "sluice ")) << v.output;
  CommandResult h = Sluice("--help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd : {"init", "validate", "query", "run", "bench"}) {
    EXPECT_TRUE(Contains(h.output, cmd)) << cmd << "\n" << h.output;
  }
  CommandResult rh = Sluice("run --help");
  EXPECT_EQ(rh.exit_code, 0);
  EXPECT_TRUE(Contains(rh.output, "--max-events")) << rh.output;
  EXPECT_TRUE(Contains(rh.output, "--metrics-addr")) << rh.output;
  CommandResult bad = Sluice("frobnicate");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

TEST(Cli, MissingFolderIsExplained) {
  CommandResult r = Sluice("validate /nonexistent/sluice/project");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "/nonexistent/sluice/project")) << r.output;
}

TEST(Cli, ValidateReportsEveryProblemWithLocation) {
  TempDir d;
  d.Write("sluice.yaml", "name: broken\nwarehous:\n  type: duckdb\n");
  d.Write("sources/events.yaml", "type: generater\ngenerator: shop\n");
  d.Write("sources/orders.yaml", "type: generator\ngenerator: shop\nrate: fast\n");
  d.Write("sources/shop.yaml", "type: generator\ngenerator: shop\n");
  d.Write("sinks/out.yaml", "type: file\npath: out.ndjson\n");
  d.Write("streams/q.sql",
          "CREATE MATERIALIZED VIEW x AS\nSELECT totl FROM shop.orders;\n"
          "CREATE MATERIALIZED VIEW y AS SELECT * FROM orders.orders;\n");
  CommandResult r = Sluice("validate " + Quote(d.str()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "sluice.yaml:2:1")) << r.output;
  EXPECT_TRUE(Contains(r.output, "unknown key 'warehous'")) << r.output;
  EXPECT_TRUE(Contains(r.output, "did you mean 'warehouse'?")) << r.output;
  EXPECT_TRUE(Contains(r.output, "sources/events.yaml:1:7")) << r.output;
  EXPECT_TRUE(Contains(r.output, "unknown source type 'generater'")) << r.output;
  EXPECT_TRUE(Contains(r.output, "sources/orders.yaml:3:7")) << r.output;
  EXPECT_TRUE(Contains(r.output, "'rate' must be")) << r.output;
  EXPECT_TRUE(Contains(r.output, "streams/q.sql:2:8")) << r.output;
  EXPECT_TRUE(Contains(r.output, "unknown column 'totl'")) << r.output;
  EXPECT_TRUE(Contains(r.output, "did you mean 'total'?")) << r.output;
  // A query over a source whose own file has errors points there instead of guessing.
  EXPECT_TRUE(Contains(r.output, "streams/q.sql:3:")) << r.output;
  EXPECT_TRUE(Contains(r.output, "source 'orders' has errors")) << r.output;
}

TEST(Cli, MalformedYamlHasAPosition) {
  TempDir d;
  d.Write("sluice.yaml", "name: x\nrun: [1, 2\n");
  CommandResult r = Sluice("validate " + Quote(d.str()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "sluice.yaml:")) << r.output;
}

TEST(Cli, BadRecordsAreCountedKeptAndNotFatal) {
  TempDir d;
  d.Write("sluice.yaml", "name: files\n");
  d.Write("data/orders.csv",
          "id,amount,note\n1,10.50,ok\n2,abc,bad amount\n3,7.25\n4,1.00,\"quoted, with comma\"\n");
  d.Write("data/events.ndjson",
          "{\"id\": 1, \"kind\": \"a\"}\n{not json}\n{\"id\": 3, \"kind\": \"c\"}\n");
  d.Write("sources/orders.yaml",
          "type: file\npath: data/orders.csv\ncolumns:\n  id: BIGINT\n  amount: DECIMAL(10,2)\n  note: VARCHAR\n");
  d.Write("sources/events.yaml",
          "type: file\npath: data/*.ndjson\ncolumns:\n  id: BIGINT\n  kind: VARCHAR\n");
  d.Write("streams/q.sql",
          "CREATE MATERIALIZED VIEW good_orders AS SELECT id, amount, note FROM orders;\n"
          "CREATE MATERIALIZED VIEW good_events AS SELECT id, kind FROM events;\n");
  CommandResult r = Sluice("run " + Quote(d.str()) + " --status off");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CommandResult q = Sluice("query " + Quote(d.str()) +
                           " --format csv 'SELECT count(*), sum(id) FROM good_orders'");
  EXPECT_TRUE(Contains(q.output, "2,5")) << q.output;
  CommandResult q2 = Sluice("query " + Quote(d.str()) +
                            " --format csv 'SELECT count(*), sum(id) FROM good_events'");
  EXPECT_TRUE(Contains(q2.output, "2,4")) << q2.output;
  std::ifstream bad(d.path() / ".sluice/bad_records.ndjson");
  std::stringstream all;
  all << bad.rdbuf();
  const std::string text = all.str();
  EXPECT_TRUE(Contains(text, "orders.csv:3")) << text;
  EXPECT_TRUE(Contains(text, "orders.csv:4")) << text;
  EXPECT_TRUE(Contains(text, "events.ndjson:2")) << text;
  EXPECT_TRUE(Contains(r.output, "3 bad records") || Contains(r.output, "2 bad records")) << r.output;
}

TEST(Cli, QueryErrorsCarryTheWarehouseMessage) {
  TempDir d;
  d.Write("sluice.yaml", "name: q\n");
  CommandResult r = Sluice("query " + Quote(d.str()) + " 'SELEC 1'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "syntax error")) << r.output;
  CommandResult ok = Sluice("query " + Quote(d.str()) + " --format json 'SELECT 42 AS answer'");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(Contains(ok.output, "\"answer\"")) << ok.output;
  EXPECT_TRUE(Contains(ok.output, "42")) << ok.output;
}

TEST(Cli, MetricsEndpointServesPrometheusText) {
  TempDir d;
  std::filesystem::copy(SLUICE_SOURCE_DIR "/examples/shop", d.path() / "shop",
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(d.path() / "shop/.sluice");
  // A port nothing listens on now (not one derived from the pid: that can fall in the
  // ephemeral range other tests' servers are given).
  const std::string port = std::to_string(warehouse::FreeLoopbackPort());
  const std::string log = Quote(d.str() + "/run.log");
  // Run until stopped; wait (up to 30 s, the machine may be busy) for the endpoint, let some
  // events flow, scrape once, then SIGTERM, which must exit 0.
  const std::string script =
      "set -e; " SLUICE_BIN " run " + Quote(d.str() + "/shop") +
      " --for 120s --status off --metrics-addr 127.0.0.1:" + port + " > " + log + " 2>&1 & pid=$!; " +
      "up=0; for i in $(seq 1 300); do sleep 0.1; " +
      "if (exec 3<>/dev/tcp/127.0.0.1/" + port + ") 2>/dev/null; then up=1; break; fi; done; " +
      "if [ $up = 0 ]; then echo 'the metrics endpoint never came up; sluice run said:'; cat " + log +
      "; kill $pid; exit 1; fi; sleep 1.5; " +
      "exec 3<>/dev/tcp/127.0.0.1/" + port +
      "; printf 'GET /metrics HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n' >&3; cat <&3; kill -TERM $pid; wait $pid";
  const std::string cmd = "timeout 150 bash -c " + Quote(script) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_TRUE(Contains(out, "200 OK")) << out;
  EXPECT_TRUE(Contains(out, "# TYPE sluice_source_records_total counter")) << out;
  EXPECT_TRUE(Contains(out, "sluice_source_records_total{source=\"shop\"}")) << out;
  EXPECT_TRUE(Contains(out, "sluice_sink_records_total{sink=\"orders\"}")) << out;
  EXPECT_TRUE(Contains(out, "sluice_batch_latency_seconds_bucket")) << out;
}

}  // namespace
}  // namespace sluice::e2e
