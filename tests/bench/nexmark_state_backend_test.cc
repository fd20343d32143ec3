// Every Nexmark query gives the same final result with the rocksdb state backend under a
// tiny budget (GROUP BY groups and join keys spill and come back all the time) as with the
// memory backend: same net row count and order-independent checksum.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "nexmark_bench.h"

namespace sluice::bench {
namespace {

constexpr int64_t kEvents = 40000;
constexpr uint64_t kSeed = 11;

TEST(NexmarkStateBackend, RocksDbGivesTheMemoryBackendsResults) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("sluice_nexmark_state_test_" + std::to_string(::getpid())))
                              .string();
  int joins = 0;
  for (const std::string& name : SupportedNexmarkQueries()) {
    SCOPED_TRACE(name);
    const NexmarkQuery* q = FindNexmarkQuery(name);
    ASSERT_NE(q, nullptr);
    stream::OperatorStateOptions rocks;
    rocks.backend = stream::StateBackendKind::kRocksDb;
    rocks.memory_budget_bytes = 64 << 10;
    rocks.dir = dir + "/" + name;
    auto mem = RunNexmarkInSluice(*q, kEvents, kSeed, true);
    ASSERT_TRUE(mem.ok()) << mem.status().ToString();
    auto spilled = RunNexmarkInSluice(*q, kEvents, kSeed, true, rocks);
    ASSERT_TRUE(spilled.ok()) << spilled.status().ToString();
    EXPECT_EQ(spilled->rows, mem->rows);
    EXPECT_EQ(spilled->checksum, mem->checksum);
    EXPECT_EQ(spilled->types, mem->types);
    joins += std::string(q->sluice_sql).find("JOIN") != std::string::npos ||
             std::string(q->sluice_sql).find("join") != std::string::npos;
  }
  EXPECT_GE(joins, 4);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace sluice::bench
