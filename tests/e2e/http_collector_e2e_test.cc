// The HTTP collector end to end: `sluice run` on a project with an http source and a
// materialized view; events are posted over a real socket, and the warehouse table and
// the bad-record file are checked afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "connectors/http_test_client.h"
#include "e2e/e2e_util.h"

extern char** environ;

namespace sluice::e2e {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(HttpCollectorE2E, PostedEventsReachTheWarehouse) {
  TempDir dir;
  dir.Write("sluice.yaml",
            "name: collect\nstate_dir: .sluice\nwarehouse:\n  type: duckdb\n"
            "run:\n  flush_interval: 100ms\ncollector:\n  listen: 127.0.0.1:0\n");
  dir.Write("sources/events.yaml",
            "type: http\nschema:\n  - {name: id, type: VARCHAR, nullable: false}\n"
            "  - {name: kind, type: VARCHAR}\n  - {name: amount, type: BIGINT}\n"
            "event_id_field: id\ntoken_env: SLUICE_E2E_TOKEN\n");
  dir.Write("streams/buys.sql",
            "CREATE MATERIALIZED VIEW buys AS SELECT id, amount FROM events WHERE kind = 'buy';\n");
  ::setenv("SLUICE_E2E_TOKEN", "tok", 1);

  const std::string project = dir.str();
  // 5 good distinct events: the run stops after reading them.
  std::vector<std::string> argv_s = {SLUICE_BIN, "run", project, "--max-events", "5"};
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, SLUICE_BIN, nullptr, nullptr, argv.data(), environ), 0);

  const std::string addr_file = project + "/.sluice/collector.addr";
  int port = 0;
  for (int i = 0; i < 300 && port == 0; ++i) {
    const std::string addr = ReadFile(addr_file);
    const size_t colon = addr.rfind(':');
    if (colon != std::string::npos) port = std::atoi(addr.c_str() + colon + 1);
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(port, 0) << "the collector did not start";
  const std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer tok"}};
  EXPECT_EQ(test::HttpCall(port, "GET", "/readyz", "").status, 200);
  EXPECT_EQ(test::HttpCall(port, "POST", "/v1/events/events", "{\"id\":\"x\"}").status, 401);
  test::HttpReply a = test::HttpCall(port, "POST", "/v1/events/events",
                                     "{\"id\":\"a\",\"kind\":\"buy\",\"amount\":10}\n"
                                     "{\"id\":\"b\",\"kind\":\"view\",\"amount\":1}\n"
                                     "{\"id\":\"c\",\"kind\":\"buy\",\"amount\":\"lots\"}\n",
                                     auth);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("\"accepted\":2,\"rejected\":1"), std::string::npos) << a.body;
  test::HttpReply b = test::HttpCall(port, "POST", "/v1/events/events",
                                     "[{\"id\":\"a\",\"kind\":\"buy\",\"amount\":10},"
                                     "{\"id\":\"d\",\"kind\":\"buy\",\"amount\":32},"
                                     "{\"id\":\"e\",\"kind\":\"buy\",\"amount\":100},"
                                     "{\"id\":\"f\",\"kind\":\"view\",\"amount\":5}]",
                                     auth);
  EXPECT_EQ(b.status, 200) << b.body;
  EXPECT_NE(b.body.find("\"duplicates\":1"), std::string::npos) << b.body;

  int status = 0;
  bool exited = false;
  for (int i = 0; i < 600 && !exited; ++i) {
    exited = ::waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(exited) << "sluice run did not stop after --max-events";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  CommandResult q = Sluice("query " + Quote(project) +
                           " --format csv 'SELECT count(*), sum(amount) FROM buys'");
  EXPECT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("3,142"), std::string::npos) << q.output;
  const std::string bad = ReadFile(project + "/.sluice/bad_records.ndjson");
  EXPECT_NE(bad.find("record 2"), std::string::npos) << bad;
  EXPECT_NE(bad.find("lots"), std::string::npos) << bad;
}

}  // namespace
}  // namespace sluice::e2e
