// The PostgreSQL adapter's pure helpers: the binary numeric codec and statement
// splitting (no server needed).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "warehouse/postgres_client.h"
#include "warehouse/postgres_types.h"

namespace sluice::warehouse {
namespace {

TEST(PostgresNumericTest, EncodeDecodeRoundTrip) {
  struct Case {
    int64_t unscaled;
    int scale;
  };
  std::vector<Case> cases;
  for (int scale = 0; scale <= 18; ++scale) {
    for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{9999}, int64_t{10000},
                      int64_t{10001}, int64_t{123456789}, int64_t{100000000},
                      int64_t{999999999999999999}, int64_t{-999999999999999999},
                      int64_t{100000000000000000}, int64_t{-5}}) {
      cases.push_back({v, scale});
    }
  }
  for (const Case& c : cases) {
    uint8_t buf[kMaxNumericBytes];
    const int len = EncodeNumeric(c.unscaled, c.scale, buf);
    ASSERT_LE(len, kMaxNumericBytes);
    const char* data = reinterpret_cast<const char*>(buf);
    // No leading or trailing zero digits, as PostgreSQL stores them.
    const int ndigits = LoadBE16(data);
    EXPECT_EQ(len, 8 + 2 * ndigits);
    if (ndigits > 0) {
      EXPECT_NE(LoadBE16(data + 8), 0);
      EXPECT_NE(LoadBE16(data + 8 + 2 * (ndigits - 1)), 0);
    }
    EXPECT_EQ(LoadBE16(data + 6), c.scale);  // dscale
    int64_t back = 0;
    ASSERT_TRUE(DecodeNumericUnscaled(data, len, c.scale, &back)) << c.unscaled << " " << c.scale;
    EXPECT_EQ(back, c.unscaled) << c.scale;
    EXPECT_DOUBLE_EQ(DecodeNumericDouble(data, len),
                     static_cast<double>(c.unscaled) / static_cast<double>(Pow10(c.scale)));
    // Read at a larger scale, the value is the same number.
    if (c.scale < 18 && (c.unscaled > -100000000000000000 && c.unscaled < 100000000000000000)) {
      ASSERT_TRUE(DecodeNumericUnscaled(data, len, c.scale + 1, &back));
      EXPECT_EQ(back, c.unscaled * 10);
    }
  }
  // 0.5 at scale 1 is 5; read at scale 0 it is not exact and is refused.
  uint8_t buf[kMaxNumericBytes];
  const int len = EncodeNumeric(5, 1, buf);
  int64_t out = 0;
  EXPECT_FALSE(DecodeNumericUnscaled(reinterpret_cast<const char*>(buf), len, 0, &out));
  // Malformed input is refused, not read past its end.
  EXPECT_FALSE(DecodeNumericUnscaled(reinterpret_cast<const char*>(buf), 4, 1, &out));
  EXPECT_FALSE(DecodeNumericUnscaled(reinterpret_cast<const char*>(buf), len - 1, 1, &out));
}

TEST(PostgresNumericTest, KnownEncodings) {
  // 12.5 with dscale 1: digits [12, 5000], weight 0.
  uint8_t buf[kMaxNumericBytes];
  ASSERT_EQ(EncodeNumeric(125, 1, buf), 12);
  const char* d = reinterpret_cast<const char*>(buf);
  EXPECT_EQ(LoadBE16(d), 2);
  EXPECT_EQ(static_cast<int16_t>(LoadBE16(d + 2)), 0);
  EXPECT_EQ(LoadBE16(d + 4), 0);
  EXPECT_EQ(LoadBE16(d + 6), 1);
  EXPECT_EQ(LoadBE16(d + 8), 12);
  EXPECT_EQ(LoadBE16(d + 10), 5000);
  // -0.00001 (scale 5): digits [1000] at weight -2, negative.
  ASSERT_EQ(EncodeNumeric(-1, 5, buf), 10);
  EXPECT_EQ(static_cast<int16_t>(LoadBE16(d + 2)), -2);
  EXPECT_EQ(LoadBE16(d + 4), 0x4000);
  EXPECT_EQ(LoadBE16(d + 8), 1000);
  // Zero: no digits.
  ASSERT_EQ(EncodeNumeric(0, 3, buf), 8);
  EXPECT_EQ(LoadBE16(d), 0);
}

TEST(PostgresStatementsTest, SplitStatements) {
  auto split = [](std::string_view sql) {
    std::vector<std::string> out;
    for (auto s : SplitStatements(sql)) out.emplace_back(s);
    return out;
  };
  EXPECT_EQ(split("SELECT 1; SELECT 2;"), (std::vector<std::string>{"SELECT 1", " SELECT 2"}));
  EXPECT_EQ(split("SELECT ';'"), (std::vector<std::string>{"SELECT ';'"}));
  EXPECT_EQ(split("SELECT 'it''s;'; x"), (std::vector<std::string>{"SELECT 'it''s;'", " x"}));
  EXPECT_EQ(split("SELECT E'\\';'; x"), (std::vector<std::string>{"SELECT E'\\';'", " x"}));
  EXPECT_EQ(split("SELECT \"a;b\"; x").size(), 2u);
  EXPECT_EQ(split("SELECT $$;$$, $t$ $$; $t$; x").size(), 2u);
  EXPECT_EQ(split("SELECT $1; x").size(), 2u);
  EXPECT_EQ(split("SELECT 1 -- ;\n; x").size(), 2u);
  EXPECT_EQ(split("SELECT /* ; /* ; */ ; */ 1; x").size(), 2u);
  EXPECT_TRUE(split("  ;\n ; ").empty());
  EXPECT_EQ(split("SELECT 1; -- done\n /* really */"), (std::vector<std::string>{"SELECT 1"}));
}

}  // namespace
}  // namespace sluice::warehouse
