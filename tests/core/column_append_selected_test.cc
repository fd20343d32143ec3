// Column::AppendSelected against a row-by-row reference: every string length around the
// word-copy thresholds, nulls on and off byte boundaries of the validity bitmap, and
// destinations that already hold rows (with and without nulls).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/column.h"

namespace sluice {
namespace {

// `rows` strings of lengths 0..40 (every length several times); every `null_every`-th
// row NULL (0 = none).
Column Strings(int64_t rows, int null_every, std::mt19937& rng) {
  Column c(DataType::Varchar());
  for (int64_t i = 0; i < rows; ++i) {
    if (null_every > 0 && i % null_every == 3) {
      c.AppendNull();
      continue;
    }
    std::string s(static_cast<size_t>(i % 41), ' ');
    for (char& ch : s) ch = static_cast<char>('a' + rng() % 26);
    c.AppendString(s);
  }
  return c;
}

Column Ints(int64_t rows, int null_every) {
  Column c(DataType::Int64());
  for (int64_t i = 0; i < rows; ++i) {
    if (null_every > 0 && i % null_every == 1) {
      c.AppendNull();
    } else {
      c.Append<int64_t>(i * 7 - 3);
    }
  }
  return c;
}

// The reference: one row at a time.
void AppendRows(const Column& src, const std::vector<int32_t>& idx, Column* out) {
  for (int32_t j : idx) {
    if (src.IsNull(j)) {
      out->AppendNull();
    } else if (src.type().IsVarLength()) {
      out->AppendString(src.GetString(j));
    } else {
      out->Append<int64_t>(src.Get<int64_t>(j));
    }
  }
}

void ExpectSame(const Column& got, const Column& want) {
  ASSERT_EQ(got.length(), want.length());
  EXPECT_EQ(got.null_count(), want.null_count());
  for (int64_t i = 0; i < got.length(); ++i) {
    ASSERT_EQ(got.IsValid(i), want.IsValid(i)) << "row " << i;
    if (!got.IsValid(i)) continue;
    if (got.type().IsVarLength()) {
      ASSERT_EQ(got.GetString(i), want.GetString(i)) << "row " << i;
    } else {
      ASSERT_EQ(got.Get<int64_t>(i), want.Get<int64_t>(i)) << "row " << i;
    }
  }
}

TEST(ColumnAppendSelectedTest, MatchesRowByRowAppends) {
  std::mt19937 rng(5);
  for (bool strings : {true, false}) {
    for (int src_nulls : {0, 5, 8}) {
      const Column src = strings ? Strings(300, src_nulls, rng) : Ints(300, src_nulls);
      for (int64_t before : {0, 1, 7, 8, 13}) {
        for (int dst_nulls : {0, 4}) {
          for (int64_t count : {0, 1, 7, 8, 9, 17, 150}) {
            std::vector<int32_t> idx;
            for (int64_t k = 0; k < count; ++k) idx.push_back(static_cast<int32_t>(rng() % 300));
            // Two identical destinations (same seed).
            std::mt19937 r1(static_cast<unsigned>(before * 10 + dst_nulls)), r2 = r1;
            Column got = strings ? Strings(before, dst_nulls, r1) : Ints(before, dst_nulls);
            Column want = strings ? Strings(before, dst_nulls, r2) : Ints(before, dst_nulls);
            got.AppendSelected(src, idx.data(), count);
            AppendRows(src, idx, &want);
            SCOPED_TRACE(testing::Message() << "strings " << strings << " src_nulls " << src_nulls
                                            << " before " << before << " dst_nulls " << dst_nulls
                                            << " count " << count);
            ExpectSame(got, want);
            // And appending again continues correctly from an unaligned length.
            got.AppendSelected(src, idx.data(), count);
            AppendRows(src, idx, &want);
            ExpectSame(got, want);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace sluice
