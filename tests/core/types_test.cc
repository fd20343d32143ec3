#include "core/types.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(DataTypeTest, ParsesNamesAndAliases) {
  EXPECT_EQ(*ParseDataType("bigint"), DataType::Int64());
  EXPECT_EQ(*ParseDataType("INT"), DataType::Int32());
  EXPECT_EQ(*ParseDataType("text"), DataType::Varchar());
  EXPECT_EQ(*ParseDataType("double precision"), DataType::Double());
  EXPECT_EQ(*ParseDataType("bool"), DataType::Boolean());
  EXPECT_EQ(*ParseDataType("timestamp"), DataType::Timestamp());
  EXPECT_EQ(*ParseDataType("date"), DataType::Date());
  EXPECT_EQ(*ParseDataType("interval"), DataType::Interval());
  EXPECT_EQ(*ParseDataType("decimal(12, 2)"), DataType::Decimal(12, 2));
  EXPECT_EQ(*ParseDataType("NUMERIC(5)"), DataType::Decimal(5, 0));
}

TEST(DataTypeTest, RejectsUnknownAndOutOfRange) {
  auto r = ParseDataType("varchr");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown type 'varchr'"), std::string::npos);
  EXPECT_NE(r.status().message().find("VARCHAR"), std::string::npos);
  auto big = ParseDataType("DECIMAL(40,2)");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("precision must be 1..18"), std::string::npos);
  EXPECT_FALSE(ParseDataType("DECIMAL(5,6)").ok());
  EXPECT_FALSE(ParseDataType("DECIMAL(x)").ok());
  EXPECT_FALSE(ParseDataType("").ok());
}

TEST(DataTypeTest, ToStringRoundTrips) {
  for (DataType t : {DataType::Boolean(), DataType::Int32(), DataType::Int64(), DataType::Double(),
                     DataType::Decimal(10, 3), DataType::Varchar(), DataType::Timestamp(),
                     DataType::Date(), DataType::Interval()}) {
    EXPECT_EQ(*ParseDataType(t.ToString()), t) << t.ToString();
  }
}

TEST(DataTypeTest, WidthsMatchPhysicalLayout) {
  EXPECT_EQ(DataType::Boolean().ByteWidth(), 1);
  EXPECT_EQ(DataType::Int32().ByteWidth(), 4);
  EXPECT_EQ(DataType::Decimal(18, 2).ByteWidth(), 8);
  EXPECT_EQ(DataType::Interval().ByteWidth(), static_cast<int>(sizeof(Interval)));
  EXPECT_EQ(Pow10(0), 1);
  EXPECT_EQ(Pow10(18), 1000000000000000000LL);
}

}  // namespace
}  // namespace sluice
