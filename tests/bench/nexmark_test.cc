// Every Nexmark query sluice can plan gives the same final result in sluice (the final
// state of its changelog) and in DuckDB (batch) over the same generated events: same
// net row count, same order-independent checksum of the rows, same column types.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "nexmark_bench.h"

namespace sluice::bench {
namespace {

// 300K events = 30 s of event time (10K events/s): 10-second windows close (q5, q7,
// q8, q11, q12), auctions expire (q4, q6, q9) and joins find partners.
constexpr int64_t kEvents = 300000;
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

// Queries sluice cannot plan yet (the planner's message is in nexmark_queries.cc).
const std::set<std::string> kUnsupported = {};
// Queries that plan but do not give DuckDB's result yet (planner gaps, see
// nexmark_queries.cc). They must still fail, so a fix shows up here: then move the
// query out of this list.
const std::set<std::string> kKnownBroken = {};

TEST_P(NexmarkTest, SameFinalResultAsDuckDb) {
  ASSERT_NE(duck_, nullptr);
  const NexmarkQuery* q = FindNexmarkQuery(GetParam());
  ASSERT_NE(q, nullptr);
  auto plan = PlanNexmarkQuery(*q);
  if (kUnsupported.count(GetParam())) {
    EXPECT_FALSE(plan.ok()) << GetParam() << " plans now: remove it from kUnsupported";
    return;
  }
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto mine = RunNexmarkInSluice(*q, kEvents, kSeed, true);
  auto theirs = duck_->Run(*q, true);
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  if (kKnownBroken.count(GetParam())) {
    EXPECT_TRUE(!mine.ok() || mine->rows != theirs->rows || mine->checksum != theirs->checksum)
        << GetParam() << " matches DuckDB now: remove it from kKnownBroken";
    return;
  }
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->types, theirs->types);
  EXPECT_EQ(mine->rows, theirs->rows);
  EXPECT_EQ(mine->checksum, theirs->checksum);
  EXPECT_GT(mine->rows, 0);
}

// Every query a Nexmark test covers is in the harness's list, and the supported list is
// the list minus kUnsupported.
TEST(NexmarkQueries, SupportedListLeavesOutUnsupported) {
  std::vector<std::string> expected;
  for (const auto& q : NexmarkQueries()) {
    if (!kUnsupported.count(std::string(q.name))) expected.emplace_back(q.name);
  }
  EXPECT_EQ(SupportedNexmarkQueries(), expected);
  for (int i = 0; i <= 22; ++i) {
    EXPECT_NE(FindNexmarkQuery("q" + std::to_string(i)), nullptr) << i;
  }
}

// A wrong DuckDB answer (or a wrong sluice one) is caught: the checksum compares
// values, not just row counts.
TEST(NexmarkQueries, DifferentResultIsCaught) {
  const NexmarkQuery* q = FindNexmarkQuery("q17");
  ASSERT_NE(q, nullptr);
  NexmarkQuery wrong = *q;
  const std::string sql(q->duckdb_sql);
  const std::string off_by_one = std::string(sql).replace(sql.find("max(price) AS max_price"), 23,
                                                          "max(price) + 1 AS max_price");
  wrong.duckdb_sql = off_by_one;
  auto db = NexmarkDuckDb::Load(20000, kSeed);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto mine = RunNexmarkInSluice(*q, 20000, kSeed, true);
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  auto right = (*db)->Run(*q, true);
  auto theirs = (*db)->Run(wrong, true);
  ASSERT_TRUE(right.ok() && theirs.ok());
  EXPECT_EQ(mine->checksum, right->checksum);
  EXPECT_EQ(mine->rows, theirs->rows);
  EXPECT_NE(mine->checksum, theirs->checksum);
}

std::vector<std::string> AllQueries() {
  std::vector<std::string> out;
  for (const auto& q : NexmarkQueries()) out.emplace_back(q.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Queries, NexmarkTest, ::testing::ValuesIn(AllQueries()),
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
