#include "log_bench.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sluice::bench {
namespace {

double Extra(const BenchResult& r, const std::string& key) {
  for (const auto& [k, v] : r.extra) {
    if (k == key) return v;
  }
  ADD_FAILURE() << "no extra " << key;
  return 0;
}

TEST(LogBench, SmallRunReportsEveryField) {
  const std::string tmp = std::filesystem::temp_directory_path().string();
  auto r = RunLogBench({1, "zstd", 100, 1, tmp});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "log/append/zstd");
  EXPECT_EQ(r->events, 10000);
  EXPECT_EQ(r->bytes, 1000000);
  EXPECT_GT(r->per_core_rate, 0);
  EXPECT_GT(Extra(*r, "raw_mb_per_sec"), 0);
  EXPECT_GT(Extra(*r, "ratio"), 0);
  EXPECT_GT(Extra(*r, "log_file_bytes"), 0);
  EXPECT_LT(Extra(*r, "log_file_bytes"), 1000000) << "zstd shrinks the records";
}

TEST(LogBench, BadOptionsAreInvalid) {
  EXPECT_EQ(RunLogBench({1, "gzip", 100, 1, ""}).status().code(), StatusCode::kInvalid);
  EXPECT_EQ(RunLogBench({0, "none", 100, 1, ""}).status().code(), StatusCode::kInvalid);
  EXPECT_EQ(RunLogBench({1, "none", 100, 1, "/no/such/folder"}).status().code(),
            StatusCode::kInvalid);
}

}  // namespace
}  // namespace sluice::bench
