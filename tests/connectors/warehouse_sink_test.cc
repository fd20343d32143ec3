#include "connectors/warehouse_sink.h"

#include <gtest/gtest.h>

#include "warehouse/duckdb_warehouse.h"

namespace sluice::connectors {
namespace {

SchemaPtr OrderSchema() {
  return MakeSchema({{"id", DataType::Int64()},
                     {"amount", DataType::Decimal(10, 2)},
                     {"customer", DataType::Varchar()}});
}

RecordBatchPtr Orders(int64_t first, int64_t rows) {
  BatchBuilder b(OrderSchema());
  for (int64_t i = first; i < first + rows; ++i) {
    b.column(0)->Append<int64_t>(i);
    b.column(1)->Append<int64_t>(i * 100 + 99);
    if (i % 4 == 0) {
      b.column(2)->AppendNull();
    } else {
      b.column(2)->AppendString("customer-" + std::to_string(i % 10));
    }
  }
  return b.Finish();
}

std::string Scalar(warehouse::Connection* conn, const std::string& sql) {
  auto r = conn->Query(sql);
  if (!r.ok()) return r.status().ToString();
  std::string text = r->batches.empty() ? "(no rows)" : r->batches[0]->ToString();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

class DuckDBSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto wh = warehouse::OpenDuckDB(":memory:");
    ASSERT_TRUE(wh.ok());
    wh_ = std::move(*wh);
    ctx_.name = "orders_sink";
    ctx_.warehouse = wh_.get();
    auto reader = wh_->Connect();
    ASSERT_TRUE(reader.ok());
    reader_ = std::move(*reader);
  }

  std::unique_ptr<Sink> Make(ConfigValue options, Diagnostics* diag) {
    OptionReader reader(options, diag);
    return MakeDuckDBSink(reader, ctx_);
  }

  std::unique_ptr<warehouse::Warehouse> wh_;
  std::unique_ptr<warehouse::Connection> reader_;
  ConnectorContext ctx_;
};

TEST_F(DuckDBSinkTest, EndToEnd) {
  Diagnostics diag;
  ConfigValue opts = ConfigValue::Map();
  opts.Set("table", ConfigValue::Scalar("analytics.orders"));
  std::unique_ptr<Sink> sink = Make(opts, &diag);
  ASSERT_NE(sink, nullptr) << diag.ToString();
  ASSERT_TRUE(sink->Open(ctx_, OrderSchema()).ok());
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(sink->Write(*Orders(k * 1000, 1000)).ok());
  EXPECT_EQ(Scalar(reader_.get(), "SELECT count(*) FROM analytics.orders"), "0");  // not flushed
  ASSERT_TRUE(sink->Flush().ok());
  EXPECT_EQ(Scalar(reader_.get(),
                   "SELECT count(*), sum(id), sum(amount), count(customer) "
                   "FROM analytics.orders"),
            "5000 | 12497500 | 12502450.00 | 3750");
  ASSERT_TRUE(sink->Write(*Orders(5000, 10)).ok());
  ASSERT_TRUE(sink->Close().ok());  // Close flushes
  ASSERT_TRUE(sink->Close().ok());  // idempotent
  EXPECT_EQ(Scalar(reader_.get(), "SELECT count(*) FROM analytics.orders"), "5010");
  EXPECT_FALSE(sink->Write(*Orders(0, 1)).ok());

  // A second run appends to the same table.
  std::unique_ptr<Sink> again = Make(opts, &diag);
  ASSERT_TRUE(again->Open(ctx_, OrderSchema()).ok());
  ASSERT_TRUE(again->Write(*Orders(0, 5)).ok());
  ASSERT_TRUE(again->Close().ok());
  EXPECT_EQ(Scalar(reader_.get(), "SELECT count(*) FROM analytics.orders"), "5015");
}

TEST_F(DuckDBSinkTest, TableDefaultsToSinkName) {
  Diagnostics diag;
  std::unique_ptr<Sink> sink = Make(ConfigValue::Map(), &diag);
  ASSERT_NE(sink, nullptr) << diag.ToString();
  EXPECT_EQ(static_cast<WarehouseSink*>(sink.get())->table(), "orders_sink");
  ASSERT_TRUE(sink->Open(ctx_, OrderSchema()).ok());
  ASSERT_TRUE(sink->Write(*Orders(0, 3)).ok());
  ASSERT_TRUE(sink->Close().ok());
  EXPECT_EQ(Scalar(reader_.get(), "SELECT count(*) FROM orders_sink"), "3");
}

TEST_F(DuckDBSinkTest, BadTableNameIsReportedAtTheOption) {
  Diagnostics diag;
  ConfigValue opts = ConfigValue::Map();
  opts.Set("table", ConfigValue::Scalar("bad-name", SourceLocation{"sinks/x.yaml", 3, 10}));
  EXPECT_EQ(Make(opts, &diag), nullptr);
  ASSERT_TRUE(diag.has_errors());
  EXPECT_NE(diag.ToString().find("sinks/x.yaml:3:10"), std::string::npos) << diag.ToString();
  EXPECT_NE(diag.ToString().find("'bad-name' is not a valid table name"), std::string::npos)
      << diag.ToString();
  // An invalid sink name used as the default table gets a hint to set `table`.
  Diagnostics diag2;
  ctx_.name = "my-sink";
  EXPECT_EQ(Make(ConfigValue::Map(), &diag2), nullptr);
  EXPECT_NE(diag2.ToString().find("set `table:`"), std::string::npos) << diag2.ToString();
}

TEST_F(DuckDBSinkTest, OpenErrors) {
  std::unique_ptr<Sink> sink = NewWarehouseTableSink("t");
  ConnectorContext no_wh;
  no_wh.name = "s";
  Status st = sink->Open(no_wh, OrderSchema());
  EXPECT_NE(st.message().find("no warehouse"), std::string::npos) << st.message();
  ASSERT_TRUE(reader_->Execute("CREATE TABLE t(id VARCHAR)").ok());
  st = sink->Open(ctx_, OrderSchema());
  EXPECT_NE(st.message().find("column 'id' of table t has type VARCHAR"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("sink 'orders_sink'"), std::string::npos) << st.message();
  EXPECT_FALSE(NewWarehouseTableSink("a b")->Open(ctx_, OrderSchema()).ok());
  EXPECT_TRUE(sink->Close().ok());  // closing a sink that never opened is fine
}

TEST_F(DuckDBSinkTest, MaterializedViewTargetInCode) {
  std::unique_ptr<Sink> sink = NewWarehouseTableSink("revenue");
  ConnectorContext ctx = ctx_;
  ctx.name = "revenue";
  ASSERT_TRUE(sink->Open(ctx, OrderSchema()).ok());
  ASSERT_TRUE(sink->Write(*Orders(1, 2)).ok());
  ASSERT_TRUE(sink->Flush().ok());
  EXPECT_EQ(
      Scalar(reader_.get(), "SELECT string_agg(amount::VARCHAR, ',' ORDER BY id) FROM revenue"),
      "1.99,2.99");
  ASSERT_TRUE(sink->Close().ok());
}

}  // namespace
}  // namespace sluice::connectors
