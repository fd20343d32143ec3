// The stateless Nexmark queries give the same results in sluice and in DuckDB over the
// same 50K generated events: same row count, same order-independent checksum of the
// rows, same result column types.
#include <gtest/gtest.h>

#include "nexmark_bench.h"

namespace sluice::bench {
namespace {

constexpr int64_t kEvents = 50000;
constexpr uint64_t kSeed = 7;

class NexmarkTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    auto db = NexmarkDuckDb::Load(kEvents, kSeed);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    duck_ = std::move(db).value().release();
  }
  static void TearDownTestSuite() {
    delete duck_;
    duck_ = nullptr;
  }
  static NexmarkDuckDb* duck_;
};
NexmarkDuckDb* NexmarkTest::duck_ = nullptr;

TEST_P(NexmarkTest, SameResultsAsDuckDb) {
  ASSERT_NE(duck_, nullptr);
  const NexmarkQuery* q = FindNexmarkQuery(GetParam());
  ASSERT_NE(q, nullptr);
  auto mine = RunNexmarkInSluice(*q, kEvents, kSeed, true);
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  auto theirs = duck_->Run(*q, true);
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  EXPECT_EQ(mine->types, theirs->types);
  EXPECT_EQ(mine->rows, theirs->rows);
  EXPECT_EQ(mine->checksum, theirs->checksum);
  EXPECT_GT(mine->rows, 0);
  // The count-only run agrees with the checksummed one.
  auto count_only = RunNexmarkInSluice(*q, kEvents, kSeed, false);
  ASSERT_TRUE(count_only.ok());
  EXPECT_EQ(count_only->rows, mine->rows);
}

INSTANTIATE_TEST_SUITE_P(Queries, NexmarkTest,
                         ::testing::Values("q0", "q1", "q2", "q14", "q21", "q22", "q5_hop"),
                         [](const auto& info) { return info.param; });

TEST(NexmarkBench, UnknownQueryIsInvalid) {
  std::vector<NexmarkBenchResult> out;
  const Status st = RunNexmarkBench({"q99"}, 1000, 1, 42, &out);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("unknown Nexmark query 'q99'"), std::string::npos) << st.ToString();
  EXPECT_FALSE(RunNexmarkBench({"q0"}, 0, 1, 42, &out).ok());
}

TEST(NexmarkBench, OneRunReportsAMatch) {
  std::vector<NexmarkBenchResult> out;
  ASSERT_TRUE(RunNexmarkBench({"q2"}, 20000, 1, 42, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].match);
  const std::string json = ToJson(out[0]);
  EXPECT_NE(json.find("\"query\":\"q2\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"match\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"duckdb_seconds\":"), std::string::npos) << json;
}

}  // namespace
}  // namespace sluice::bench
