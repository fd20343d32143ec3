// regexp_extract and ~ (regexp_matches) against RE2 searching the whole string:
// the kernels search from the required literal (RegexpPrefilter::SearchStart) and try
// anchored matches before it; over random strings full of near-misses the results must
// be those of a plain unanchored search.
#include <re2/re2.h>

#include <gtest/gtest.h>

#include <random>

#include "core/value.h"
#include "sql/sql.h"

namespace sluice::sql {
namespace {

class TextTable final : public Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return EqualsIgnoreCase(name, "t") ? schema_ : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"t"}; }

 private:
  SchemaPtr schema_ = MakeSchema({{"s", DataType::Varchar()}});
};

// Random strings over an alphabet of the patterns' pieces, so literals, their case
// variants and partial occurrences are common. Every 17th row is NULL.
RecordBatchPtr RandomStrings(int64_t rows, std::vector<std::string>* values) {
  static const char* const kPieces[] = {"&", "channel_id=", "CHANNEL_ID=", "channel", "_id=", "x",
                                        "1", "42", "=", "a", "\xc3\xa9", "l_id=", "&c", "id"};
  std::mt19937 rng(7);
  BatchBuilder b(MakeSchema({{"s", DataType::Varchar()}}));
  for (int64_t i = 0; i < rows; ++i) {
    if (i % 17 == 5) {
      b.column(0)->AppendNull();
      values->push_back("<null>");
      continue;
    }
    std::string s;
    const int n = static_cast<int>(rng() % 7);
    for (int k = 0; k < n; ++k) s += kPieces[rng() % std::size(kPieces)];
    b.column(0)->AppendString(s);
    values->push_back(s);
  }
  return b.Finish();
}

std::unique_ptr<CompiledSelect> Make(const std::string& sql, const Catalog& catalog) {
  Result<std::vector<Statement>> stmts = ParseScript(sql, "t.sql");
  EXPECT_TRUE(stmts.ok()) << stmts.status().message();
  if (!stmts.ok()) return nullptr;
  Result<std::unique_ptr<CompiledSelect>> q = Compile((*stmts)[0], catalog, sql, "t.sql");
  EXPECT_TRUE(q.ok()) << q.status().message();
  return q.ok() ? std::move(q).value() : nullptr;
}

TEST(RegexpExtractTest, MatchesAPlainSearch) {
  TextTable catalog;
  std::vector<std::string> values;
  RecordBatchPtr in = RandomStrings(3000, &values);
  for (const char* pattern : {"(&|^)channel_id=([^&]*)", "(x)?channel_id=([0-9]*)", "([a-z]?)l_id=([0-9]*)",
                              "([a-z]{1,3})_id=([0-9]*)", "(a|&c)hannel(_id)", "(.)channel_id=(1?)"}) {
    SCOPED_TRACE(pattern);
    auto q = Make(std::string("INSERT INTO o SELECT regexp_extract(s, '") + pattern + "', 2), regexp_extract(s, '" +
                      pattern + "', 0), s ~ '" + pattern + "' FROM t",
                  catalog);
    ASSERT_TRUE(q);
    Result<RecordBatchPtr> out = q->Evaluate(*in);
    ASSERT_TRUE(out.ok()) << out.status().message();
    const RE2 re(pattern);
    ASSERT_TRUE(re.ok());
    for (int64_t i = 0; i < in->num_rows(); ++i) {
      SCOPED_TRACE(values[static_cast<size_t>(i)]);
      const Column& g2 = (*out)->column(0);
      const Column& g0 = (*out)->column(1);
      const Column& m = (*out)->column(2);
      if (in->column(0).IsNull(i)) {
        EXPECT_TRUE(g2.IsNull(i) && g0.IsNull(i) && m.IsNull(i));
        continue;
      }
      const std::string& s = values[static_cast<size_t>(i)];
      re2::StringPiece groups[3];
      const bool hit = re.Match(s, 0, s.size(), RE2::UNANCHORED, groups, 3);
      ASSERT_FALSE(m.IsNull(i));
      EXPECT_EQ(m.Get<uint8_t>(i) != 0, hit);
      if (!hit || groups[2].data() == nullptr) {
        EXPECT_TRUE(g2.IsNull(i));
      } else {
        ASSERT_FALSE(g2.IsNull(i));
        EXPECT_EQ(g2.GetString(i), std::string_view(groups[2].data(), groups[2].size()));
      }
      if (!hit) {
        EXPECT_TRUE(g0.IsNull(i));
      } else {
        ASSERT_FALSE(g0.IsNull(i));
        EXPECT_EQ(g0.GetString(i), std::string_view(groups[0].data(), groups[0].size()));
      }
    }
  }
}

}  // namespace
}  // namespace sluice::sql
