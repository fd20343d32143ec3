// A warehouse file held by another process: the second `sluice run` must get a clear
// error, not a hang or a corrupt file. DuckDB's file lock is per process, so the holder
// is this test binary started again (fresh, via posix_spawn) running only HoldLock.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "warehouse/duckdb_warehouse.h"
#include "warehouse_test_util.h"

extern char** environ;

namespace sluice::warehouse {
namespace {

constexpr const char* kHoldEnv = "SLUICE_TEST_HOLD_WAREHOUSE";
constexpr const char* kReady = "SLUICE-LOCK-HELD";

// Runs only in the spawned helper: opens the file, says so, waits for stdin to close.
TEST(DuckDBLockHolder, HoldLock) {
  const char* path = std::getenv(kHoldEnv);
  if (path == nullptr) GTEST_SKIP() << "helper for DuckDBLockTest; runs only when spawned";
  auto wh = OpenDuckDB(path);
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto conn = (*wh)->Connect();
  ASSERT_TRUE(conn.ok());
  std::cout << "\n" << kReady << std::endl;
  char c;
  while (read(STDIN_FILENO, &c, 1) > 0) {
  }
}

TEST(DuckDBLockTest, FileHeldByAnotherProcessFailsClearly) {
  testing::TempDir dir;
  const std::string path = dir.File("warehouse.duckdb");
  int to_child[2], from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  std::string exe = "/proc/self/exe";
  std::string filter = "--gtest_filter=DuckDBLockHolder.HoldLock";
  char* argv[] = {exe.data(), filter.data(), nullptr};
  std::vector<std::string> env_strings = {std::string(kHoldEnv) + "=" + path};
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);

  std::string output;
  char buf[256];
  ssize_t n = 0;
  while (output.find(kReady) == std::string::npos &&
         (n = read(from_child[0], buf, sizeof(buf))) > 0) {
    output.append(buf, static_cast<size_t>(n));
  }
  ASSERT_NE(output.find(kReady), std::string::npos) << "helper did not start:\n" << output;

  auto wh = OpenDuckDB(path);
  EXPECT_FALSE(wh.ok());
  EXPECT_EQ(wh.status().code(), StatusCode::kIOError);
  EXPECT_NE(wh.status().message().find("another `sluice run` may be using it"), std::string::npos)
      << wh.status().message();
  EXPECT_NE(wh.status().message().find(path), std::string::npos) << wh.status().message();

  close(to_child[1]);  // the helper exits
  while (read(from_child[0], buf, sizeof(buf)) > 0) {
  }
  close(from_child[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // With the holder gone, the file opens fine.
  EXPECT_TRUE(OpenDuckDB(path).ok());
}

}  // namespace
}  // namespace sluice::warehouse
