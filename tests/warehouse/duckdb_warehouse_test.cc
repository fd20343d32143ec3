#include "warehouse/duckdb_warehouse.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "core/value.h"
#include "warehouse/table_name.h"
#include "warehouse_test_util.h"

namespace sluice::warehouse {
namespace {

using testing::Scalar;
using testing::TempDir;

std::unique_ptr<Connection> Connect(Warehouse* wh) {
  auto conn = wh->Connect();
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return std::move(*conn);
}

std::unique_ptr<Warehouse> Memory() {
  auto wh = OpenDuckDB(":memory:");
  EXPECT_TRUE(wh.ok()) << wh.status().ToString();
  return std::move(*wh);
}

SchemaPtr AllTypesSchema() {
  return MakeSchema({{"id", DataType::Int32()},
                     {"flag", DataType::Boolean()},
                     {"big", DataType::Int64()},
                     {"x", DataType::Double()},
                     {"small_dec", DataType::Decimal(4, 1)},
                     {"mid_dec", DataType::Decimal(9, 2)},
                     {"wide_dec", DataType::Decimal(18, 3)},
                     {"s", DataType::Varchar()},
                     {"ts", DataType::Timestamp()},
                     {"day", DataType::Date()},
                     {"iv", DataType::Interval()}});
}

// `rows` rows starting at id `first`; every column but id is NULL on its own pattern.
RecordBatchPtr AllTypesBatch(int64_t first, int64_t rows) {
  BatchBuilder b(AllTypesSchema(), rows);
  for (int64_t k = 0; k < rows; ++k) {
    const int64_t r = first + k;
    b.column(0)->Append<int32_t>(static_cast<int32_t>(r));
    for (int c = 1; c < 11; ++c) {
      Column* col = b.column(c);
      if ((r * 7 + c) % 5 == 0) {
        col->AppendNull();
        continue;
      }
      switch (c) {
        case 1:
          col->Append<uint8_t>(r % 2);
          break;
        case 2:
          col->Append<int64_t>(r * 3000000000LL - 7);
          break;
        case 3:
          col->Append<double>(r * 0.5 - 3.25);
          break;
        case 4:
          col->Append<int64_t>(r % 9999 - 4999);
          break;
        case 5:
          col->Append<int64_t>(r * 101 % 999999999 - 5000);
          break;
        case 6:
          col->Append<int64_t>(r * 1000003 - 999999999999999LL);
          break;
        case 7: {
          static const char* kTexts[] = {"",
                                         "a",
                                         "twelve bytes",
                                         "thirteen byte",
                                         "héllo wörld ✓",
                                         "a rather longer string that is not inlined"};
          col->AppendString(std::string(kTexts[r % 6]) + (r % 6 ? std::to_string(r) : ""));
          break;
        }
        case 8:
          col->Append<int64_t>(1700000000000000LL + r * 1234567 - 500000000000LL);
          break;
        case 9:
          col->Append<int32_t>(static_cast<int32_t>(19000 + r % 1000 - 500));
          break;
        case 10:
          col->Append<Interval>(
              Interval{static_cast<int32_t>(r % 13), static_cast<int32_t>(-r % 40), r * 1000001});
          break;
      }
    }
  }
  return b.Finish();
}

// Concatenates the rows of `batches` into one column per field.
std::vector<Column> Concat(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches) {
  std::vector<Column> cols;
  for (const Field& f : schema->fields()) cols.emplace_back(f.type);
  for (const auto& b : batches) {
    for (int c = 0; c < b->num_columns(); ++c)
      cols[static_cast<size_t>(c)].AppendRange(b->column(c), 0, b->num_rows());
  }
  return cols;
}

TEST(DuckDBWarehouseTest, DescribeAndSharedFile) {
  TempDir dir;
  const std::string path = dir.File("sub/dir/warehouse.duckdb");  // parent folders created
  auto a = OpenDuckDB(path);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->Describe(), "duckdb:" + path);
  // A second open in this process shares the database instead of opening it twice.
  auto b = OpenDuckDB(dir.File("sub/dir/../dir/warehouse.duckdb"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ((*b)->Describe(), (*a)->Describe());
  auto ca = Connect(a->get());
  ASSERT_TRUE(ca->Execute("CREATE TABLE t AS SELECT 42 AS v").ok());
  auto cb = Connect(b->get());
  EXPECT_EQ(Scalar(cb.get(), "SELECT v FROM t"), "42");
  // Connections outlive the Warehouse objects.
  a->reset();
  b->reset();
  EXPECT_EQ(Scalar(cb.get(), "SELECT v + 1 FROM t"), "43");
  EXPECT_EQ(Memory()->Describe(), "duckdb::memory:");
}

TEST(DuckDBWarehouseTest, SqlErrorsCarryDuckDBMessage) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  Result<QueryResult> r = conn->Query("SELEC 1");
  EXPECT_EQ(r.status().code(), StatusCode::kParseError);
  EXPECT_NE(r.status().message().find("syntax error at or near \"SELEC\""), std::string::npos)
      << r.status().message();
  r = conn->Query("SELECT * FROM no_such_table");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
  EXPECT_NE(r.status().message().find("Table with name no_such_table does not exist"),
            std::string::npos)
      << r.status().message();
  Status st = conn->Execute("CREATE TABLE t(a INT); INSERT INTO t VALUES ('x')");
  EXPECT_NE(st.message().find("Could not convert string 'x'"), std::string::npos) << st.message();
  r = conn->Query("");
  EXPECT_FALSE(r.ok());
  r = conn->Query("SELECT 1 / 0, 'ok'");
  EXPECT_TRUE(r.ok());
}

TEST(DuckDBWarehouseTest, QueryRunsEveryStatementAndReturnsTheLast) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  auto r = conn->Query(
      "CREATE TABLE t(a INT); INSERT INTO t VALUES (1), (2); SELECT sum(a) AS s FROM t;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->schema->field(0).name, "s");
  EXPECT_EQ(r->batches[0]->ToString(), "3\n");
  // A DDL statement returns its own (DuckDB) result shape without failing.
  EXPECT_TRUE(conn->Query("CREATE TABLE u(b INT)").ok());
  EXPECT_EQ(*conn->TableExists("u"), true);
  EXPECT_EQ(*conn->TableExists("U"), true);  // identifiers are case-insensitive
  EXPECT_EQ(*conn->TableExists("main.u"), true);
  EXPECT_EQ(*conn->TableExists("other.u"), false);
  EXPECT_FALSE(conn->TableExists("bad name").ok());
}

TEST(DuckDBWarehouseTest, QueryMapsDuckDBTypes) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  auto r = conn->Query(
      "SELECT true AS b, (-5)::TINYINT AS i8, 300::SMALLINT AS i16, 7::INTEGER AS i32, "
      "8::BIGINT AS i64, 200::UTINYINT AS u8, 4000000000::UINTEGER AS u32, "
      "18000000000000000000::UBIGINT AS u64_big, 5::UBIGINT AS u64, sum(x) AS huge, "
      "1.5::FLOAT AS f, 2.25::DOUBLE AS d, 12.5::DECIMAL(4,1) AS d4, 123456.78::DECIMAL(9,2) AS "
      "d9, "
      "1234567890.123::DECIMAL(18,3) AS d18, sum(x::DECIMAL(18,2)) AS dsum, "
      "12345678901234567890.5::DECIMAL(30,1) AS d30, 'héllo' AS s, "
      "TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tstz, "
      "TIMESTAMP_S '2024-01-02 03:04:05' AS ts_s, TIMESTAMP_MS '2024-01-02 03:04:05.5' AS ts_ms, "
      "TIMESTAMP_NS '2024-01-02 03:04:05.123456789' AS ts_ns, DATE '2024-02-29' AS dt, "
      "INTERVAL '1 month 2 days 3 seconds' AS iv "
      "FROM range(3) t(x)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Schema& s = *r->schema;
  const std::vector<DataType> expected = {
      DataType::Boolean(),      DataType::Int32(),       DataType::Int32(),
      DataType::Int32(),        DataType::Int64(),       DataType::Int64(),
      DataType::Int64(),        DataType::Double(),      DataType::Decimal(18, 0),
      DataType::Decimal(18, 0), DataType::Double(),      DataType::Double(),
      DataType::Decimal(4, 1),  DataType::Decimal(9, 2), DataType::Decimal(18, 3),
      DataType::Decimal(18, 2), DataType::Double(),      DataType::Varchar(),
      DataType::Timestamp(),    DataType::Timestamp(),   DataType::Timestamp(),
      DataType::Timestamp(),    DataType::Timestamp(),   DataType::Date(),
      DataType::Interval()};
  ASSERT_EQ(s.num_fields(), static_cast<int>(expected.size()));
  for (int i = 0; i < s.num_fields(); ++i) {
    EXPECT_EQ(s.field(i).type, expected[static_cast<size_t>(i)]) << s.field(i).name;
  }
  EXPECT_EQ(r->batches[0]->ToString(),
            "true | -5 | 300 | 7 | 8 | 200 | 4000000000 | 1.8e+19 | 5 | 3 | 1.5 | 2.25 | 12.5 | "
            "123456.78 | 1234567890.123 | 3.00 | 12345678901234569216 | héllo | "
            "2024-01-02 03:04:05.123456 | 2024-01-02 03:04:05 | 2024-01-02 03:04:05 | "
            "2024-01-02 03:04:05.5 | 2024-01-02 03:04:05.123456 | 2024-02-29 | " +
                FormatInterval(Interval{1, 2, 3000000}) + "\n");
}

TEST(DuckDBWarehouseTest, QueryCastsOtherTypesToText) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  auto r = conn->Query(
      "SELECT [1, 2] AS l, {'a': 1} AS st, MAP {'k': 2} AS m, "
      "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, '\\x01ab'::BLOB AS bl, "
      "TIME '10:11:12' AS t, 1 AS id, 2 AS id;");  // duplicate names survive
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r->schema->field(i).type, DataType::Varchar());
  EXPECT_EQ(r->schema->field(6).name, "id");
  EXPECT_EQ(r->schema->field(7).name, "id");
  EXPECT_EQ(r->batches[0]->ToString(),
            "[1, 2] | {'a': 1} | {k=2} | 6ba7b810-9dad-11d1-80b4-00c04fd430c8 | \\x01ab | "
            "10:11:12 | 1 | 2\n");
  // The last of several statements cannot be wrapped: a clear error, not garbage.
  r = conn->Query("SELECT 1; SELECT [1]");
  EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(r.status().message().find("LIST"), std::string::npos) << r.status().message();
}

TEST(DuckDBWarehouseTest, EnsureTableCreatesChecksAndAddsColumns) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  ASSERT_TRUE(conn->EnsureTable("analytics.orders", *AllTypesSchema()).ok());
  EXPECT_TRUE(*conn->TableExists("analytics.orders"));
  auto r = conn->Query(
      "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
      "FROM information_schema.columns WHERE table_name = 'orders'");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->batches[0]->ToString(),
            "id INTEGER, flag BOOLEAN, big BIGINT, x DOUBLE, small_dec DECIMAL(4,1), "
            "mid_dec DECIMAL(9,2), wide_dec DECIMAL(18,3), s VARCHAR, ts TIMESTAMP, day DATE, "
            "iv INTERVAL\n");
  // Same schema again (names in another case): compatible, nothing changes.
  SchemaPtr same = MakeSchema({{"ID", DataType::Int32()}, {"S", DataType::Varchar()}});
  EXPECT_TRUE(conn->EnsureTable("analytics.orders", *same).ok());
  // A new field is added as a nullable column.
  SchemaPtr more = MakeSchema({{"id", DataType::Int32()}, {"note", DataType::Varchar(), false}});
  ASSERT_TRUE(conn->EnsureTable("analytics.orders", *more).ok());
  EXPECT_EQ(Scalar(conn.get(),
                   "SELECT data_type || ' ' || is_nullable FROM information_schema.columns "
                   "WHERE column_name = 'note'"),
            "VARCHAR YES");
  // A different type is refused, naming the column and both types.
  SchemaPtr clash = MakeSchema({{"mid_dec", DataType::Decimal(12, 2)}});
  Status st = conn->EnsureTable("analytics.orders", *clash);
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("column 'mid_dec' of table analytics.orders has type DECIMAL(9,2) "
                              "in the warehouse, but the data has type DECIMAL(12,2)"),
            std::string::npos)
      << st.message();
  st = conn->EnsureTable("t", *MakeSchema({{"a", DataType::Int32()}, {"A", DataType::Int64()}}));
  EXPECT_NE(st.message().find("appears twice"), std::string::npos) << st.message();
  st = conn->EnsureTable("1bad", *same);
  EXPECT_NE(st.message().find("not a valid table name"), std::string::npos) << st.message();
  EXPECT_FALSE(conn->EnsureTable("empty", Schema()).ok());
}

TEST(DuckDBWarehouseTest, AppendEveryTypeAndReadBack) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  SchemaPtr schema = AllTypesSchema();
  ASSERT_TRUE(conn->EnsureTable("all_types", *schema).ok());
  auto appender = conn->Append("all_types", *schema);
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  // Odd sizes: slices of 2048 with a partial tail, and a batch that starts mid-word.
  std::vector<RecordBatchPtr> written = {AllTypesBatch(0, 5000), AllTypesBatch(5000, 3),
                                         AllTypesBatch(5003, 0), AllTypesBatch(5003, 2100)};
  for (const auto& b : written) ASSERT_TRUE((*appender)->Write(*b).ok());
  ASSERT_TRUE((*appender)->Close().ok());
  ASSERT_TRUE((*appender)->Close().ok());  // idempotent
  EXPECT_FALSE((*appender)->Write(*written[0]).ok());
  auto r = conn->Query("SELECT * FROM all_types ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->num_rows(), 7103);
  EXPECT_EQ(*r->schema, *schema);
  std::vector<Column> want = Concat(schema, written);
  std::vector<Column> got = Concat(r->schema, r->batches);
  for (size_t c = 0; c < want.size(); ++c) {
    EXPECT_TRUE(got[c].Equals(want[c])) << schema->field(static_cast<int>(c)).name;
    EXPECT_EQ(got[c].null_count(), want[c].null_count());
  }
}

TEST(DuckDBWarehouseTest, AppendHundredThousandRows) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  SchemaPtr schema = MakeSchema({{"id", DataType::Int64()},
                                 {"amount", DataType::Decimal(12, 2)},
                                 {"name", DataType::Varchar()}});
  ASSERT_TRUE(conn->EnsureTable("big", *schema).ok());
  auto appender = conn->Append("big", *schema);
  ASSERT_TRUE(appender.ok());
  int64_t sum_id = 0, sum_amount = 0, nulls = 0, bytes = 0;
  for (int64_t start = 0; start < 100000; start += 2000) {
    BatchBuilder b(schema);
    for (int64_t i = start; i < start + 2000; ++i) {
      b.column(0)->Append<int64_t>(i);
      sum_id += i;
      if (i % 97 == 0) {
        b.column(1)->AppendNull();
        ++nulls;
      } else {
        b.column(1)->Append<int64_t>(i * 37 % 100000 - 30000);
        sum_amount += i * 37 % 100000 - 30000;
      }
      const std::string name = "name-" + std::to_string(i % 1000);
      b.column(2)->AppendString(name);
      bytes += static_cast<int64_t>(name.size());
    }
    ASSERT_TRUE((*appender)->Write(*b.Finish()).ok());
  }
  ASSERT_TRUE((*appender)->Flush().ok());
  EXPECT_EQ(Scalar(conn.get(),
                   "SELECT count(*), sum(id), sum(amount), count(*) - count(amount), "
                   "sum(length(name)) FROM big"),
            "100000 | " + std::to_string(sum_id) + " | " + FormatDecimal(sum_amount, 2) + " | " +
                std::to_string(nulls) + " | " + std::to_string(bytes));
}

TEST(DuckDBWarehouseTest, FlushCommitsAndUnflushedRowsRollBack) {
  auto wh = Memory();
  auto writer = Connect(wh.get());
  auto reader = Connect(wh.get());
  SchemaPtr schema = AllTypesSchema();
  ASSERT_TRUE(writer->EnsureTable("t", *schema).ok());
  {
    auto appender = writer->Append("t", *schema);
    ASSERT_TRUE(appender.ok());
    ASSERT_TRUE((*appender)->Write(*AllTypesBatch(0, 10)).ok());
    EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "0");  // not yet committed
    ASSERT_TRUE((*appender)->Flush().ok());
    EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "10");
    ASSERT_TRUE((*appender)->Write(*AllTypesBatch(10, 5)).ok());
  }  // destroyed without Close: the 5 pending rows are dropped
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "10");
  EXPECT_EQ(Scalar(writer.get(), "SELECT count(*) FROM t"), "10");
}

TEST(DuckDBWarehouseTest, AppendErrors) {
  auto wh = Memory();
  auto conn = Connect(wh.get());
  SchemaPtr schema = MakeSchema({{"a", DataType::Int32()}});
  auto missing = conn->Append("nope", *schema);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  ASSERT_TRUE(conn->Execute("CREATE TABLE t(a INTEGER NOT NULL, extra VARCHAR DEFAULT 'd')").ok());
  auto no_column = conn->Append("t", *MakeSchema({{"b", DataType::Int32()}}));
  EXPECT_FALSE(no_column.ok());
  EXPECT_NE(no_column.status().message().find("column 'b'"), std::string::npos)
      << no_column.status().message();
  auto appender = conn->Append("t", *schema);
  ASSERT_TRUE(appender.ok());
  BatchBuilder other(MakeSchema({{"a", DataType::Int64()}}));
  other.column(0)->Append<int64_t>(1);
  EXPECT_NE((*appender)->Write(*other.Finish()).message().find("is INT64 in the batch"),
            std::string::npos);
  // A constraint violation rolls the pending rows back; the appender keeps working.
  BatchBuilder good(schema), bad(schema);
  good.column(0)->Append<int32_t>(1);
  bad.column(0)->AppendNull();
  ASSERT_TRUE((*appender)->Write(*good.Finish()).ok());
  Status st = (*appender)->Write(*bad.Finish());
  if (st.ok()) st = (*appender)->Flush();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("rolled back"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("NOT NULL"), std::string::npos) << st.message();
  good.column(0)->Append<int32_t>(2);
  ASSERT_TRUE((*appender)->Write(*good.Finish()).ok());
  ASSERT_TRUE((*appender)->Close().ok());
  EXPECT_EQ(Scalar(conn.get(), "SELECT string_agg(a || extra, ',') FROM t"), "2d");
}

TEST(DuckDBWarehouseTest, ConcurrentConnections) {
  auto wh = Memory();
  SchemaPtr schema = MakeSchema({{"worker", DataType::Int32()}, {"n", DataType::Int64()}});
  ASSERT_TRUE(Connect(wh.get())->EnsureTable("t", *schema).ok());
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      auto conn = wh->Connect();
      if (!conn.ok()) {
        results[static_cast<size_t>(w)] = conn.status();
        return;
      }
      auto appender = (*conn)->Append("t", *schema);
      if (!appender.ok()) {
        results[static_cast<size_t>(w)] = appender.status();
        return;
      }
      for (int k = 0; k < 10; ++k) {
        BatchBuilder b(schema);
        for (int i = 0; i < 1000; ++i) {
          b.column(0)->Append<int32_t>(w);
          b.column(1)->Append<int64_t>(k * 1000 + i);
        }
        Status st = (*appender)->Write(*b.Finish());
        if (st.ok() && k % 3 == 0) st = (*appender)->Flush();
        if (!st.ok()) {
          results[static_cast<size_t>(w)] = st;
          return;
        }
        auto q = (*conn)->Query("SELECT count(*) FROM t");  // reads alongside the writers
        if (!q.ok()) results[static_cast<size_t>(w)] = q.status();
      }
      results[static_cast<size_t>(w)] = (*appender)->Close();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(
      Scalar(Connect(wh.get()).get(), "SELECT count(*), count(DISTINCT worker), sum(n) FROM t"),
      "40000 | 4 | " + std::to_string(4 * (9999 * 10000 / 2)));
}

TEST(TableNameTest, ParseAndQuote) {
  auto n = ParseTableName("orders");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->ToSql(), "\"orders\"");
  n = ParseTableName("analytics.Orders_2");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->schema, "analytics");
  EXPECT_EQ(n->ToSql(), "\"analytics\".\"Orders_2\"");
  EXPECT_EQ(n->ToString(), "analytics.Orders_2");
  for (const char* bad : {"", "2x", "a.b.c", "a-b", ".x", "x.", "a b", "\"x\""}) {
    EXPECT_FALSE(ParseTableName(bad).ok()) << bad;
  }
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
}

}  // namespace
}  // namespace sluice::warehouse
