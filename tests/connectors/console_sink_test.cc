#include "connectors/console_sink.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sluice::connectors {
namespace {

RecordBatchPtr Rows(int64_t first, int64_t n) {
  auto schema = MakeSchema({{"id", DataType::Int64()}, {"name", DataType::Varchar()}});
  BatchBuilder b(schema);
  for (int64_t i = first; i < first + n; ++i) {
    b.column(0)->Append<int64_t>(i);
    if (i == 2) b.column(1)->AppendNull(); else b.column(1)->AppendString("n" + std::to_string(i * 100));
  }
  return b.Finish();
}

TEST(ConsoleSinkTest, PrintsNdjsonLines) {
  std::ostringstream out;
  ConsoleSink sink({}, &out);
  ASSERT_TRUE(sink.Open({}, Rows(0, 0)->schema()).ok());
  ASSERT_TRUE(sink.Write(*Rows(1, 2)).ok());
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_EQ(out.str(), "{\"id\":1,\"name\":\"n100\"}\n{\"id\":2,\"name\":null}\n");
}

TEST(ConsoleSinkTest, PrintsAlignedTablesWithAHeaderPerBatch) {
  std::ostringstream out;
  ConsoleSinkOptions o;
  o.table = true;
  ConsoleSink sink(o, &out);
  ASSERT_TRUE(sink.Write(*Rows(1, 2)).ok());
  ASSERT_TRUE(sink.Write(*Rows(10, 1)).ok());
  EXPECT_EQ(out.str(),
            "id | name\n"
            "---+-----\n"
            "1  | n100\n"
            "2  | NULL\n"
            "id | name\n"
            "---+------\n"
            "10 | n1000\n");
}

TEST(ConsoleSinkTest, StopsAfterMaxRowsAndSaysSoOnce) {
  std::ostringstream out;
  ConsoleSinkOptions o;
  o.max_rows = 3;
  ConsoleSink sink(o, &out);
  ASSERT_TRUE(sink.Write(*Rows(0, 2)).ok());
  ASSERT_TRUE(sink.Write(*Rows(5, 2)).ok());
  ASSERT_TRUE(sink.Write(*Rows(9, 2)).ok());
  EXPECT_EQ(out.str(),
            "{\"id\":0,\"name\":\"n0\"}\n{\"id\":1,\"name\":\"n100\"}\n{\"id\":5,\"name\":\"n500\"}\n"
            "... further rows not shown\n");
  EXPECT_EQ(sink.rows_printed(), 3);
}

TEST(ConsoleSinkTest, FactoryReadsOptions) {
  ConfigValue m = ConfigValue::Map({"s.yaml", 1, 1});
  m.Set("format", ConfigValue::Scalar("tabel", {"s.yaml", 2, 9}));
  Diagnostics d;
  OptionReader r(m, &d);
  EXPECT_EQ(MakeConsoleSink(r, {}), nullptr);
  EXPECT_NE(d.ToString().find("did you mean 'table'"), std::string::npos) << d.ToString();
  ConfigValue ok = ConfigValue::Map({"s.yaml", 1, 1});
  ok.Set("format", ConfigValue::Scalar("table"));
  ok.Set("max_rows", ConfigValue::Scalar("10"));
  Diagnostics d2;
  OptionReader r2(ok, &d2);
  EXPECT_NE(MakeConsoleSink(r2, {}), nullptr);
  EXPECT_FALSE(d2.has_errors());
}

}  // namespace
}  // namespace sluice::connectors
