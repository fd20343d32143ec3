#include "warehouse/result_printer.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sluice::warehouse {
namespace {

std::string Print(const RecordBatchPtr& batch, OutputFormat format) {
  std::ostringstream out;
  PrintResult(*batch->schema(), {batch}, format, out);
  return out.str();
}

RecordBatchPtr Sample() {
  BatchBuilder b(MakeSchema({{"id", DataType::Int64()},
                             {"name", DataType::Varchar()},
                             {"price", DataType::Decimal(10, 2)},
                             {"ok", DataType::Boolean()},
                             {"at", DataType::Timestamp()}}));
  b.column(0)->Append<int64_t>(1);
  b.column(1)->AppendString("widget");
  b.column(2)->Append<int64_t>(1250);
  b.column(3)->Append<uint8_t>(1);
  b.column(4)->Append<int64_t>(1704067200000000LL);  // 2024-01-01 00:00:00
  b.column(0)->Append<int64_t>(-20);
  b.column(1)->AppendString("a, \"quoted\"\nname");
  b.column(2)->AppendNull();
  b.column(3)->Append<uint8_t>(0);
  b.column(4)->AppendNull();
  return b.Finish();
}

TEST(ResultPrinterTest, Table) {
  EXPECT_EQ(Print(Sample(), OutputFormat::kTable),
            "+-----+-------------------+-------+-------+---------------------+\n"
            "| id  | name              | price | ok    | at                  |\n"
            "+-----+-------------------+-------+-------+---------------------+\n"
            "|   1 | widget            | 12.50 | true  | 2024-01-01 00:00:00 |\n"
            "| -20 | a, \"quoted\"\\nname |  NULL | false | NULL                |\n"
            "+-----+-------------------+-------+-------+---------------------+\n"
            "(2 rows)\n");
}

TEST(ResultPrinterTest, TableTruncatesLongValuesAndCountsUtf8Once) {
  BatchBuilder b(MakeSchema({{"s", DataType::Varchar()}}));
  b.column(0)->AppendString(std::string(50, 'x'));
  b.column(0)->AppendString("héllo");
  const std::string text = Print(b.Finish(), OutputFormat::kTable);
  EXPECT_NE(text.find("| " + std::string(39, 'x') + "… |"), std::string::npos) << text;
  EXPECT_NE(text.find("| héllo" + std::string(35, ' ') + " |"), std::string::npos) << text;
  EXPECT_NE(text.find("(2 rows)"), std::string::npos);
}

TEST(ResultPrinterTest, EmptyResults) {
  std::ostringstream out;
  SchemaPtr schema = MakeSchema({{"a", DataType::Int32()}});
  PrintResult(*schema, {}, OutputFormat::kTable, out);
  EXPECT_EQ(out.str(), "+---+\n| a |\n+---+\n+---+\n(0 rows)\n");
  out.str("");
  PrintResult(*schema, {}, OutputFormat::kJson, out);
  EXPECT_EQ(out.str(), "[]\n");
  out.str("");
  PrintResult(*schema, {}, OutputFormat::kCsv, out);
  EXPECT_EQ(out.str(), "a\n");
  BatchBuilder one(schema);
  one.column(0)->Append<int32_t>(7);
  EXPECT_NE(Print(one.Finish(), OutputFormat::kTable).find("(1 row)\n"), std::string::npos);
}

TEST(ResultPrinterTest, Csv) {
  BatchBuilder b(MakeSchema({{"s", DataType::Varchar()}, {"n", DataType::Int32()}}));
  b.column(0)->AppendString("");
  b.column(1)->AppendNull();
  b.column(0)->AppendNull();
  b.column(1)->Append<int32_t>(3);
  RecordBatchPtr extra = b.Finish();
  EXPECT_EQ(Print(Sample(), OutputFormat::kCsv),
            "id,name,price,ok,at\n"
            "1,widget,12.50,true,2024-01-01 00:00:00\n"
            "-20,\"a, \"\"quoted\"\"\nname\",,false,\n");
  EXPECT_EQ(Print(extra, OutputFormat::kCsv), "s,n\n\"\",\n,3\n");  // "" vs NULL
}

TEST(ResultPrinterTest, Json) {
  EXPECT_EQ(Print(Sample(), OutputFormat::kJson),
            "[\n"
            "{\"id\":1,\"name\":\"widget\",\"price\":12.50,\"ok\":true,"
            "\"at\":\"2024-01-01T00:00:00.000000Z\"},\n"
            "{\"id\":-20,\"name\":\"a, \\\"quoted\\\"\\nname\",\"price\":null,\"ok\":false,"
            "\"at\":null}\n"
            "]\n");
  BatchBuilder b(MakeSchema({{"d", DataType::Double()}, {"day", DataType::Date()}}));
  b.column(0)->Append<double>(1.0 / 0.0);
  b.column(1)->Append<int32_t>(0);
  b.column(0)->Append<double>(0.1);
  b.column(1)->AppendNull();
  EXPECT_EQ(Print(b.Finish(), OutputFormat::kJson),
            "[\n{\"d\":\"Infinity\",\"day\":\"1970-01-01\"},\n{\"d\":0.1,\"day\":null}\n]\n");
}

}  // namespace
}  // namespace sluice::warehouse
