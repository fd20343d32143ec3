// Common subexpression elimination: repeated expressions compile to one shared kernel
// that runs once per batch (counted through CompiledSelect::shared_subexpressions()).
#include <gtest/gtest.h>

#include "sql/sql.h"

namespace sluice::sql {
namespace {

class BidTable final : public Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return EqualsIgnoreCase(name, "bid") ? schema_ : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"bid"}; }

 private:
  SchemaPtr schema_ = MakeSchema(
      {{"id", DataType::Int64()}, {"channel", DataType::Varchar()}, {"url", DataType::Varchar()}});
};

RecordBatchPtr Bids(int64_t rows) {
  BidTable t;
  BatchBuilder b(t.FindTable("bid"));
  const char* channels[] = {"Apple", "google", "other", "Baidu", "x"};
  for (int64_t i = 0; i < rows; ++i) {
    b.column(0)->Append<int64_t>(i);
    b.column(1)->AppendString(channels[i % 5]);
    b.column(2)->AppendString(i % 3 == 0 ? "https://a/b?channel_id=" + std::to_string(i) : "https://a/b");
  }
  return b.Finish();
}

std::unique_ptr<CompiledSelect> Make(const std::string& select) {
  BidTable catalog;
  const std::string sql = "CREATE MATERIALIZED VIEW v AS " + select;
  Result<std::vector<Statement>> stmts = ParseScript(sql, "t.sql");
  EXPECT_TRUE(stmts.ok()) << stmts.status().message();
  if (!stmts.ok()) return nullptr;
  Result<std::unique_ptr<CompiledSelect>> q = Compile((*stmts)[0], catalog, sql, "t.sql");
  EXPECT_TRUE(q.ok()) << q.status().message();
  return q.ok() ? std::move(q).value() : nullptr;
}

const SharedSubexpressionStats* Find(const std::vector<SharedSubexpressionStats>& all, const std::string& text) {
  for (const auto& s : all) {
    if (s.text == text) return &s;
  }
  return nullptr;
}

constexpr const char* kQ21 = R"(SELECT id, channel,
  CASE
    WHEN lower(channel) = 'apple' THEN '0'
    WHEN lower(channel) = 'google' THEN '1'
    WHEN lower(channel) = 'facebook' THEN '2'
    WHEN lower(channel) = 'baidu' THEN '3'
    ELSE REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2)
  END AS channel_id
FROM bid
WHERE REGEXP_EXTRACT(url, '[?&]channel_id=([^&]*)', 1) IS NOT NULL
   OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')
   OR REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2) IS NOT NULL)";

TEST(SubexpressionCacheTest, Q21ComputesLowerAndRegexpOncePerBatch) {
  auto q = Make(kQ21);
  ASSERT_TRUE(q);
  auto before = q->shared_subexpressions();
  const SharedSubexpressionStats* lower = Find(before, "lower(channel)");
  ASSERT_NE(lower, nullptr);
  EXPECT_EQ(lower->uses, 5);
  EXPECT_EQ(lower->evaluations, 0);
  const SharedSubexpressionStats* re = Find(before, "REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2)");
  ASSERT_NE(re, nullptr);
  EXPECT_EQ(re->uses, 2);
  // Used once only: not shared.
  EXPECT_EQ(Find(before, "REGEXP_EXTRACT(url, '[?&]channel_id=([^&]*)', 1)"), nullptr);

  for (int batch = 1; batch <= 3; ++batch) {
    Result<RecordBatchPtr> out = q->Evaluate(*Bids(100));
    ASSERT_TRUE(out.ok()) << out.status().message();
    // apple, google, baidu (3 of 5) or, of the other 40, ids 9 and 12 mod 15.
    EXPECT_EQ((*out)->num_rows(), 60 + 13);
    auto stats = q->shared_subexpressions();
    // One computation over the input batch per batch; WHERE filtered rows, so the
    // select items read it narrowed to the surviving rows, not recomputed.
    EXPECT_EQ(Find(stats, "lower(channel)")->evaluations, batch);
    EXPECT_EQ(Find(stats, "lower(channel)")->gathers, batch);
    EXPECT_EQ(Find(stats, "REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2)")->evaluations, batch);
  }
}

TEST(SubexpressionCacheTest, MatchesStructureNotSpelling) {
  auto q = Make("SELECT LOWER(channel) AS a, lower( channel ) AS b, lower(url) AS c FROM bid");
  ASSERT_TRUE(q);
  auto stats = q->shared_subexpressions();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].uses, 2);
  Result<RecordBatchPtr> out = q->Evaluate(*Bids(10));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(q->shared_subexpressions()[0].evaluations, 1);
  EXPECT_EQ((*out)->column(0).GetString(0), "apple");
  EXPECT_EQ((*out)->column(1).GetString(3), "baidu");
  EXPECT_EQ((*out)->column(2).GetString(0), "https://a/b?channel_id=0");
}

TEST(SubexpressionCacheTest, FalliblesAndConstantsAreNotShared) {
  // CAST can fail and arithmetic can overflow: repeated, but each use stays lazy.
  auto q = Make(
      "SELECT CASE WHEN id > 0 THEN CAST(channel AS INT64) ELSE CAST(channel AS INT64) END AS c, "
      "id + 1 AS a, id + 1 AS b, lower('X') AS k1, lower('X') AS k2 FROM bid WHERE id < 0");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->shared_subexpressions().empty());
}

TEST(SubexpressionCacheTest, DifferentArgumentsAreDifferentExpressions) {
  auto q = Make(
      "SELECT regexp_extract(url, 'id=(.*)', 1) AS a, regexp_extract(url, 'id=(.*)', 0) AS b, "
      "lower(channel) = 'a' AS c, lower(channel) = 'b' AS d FROM bid");
  ASSERT_TRUE(q);
  auto stats = q->shared_subexpressions();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].text, "lower(channel)");
  Result<RecordBatchPtr> out = q->Evaluate(*Bids(4));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)->column(0).GetString(0), "0");
  EXPECT_EQ((*out)->column(1).GetString(0), "id=0");
}

TEST(SubexpressionCacheTest, WhereResultNotNeededByWhereIsComputedForItems) {
  // No row takes the CASE branch, so WHERE never evaluates lower(url); url is not
  // gathered for the items, which get lower(url) from the input batch, narrowed.
  auto q = Make(
      "SELECT id, lower(url) AS u FROM bid "
      "WHERE CASE WHEN id > 1000 THEN lower(url) = 'x' ELSE id IN (0, 3) END");
  ASSERT_TRUE(q);
  Result<RecordBatchPtr> out = q->Evaluate(*Bids(10));
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ((*out)->num_rows(), 2);
  EXPECT_EQ((*out)->column(1).GetString(0), "https://a/b?channel_id=0");
  EXPECT_EQ((*out)->column(1).GetString(1), "https://a/b?channel_id=3");
  auto stats = q->shared_subexpressions();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].evaluations, 1);
  EXPECT_EQ(stats[0].gathers, 1);
}

}  // namespace
}  // namespace sluice::sql
