#include "connectors/ndjson_reader.h"

#include <gtest/gtest.h>

#include "core/value.h"

namespace sluice::connectors {
namespace {

struct Collected {
  std::vector<BadRecord> bad;
  BadRecordReporter reporter{"src", [this](BadRecord r) { bad.push_back(std::move(r)); }};
};

std::string Rows(const std::vector<RecordBatchPtr>& batches) {
  std::string s;
  for (const auto& b : batches) s += b->ToString();
  return s;
}

std::string ReadJson(const std::string& text, SchemaPtr schema, Collected* c,
                     int64_t batch_rows = 1000) {
  NdjsonReader reader(std::move(schema), &c->reporter, batch_rows);
  auto r = ReadAllText(&reader, text, "f.ndjson", batch_rows);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? Rows(*r) : "";
}

TEST(NdjsonReaderTest, MapsKeysByNameInAnyOrderMissingAndNullAreNull) {
  Collected c;
  auto schema = MakeSchema({{"id", DataType::Int64()}, {"name", DataType::Varchar()},
                            {"price", DataType::Decimal(10, 2)}});
  EXPECT_EQ(ReadJson("{\"id\":1,\"name\":\"a\",\"price\":1.5}\n"
                     "{\"price\":2.25,\"ignored\":[1,2],\"id\":2}\n"
                     "{\"NAME\":\"upper\",\"id\":null,\"name\":\"dup-ignored\"}\n",
                     schema, &c),
            "1 | a | 1.50\n2 | NULL | 2.25\nNULL | upper | NULL\n");
  EXPECT_TRUE(c.bad.empty());
}

TEST(NdjsonReaderTest, NestedValuesIntoVarcharAreRawJsonAndEscapesDecode) {
  Collected c;
  auto schema = MakeSchema({{"obj", DataType::Varchar()}, {"arr", DataType::Varchar()},
                            {"s", DataType::Varchar()}, {"n", DataType::Varchar()}});
  EXPECT_EQ(ReadJson("{\"obj\":{\"a\": [1, {\"b\":null}]} , \"arr\":[1,\"x\"],"
                     "\"s\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\\n\",\"n\":12.50}\n",
                     schema, &c),
            "{\"a\": [1, {\"b\":null}]} | [1,\"x\"] | caf\xC3\xA9 \xF0\x9F\x98\x80 \"q\"\n | 12.50\n");
  EXPECT_TRUE(c.bad.empty());
}

TEST(NdjsonReaderTest, NumbersIntoEachNumericType) {
  Collected c;
  auto schema = MakeSchema({{"i", DataType::Int32()}, {"l", DataType::Int64()},
                            {"d", DataType::Double()}, {"m", DataType::Decimal(6, 3)}});
  EXPECT_EQ(ReadJson("{\"i\":-2147483648,\"l\":9223372036854775807,\"d\":1e-3,\"m\":123.4565}\n"
                     "{\"i\":\"42\",\"l\":\"-7\",\"d\":3,\"m\":-1.5e1}\n"
                     "{\"i\":2147483648}\n"
                     "{\"l\":9223372036854775808}\n"
                     "{\"l\":1.5}\n"
                     "{\"m\":1000}\n"
                     "{\"d\":\"abc\"}\n"
                     "{\"i\":true}\n",
                     schema, &c),
            "-2147483648 | 9223372036854775807 | 0.001 | 123.457\n42 | -7 | 3 | -15.000\n");
  ASSERT_EQ(c.bad.size(), 6u);
  EXPECT_EQ(c.bad[0].location, "f.ndjson:3");
  EXPECT_EQ(c.bad[0].error, "column 'i' (INT32): '2147483648' is out of range for INT32");
  EXPECT_EQ(c.bad[1].error, "column 'l' (INT64): '9223372036854775808' is out of range for INT64");
  EXPECT_EQ(c.bad[2].error, "column 'l' (INT64): '1.5' is not an integer");
  EXPECT_EQ(c.bad[3].error, "column 'm' (DECIMAL(6,3)): '1000' has too many digits for the precision");
  EXPECT_EQ(c.bad[4].error, "column 'd' (DOUBLE): 'abc' is not a number");
  EXPECT_EQ(c.bad[5].error, "column 'i' (INT32): 'true' is not an integer");
  EXPECT_EQ(c.bad[5].location, "f.ndjson:8");
}

TEST(NdjsonReaderTest, BooleansTimestampsDates) {
  Collected c;
  auto schema = MakeSchema({{"b", DataType::Boolean()}, {"ts", DataType::Timestamp()},
                            {"d", DataType::Date()}});
  EXPECT_EQ(ReadJson("{\"b\":true,\"ts\":\"2024-01-01T00:00:00.123456Z\",\"d\":\"2024-03-01\"}\n"
                     "{\"b\":false,\"ts\":1704067200123,\"d\":null}\n"
                     "{\"b\":\"yes\",\"ts\":\"2024-01-01 01:00:00+01:00\"}\n"
                     "{\"b\":0}\n"
                     "{\"d\":20240101}\n"
                     "{\"ts\":\"yesterday\"}\n",
                     schema, &c),
            "true | 2024-01-01 00:00:00.123456 | 2024-03-01\n"
            "false | 2024-01-01 00:00:00.123 | NULL\n"
            "true | 2024-01-01 00:00:00 | NULL\n"
            "false | NULL | NULL\n");
  ASSERT_EQ(c.bad.size(), 2u);
  EXPECT_EQ(c.bad[0].location, "f.ndjson:5");
  EXPECT_NE(c.bad[0].error.find("is not a date"), std::string::npos);
  EXPECT_NE(c.bad[1].error.find("'yesterday' is not a timestamp"), std::string::npos);
}

TEST(NdjsonReaderTest, BadLinesAreReportedWithLineNumbersAndSkipped) {
  Collected c;
  auto schema = MakeSchema({{"id", DataType::Int64()}, {"name", DataType::Varchar()}});
  EXPECT_EQ(ReadJson("{\"id\":1,\"name\":\"a\"}\n"
                     "{\"id\":2,\"name\":\"unterminated}\n"
                     "\n"
                     "[1,2]\n"
                     "\"just a string\"\n"
                     "{\"id\":3} {\"id\":4}\n"
                     "not json at all\n"
                     "{\"id\":5,\"name\":{\"nested\":true}}\r\n"
                     "{\"id\":6,\"name\":\"last\"}",
                     schema, &c),
            "1 | a\n5 | {\"nested\":true}\n6 | last\n");
  ASSERT_EQ(c.bad.size(), 5u);
  EXPECT_EQ(c.bad[0].location, "f.ndjson:2");
  EXPECT_EQ(c.bad[0].raw, "{\"id\":2,\"name\":\"unterminated}");
  EXPECT_EQ(c.bad[1].location, "f.ndjson:4");
  EXPECT_NE(c.bad[1].error.find("not a JSON object"), std::string::npos) << c.bad[1].error;
  EXPECT_EQ(c.bad[2].location, "f.ndjson:5");
  EXPECT_EQ(c.bad[3].location, "f.ndjson:6");
  EXPECT_EQ(c.bad[4].location, "f.ndjson:7");
}

TEST(NdjsonReaderTest, NotNullColumnsRejectMissingValues) {
  Collected c;
  auto schema = MakeSchema({{"id", DataType::Int64(), false}, {"v", DataType::Varchar()}});
  EXPECT_EQ(ReadJson("{\"id\":1}\n{\"v\":\"x\"}\n{\"id\":null}\n", schema, &c), "1 | NULL\n");
  ASSERT_EQ(c.bad.size(), 2u);
  EXPECT_NE(c.bad[0].error.find("NOT NULL"), std::string::npos);
}

TEST(NdjsonReaderTest, ByteOrderMarkAndBatches) {
  Collected c;
  auto schema = MakeSchema({{"id", DataType::Int64()}});
  std::string text = "\xEF\xBB\xBF";
  for (int i = 0; i < 10; ++i) text += "{\"id\":" + std::to_string(i) + "}\n";
  NdjsonReader reader(schema, &c.reporter, 4);
  auto r = ReadAllText(&reader, text, "f", 4);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0]->column(0).Get<int64_t>(0), 0);
  EXPECT_EQ((*r)[2]->num_rows(), 2);
  EXPECT_TRUE(c.bad.empty());
}

TEST(NdjsonReaderTest, InferSchemaInFirstSeenOrder) {
  const std::string text =
      "{\"id\":1,\"price\":2,\"ts\":\"2024-01-01T00:00:00Z\",\"tags\":[1]}\n"
      "garbage\n"
      "{\"id\":2,\"price\":2.5,\"ok\":true,\"day\":\"2024-01-01\",\"name\":\"x\",\"nil\":null}\n" +
      std::string(kReadPadding, '\0');
  auto s = NdjsonReader::InferSchema(text.data(), static_cast<int64_t>(text.size() - kReadPadding),
                                     true, "f");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->ToString(),
            "id INT64, price DOUBLE, ts TIMESTAMP, tags VARCHAR, ok BOOLEAN, day DATE, name VARCHAR, "
            "nil VARCHAR");
  const std::string empty(kReadPadding, '\0');
  EXPECT_FALSE(NdjsonReader::InferSchema(empty.data(), 0, true, "f").ok());
}

}  // namespace
}  // namespace sluice::connectors
