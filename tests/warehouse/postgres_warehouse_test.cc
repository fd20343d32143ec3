// The PostgreSQL adapter against a real server (see warehouse/scratch_postgres.h).
#include "warehouse/postgres_warehouse.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "core/value.h"
#include "warehouse/scratch_postgres.h"
#include "warehouse_test_util.h"

namespace sluice::warehouse {
namespace {

using warehouse::FreeLoopbackPort;
using warehouse::ScratchPostgres;
using testing::Scalar;

std::unique_ptr<Connection> Connect(Warehouse* wh) {
  auto conn = wh->Connect();
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return conn.ok() ? std::move(*conn) : nullptr;
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
  static const char* kTexts[] = {"", "a", "twelve bytes", "héllo wörld ✓", "x;y 'q' \"d\""};
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
        case 7:
          col->AppendString(std::string(kTexts[r % 5]) + (r % 5 ? std::to_string(r) : ""));
          break;
        case 8:  // both sides of 1970 and of PostgreSQL's 2000 epoch
          col->Append<int64_t>(946684800000000LL + (r - 3000) * 123456789123LL);
          break;
        case 9:
          col->Append<int32_t>(static_cast<int32_t>(10957 + (r % 2000) * 13 - 13000));
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

std::vector<Column> Concat(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches) {
  std::vector<Column> cols;
  for (const Field& f : schema->fields()) cols.emplace_back(f.type);
  for (const auto& b : batches) {
    for (int c = 0; c < b->num_columns(); ++c)
      cols[static_cast<size_t>(c)].AppendRange(b->column(c), 0, b->num_rows());
  }
  return cols;
}

// Every test gets a fresh database on the process's shared server.
class PostgresWarehouseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ScratchPostgres& server = ScratchPostgres::Shared();
    ASSERT_TRUE(server.ok()) << server.error();
    db_ = "t_";
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      db_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto admin = OpenPostgres(server.Url("postgres"));
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    auto conn = Connect(admin->get());
    ASSERT_NE(conn, nullptr);
    ASSERT_TRUE(conn->Execute("DROP DATABASE IF EXISTS " + db_).ok());
    Status st = conn->Execute("CREATE DATABASE " + db_);
    ASSERT_TRUE(st.ok()) << st.ToString();
    auto wh = OpenPostgres(server.Url(db_));
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    wh_ = std::move(*wh);
    conn_ = Connect(wh_.get());
    ASSERT_NE(conn_, nullptr);
  }

  std::string db_;
  std::unique_ptr<Warehouse> wh_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(PostgresWarehouseTest, DescribeNeverShowsThePassword) {
  const int port = ScratchPostgres::Shared().port();
  const std::string want = "postgres://sluice@127.0.0.1:" + std::to_string(port) + "/" + db_;
  EXPECT_EQ(wh_->Describe(), want);
  // Trust authentication ignores the password, so these connect; none may show it.
  for (const std::string& url :
       {"postgresql://sluice:s3cr3t-pw@127.0.0.1:" + std::to_string(port) + "/" + db_,
        "host=127.0.0.1 port=" + std::to_string(port) + " dbname=" + db_ +
            " user=sluice password=s3cr3t-pw"}) {
    auto wh = OpenPostgres(url);
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    EXPECT_EQ((*wh)->Describe(), want);
    EXPECT_EQ((*wh)->Describe().find("s3cr3t"), std::string::npos);
    EXPECT_EQ(Scalar(Connect(wh->get()).get(), "SELECT current_user"), "sluice");
  }
  // A string that does not parse: the message quotes no part of the password.
  auto bad = OpenPostgres("host=127.0.0.1 password=top secret");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("check warehouse.url"), std::string::npos);
  bad = OpenPostgres("postgresql://sluice:p%zzword@127.0.0.1/x");
  EXPECT_EQ(bad.status().message().find("zz"), std::string::npos) << bad.status().message();
  EXPECT_EQ(OpenPostgres("").status().code(), StatusCode::kInvalid);
}

TEST_F(PostgresWarehouseTest, ConnectionErrorsSayWhatToCheck) {
  const int port = FreeLoopbackPort();
  auto wh = OpenPostgres("postgresql://sluice:hunter2@127.0.0.1:" + std::to_string(port) + "/x");
  EXPECT_EQ(wh.status().code(), StatusCode::kIOError);
  const std::string& msg = wh.status().message();
  EXPECT_EQ(msg.find("could not connect to 127.0.0.1:" + std::to_string(port) +
                     ": connection refused; is the server running? check warehouse.url"),
            0u)
      << msg;
  EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
  auto missing_db = OpenPostgres(ScratchPostgres::Shared().Url("no_such_db"));
  EXPECT_NE(missing_db.status().message().find("does not exist"), std::string::npos)
      << missing_db.status().message();
}

TEST_F(PostgresWarehouseTest, SqlErrorsCarryTheServerMessageAndSqlstate) {
  Result<QueryResult> r = conn_->Query("SELEC 1");
  EXPECT_EQ(r.status().code(), StatusCode::kParseError);
  EXPECT_EQ(r.status().message(), "ERROR 42601: syntax error at or near \"SELEC\"");
  r = conn_->Query("SELECT * FROM nope");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(r.status().message(), "ERROR 42P01: relation \"nope\" does not exist");
  Status st = conn_->Execute("CREATE TABLE t(a int); INSERT INTO t VALUES ('x')");
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("ERROR 22P02: invalid input syntax for type integer: \"x\""),
            std::string::npos)
      << st.message();
  st = conn_->Execute("SELEC 1");
  EXPECT_EQ(st.code(), StatusCode::kParseError);
  EXPECT_FALSE(conn_->Query("").ok());
  EXPECT_FALSE(conn_->Query(" ; ").ok());
  EXPECT_FALSE(conn_->Query("-- nothing").ok());
  EXPECT_EQ(Scalar(conn_.get(), "SELECT 3; -- trailing comment"), "3");
  // The connection is still usable after errors.
  EXPECT_EQ(Scalar(conn_.get(), "SELECT 1 + 1"), "2");
}

TEST_F(PostgresWarehouseTest, QueryRunsEveryStatementAndReturnsTheLast) {
  auto r = conn_->Query(
      "CREATE TABLE t(a int, s text); INSERT INTO t VALUES (1, 'a;b'), (2, $$c;d$$), "
      "(3, E'e\\';f'); -- a comment; with a semicolon\n"
      "SELECT sum(a)::int AS total, string_agg(s, '|' ORDER BY a) AS s FROM t /* ; */;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->schema->field(0).name, "total");
  EXPECT_EQ(r->batches[0]->ToString(), "6 | a;b|c;d|e';f\n");
  auto ddl = conn_->Query("CREATE TABLE u(b int)");
  ASSERT_TRUE(ddl.ok()) << ddl.status().ToString();
  EXPECT_EQ(ddl->schema->num_fields(), 0);
  EXPECT_EQ(ddl->num_rows(), 0);
  EXPECT_EQ(*conn_->TableExists("u"), true);
  EXPECT_EQ(*conn_->TableExists("U"), true);
  EXPECT_EQ(*conn_->TableExists("public.u"), true);
  EXPECT_EQ(*conn_->TableExists("other.u"), false);
  EXPECT_FALSE(conn_->TableExists("bad name").ok());
  // Views count; results of more than one batch arrive in order.
  ASSERT_TRUE(conn_->Execute("CREATE VIEW v AS SELECT g FROM generate_series(1, 5000) g").ok());
  EXPECT_EQ(*conn_->TableExists("v"), true);
  auto big = conn_->Query("SELECT g FROM v ORDER BY g");
  ASSERT_TRUE(big.ok());
  ASSERT_EQ(big->batches.size(), 3u);
  EXPECT_EQ(big->batches[0]->num_rows(), 2048);
  EXPECT_EQ(big->num_rows(), 5000);
  EXPECT_EQ(big->batches[2]->column(0).Get<int32_t>(5000 - 4097), 5000);
}

TEST_F(PostgresWarehouseTest, QueryMapsPostgresTypes) {
  auto r = conn_->Query(
      "SELECT true AS b, 300::int2 AS i16, 7::int4 AS i32, 8::int8 AS i64, 1.5::float4 AS f4, "
      "2.25::float8 AS f8, 12.5::numeric(4,1) AS d4, 1234567890.123::numeric(18,3) AS d18, "
      "(-0.05)::numeric(5,2) AS dneg, 1.25::numeric AS dfree, "
      "12345678901234567890.5::numeric(30,1) AS d30, 'héllo'::text AS s, 'x'::varchar(5) AS vc, "
      "'ab'::char(4) AS bp, 'pg_class'::name AS nm, "
      "TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, "
      "TIMESTAMP '1969-12-31 23:59:59.5' AS old, DATE '2024-02-29' AS dt, DATE '1900-01-01' AS "
      "dold, INTERVAL '1 month 2 days 3 seconds' AS iv, NULL::int8 AS n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::vector<DataType> expected = {
      DataType::Boolean(),     DataType::Int32(),         DataType::Int32(),
      DataType::Int64(),       DataType::Double(),        DataType::Double(),
      DataType::Decimal(4, 1), DataType::Decimal(18, 3),  DataType::Decimal(5, 2),
      DataType::Double(),      DataType::Double(),        DataType::Varchar(),
      DataType::Varchar(),     DataType::Varchar(),       DataType::Varchar(),
      DataType::Timestamp(),   DataType::Timestamp(),     DataType::Timestamp(),
      DataType::Date(),        DataType::Date(),          DataType::Interval(),
      DataType::Int64()};
  ASSERT_EQ(r->schema->num_fields(), static_cast<int>(expected.size()));
  for (int i = 0; i < r->schema->num_fields(); ++i) {
    EXPECT_EQ(r->schema->field(i).type, expected[static_cast<size_t>(i)])
        << r->schema->field(i).name;
  }
  EXPECT_EQ(r->batches[0]->ToString(),
            "true | 300 | 7 | 8 | 1.5 | 2.25 | 12.5 | 1234567890.123 | -0.05 | 1.25 | "
            "12345678901234567168 | héllo | x | ab   | pg_class | 2024-01-02 03:04:05.123456 | "
            "2024-01-02 03:04:05 | 1969-12-31 23:59:59.5 | 2024-02-29 | 1900-01-01 | " +
                FormatInterval(Interval{1, 2, 3000000}) + " | NULL\n");
  // +-infinity stay at the ends of the sluice ranges.
  r = conn_->Query(
      "SELECT 'infinity'::timestamp, '-infinity'::timestamptz, 'infinity'::date, "
      "'NaN'::numeric, 'NaN'::float8");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->batches[0]->column(0).Get<int64_t>(0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r->batches[0]->column(1).Get<int64_t>(0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(r->batches[0]->column(2).Get<int32_t>(0), std::numeric_limits<int32_t>::max());
  EXPECT_TRUE(std::isnan(r->batches[0]->column(3).Get<double>(0)));
  // A NaN cannot be a DECIMAL: a clear error, not a wrong number.
  r = conn_->Query("SELECT 'NaN'::numeric(5,2) AS bad");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
  EXPECT_NE(r.status().message().find("column 'bad'"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Scalar(conn_.get(), "SELECT 1"), "1");  // drained after the error
}

TEST_F(PostgresWarehouseTest, QueryReadsOtherTypesAsText) {
  auto r = conn_->Query(
      "SELECT '{\"a\": [1, 2]}'::jsonb AS j, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid AS u, "
      "ARRAY[1, 2] AS arr, '\\x01ab'::bytea AS bin, TIME '10:11:12' AS t, NULL::json AS nj, "
      "1 AS id, 2 AS id");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r->schema->field(i).type, DataType::Varchar());
  EXPECT_EQ(r->schema->field(0).name, "j");
  EXPECT_EQ(r->schema->field(6).name, "id");
  EXPECT_EQ(r->schema->field(7).name, "id");
  EXPECT_EQ(r->batches[0]->ToString(),
            "{\"a\": [1, 2]} | 6ba7b810-9dad-11d1-80b4-00c04fd430c8 | {1,2} | \\x01ab | "
            "10:11:12 | NULL | 1 | 2\n");
  // The last statement of several is wrapped on its own.
  EXPECT_EQ(Scalar(conn_.get(), "SELECT 1; SELECT ARRAY['a']"), "{a}");
  // A statement that cannot be a subquery: a clear error naming column and type.
  ASSERT_TRUE(conn_->Execute("CREATE TABLE docs(d jsonb)").ok());
  r = conn_->Query("INSERT INTO docs VALUES ('{}') RETURNING d");
  EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(r.status().message().find("column 'd' has PostgreSQL type jsonb"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Scalar(conn_.get(), "SELECT count(*) FROM docs"), "0");
}

TEST_F(PostgresWarehouseTest, EnsureTableCreatesChecksAndAddsColumns) {
  const char* kColumns =
      "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY "
      "attnum) FROM pg_attribute WHERE attrelid = 'analytics.orders'::regclass AND attnum > 0";
  ASSERT_TRUE(conn_->EnsureTable("Analytics.Orders", *AllTypesSchema()).ok());
  EXPECT_TRUE(*conn_->TableExists("analytics.orders"));
  EXPECT_TRUE(*conn_->TableExists("ANALYTICS.orders"));
  EXPECT_EQ(Scalar(conn_.get(), kColumns),
            "id integer, flag boolean, big bigint, x double precision, small_dec numeric(4,1), "
            "mid_dec numeric(9,2), wide_dec numeric(18,3), s text, ts timestamp without time "
            "zone, day date, iv interval");
  // Same schema again (names in another case): compatible, nothing changes.
  SchemaPtr same = MakeSchema({{"ID", DataType::Int32()}, {"S", DataType::Varchar()}});
  EXPECT_TRUE(conn_->EnsureTable("analytics.orders", *same).ok());
  // A new field is added as a nullable column, named in lower case.
  SchemaPtr more = MakeSchema({{"id", DataType::Int32()}, {"Note", DataType::Varchar(), false}});
  ASSERT_TRUE(conn_->EnsureTable("analytics.orders", *more).ok());
  EXPECT_EQ(Scalar(conn_.get(),
                   "SELECT data_type || ' ' || is_nullable FROM information_schema.columns "
                   "WHERE table_schema = 'analytics' AND column_name = 'note'"),
            "text YES");
  // A different type is refused, naming the column and both types.
  Status st =
      conn_->EnsureTable("analytics.orders", *MakeSchema({{"mid_dec", DataType::Decimal(12, 2)}}));
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("column 'mid_dec' of table analytics.orders has type numeric(9,2) "
                              "in the warehouse, but the data has type DECIMAL(12,2)"),
            std::string::npos)
      << st.message();
  st = conn_->EnsureTable("analytics.orders", *MakeSchema({{"id", DataType::Int64()}}));
  EXPECT_NE(st.message().find("has type integer in the warehouse"), std::string::npos)
      << st.message();
  // Tables made by hand with binary-compatible types are accepted.
  ASSERT_TRUE(conn_->Execute("CREATE TABLE manual(name varchar(20), at timestamptz)").ok());
  EXPECT_TRUE(conn_
                  ->EnsureTable("manual", *MakeSchema({{"name", DataType::Varchar()},
                                                       {"at", DataType::Timestamp()}}))
                  .ok());
  // A domain over a matching type is accepted, and loads check its constraint.
  ASSERT_TRUE(conn_->Execute("CREATE DOMAIN positive AS bigint CHECK (VALUE > 0); "
                             "CREATE TABLE counts(n positive)")
                  .ok());
  SchemaPtr counts = MakeSchema({{"n", DataType::Int64()}});
  ASSERT_TRUE(conn_->EnsureTable("counts", *counts).ok());
  auto appender = conn_->Append("counts", *counts);
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  BatchBuilder nb(counts);
  nb.column(0)->Append<int64_t>(5);
  ASSERT_TRUE((*appender)->Write(*nb.Finish()).ok());
  ASSERT_TRUE((*appender)->Flush().ok());
  nb.column(0)->Append<int64_t>(-5);
  ASSERT_TRUE((*appender)->Write(*nb.Finish()).ok());
  st = (*appender)->Close();
  EXPECT_NE(st.message().find("ERROR 23514"), std::string::npos) << st.message();
  EXPECT_EQ(Scalar(conn_.get(), "SELECT string_agg(n::text, ',') FROM counts"), "5");
  st = conn_->EnsureTable("t", *MakeSchema({{"a", DataType::Int32()}, {"A", DataType::Int64()}}));
  EXPECT_NE(st.message().find("appears twice"), std::string::npos) << st.message();
  st = conn_->EnsureTable("1bad", *same);
  EXPECT_NE(st.message().find("not a valid table name"), std::string::npos) << st.message();
  EXPECT_FALSE(conn_->EnsureTable("empty", Schema()).ok());
  // An unqualified name lands in the first schema of the search_path.
  ASSERT_TRUE(conn_->EnsureTable("plain", *same).ok());
  EXPECT_EQ(Scalar(conn_.get(), "SELECT count(*) FROM public.plain"), "0");
}

TEST_F(PostgresWarehouseTest, AppendEveryTypeAndReadBack) {
  SchemaPtr schema = AllTypesSchema();
  ASSERT_TRUE(conn_->EnsureTable("raw.all_types", *schema).ok());
  auto appender = conn_->Append("raw.all_types", *schema);
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  std::vector<RecordBatchPtr> written = {AllTypesBatch(0, 5000), AllTypesBatch(5000, 3),
                                         AllTypesBatch(5003, 0), AllTypesBatch(5003, 2100)};
  for (const auto& b : written) ASSERT_TRUE((*appender)->Write(*b).ok());
  ASSERT_TRUE((*appender)->Close().ok());
  ASSERT_TRUE((*appender)->Close().ok());  // idempotent
  EXPECT_FALSE((*appender)->Write(*written[0]).ok());
  auto r = conn_->Query("SELECT * FROM raw.all_types ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->num_rows(), 7103);
  EXPECT_EQ(*r->schema, *schema);
  std::vector<Column> want = Concat(schema, written);
  std::vector<Column> got = Concat(r->schema, r->batches);
  for (size_t c = 0; c < want.size(); ++c) {
    EXPECT_TRUE(got[c].Equals(want[c])) << schema->field(static_cast<int>(c)).name;
    EXPECT_EQ(got[c].null_count(), want[c].null_count());
  }
  // The server sees the same values (not just a symmetric codec).
  const RecordBatch& first = *written[0];
  EXPECT_EQ(Scalar(conn_.get(),
                   "SELECT ts::text, day::text, iv::text, small_dec::text, s FROM raw.all_types "
                   "WHERE id = 4"),
            FormatTimestamp(first.column(8).Get<int64_t>(4)) + " | " +
                FormatDate(first.column(9).Get<int32_t>(4)) +
                " | 4 mons -4 days +00:00:04.000004 | -499.5 | NULL");
}

TEST_F(PostgresWarehouseTest, NumericEdgeValues) {
  struct Case {
    uint8_t precision, scale;
    int64_t unscaled;
    const char* text;  // as PostgreSQL prints it
  };
  const std::vector<Case> cases = {
      {18, 0, 0, "0"},
      {18, 0, 1, "1"},
      {18, 0, -1, "-1"},
      {18, 0, 10000, "10000"},
      {18, 0, 100000000, "100000000"},
      {18, 0, 999999999999999999LL, "999999999999999999"},
      {18, 0, -999999999999999999LL, "-999999999999999999"},
      {18, 18, 0, "0.000000000000000000"},
      {18, 18, 1, "0.000000000000000001"},
      {18, 18, -1, "-0.000000000000000001"},
      {18, 18, 999999999999999999LL, "0.999999999999999999"},
      {18, 18, 100000000000000000LL, "0.100000000000000000"},
      {10, 5, 1, "0.00001"},
      {10, 5, -10, "-0.00010"},
      {10, 5, 100000, "1.00000"},
      {10, 5, 9999999999LL, "99999.99999"},
      {10, 5, 12345000, "123.45000"},
      {1, 0, 9, "9"},
      {1, 0, -9, "-9"},
      {1, 1, 5, "0.5"},
      {4, 2, -5, "-0.05"},
      {8, 4, 10001, "1.0001"},
      {12, 3, 100000000001LL, "100000000.001"},
  };
  // Through the server: load each case into a column of its type, read text and value.
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SchemaPtr schema = MakeSchema({{"v", DataType::Decimal(c.precision, c.scale)}});
    const std::string table = "n" + std::to_string(i);
    ASSERT_TRUE(conn_->EnsureTable(table, *schema).ok());
    auto appender = conn_->Append(table, *schema);
    ASSERT_TRUE(appender.ok());
    BatchBuilder b(schema);
    b.column(0)->Append<int64_t>(c.unscaled);
    ASSERT_TRUE((*appender)->Write(*b.Finish()).ok());
    Status st = (*appender)->Close();
    ASSERT_TRUE(st.ok()) << c.text << ": " << st.ToString();
    EXPECT_EQ(Scalar(conn_.get(), "SELECT v::text FROM " + table), c.text);
    auto r = conn_->Query("SELECT v FROM " + table);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->batches[0]->column(0).Get<int64_t>(0), c.unscaled) << c.text;
  }
  // Values PostgreSQL computes come back exact when the type has p <= 18.
  EXPECT_EQ(Scalar(conn_.get(),
                   "SELECT (sum(x)::numeric / 3)::numeric(18,6) FROM generate_series(1, 10) x"),
            "18.333333");
  // A value too wide for the column fails the load and rolls it back.
  SchemaPtr narrow = MakeSchema({{"v", DataType::Decimal(4, 1)}});
  ASSERT_TRUE(conn_->EnsureTable("narrow", *narrow).ok());
  auto appender = conn_->Append("narrow", *narrow);
  ASSERT_TRUE(appender.ok());
  BatchBuilder b(narrow);
  b.column(0)->Append<int64_t>(99999);  // 9999.9 needs 5 digits
  ASSERT_TRUE((*appender)->Write(*b.Finish()).ok());
  Status st = (*appender)->Flush();
  EXPECT_NE(st.message().find("22003"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("rolled back"), std::string::npos) << st.message();
}

TEST_F(PostgresWarehouseTest, AppendHundredThousandRows) {
  SchemaPtr schema = MakeSchema({{"id", DataType::Int64()},
                                 {"amount", DataType::Decimal(12, 2)},
                                 {"name", DataType::Varchar()}});
  ASSERT_TRUE(conn_->EnsureTable("big", *schema).ok());
  auto appender = conn_->Append("big", *schema);
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
  EXPECT_EQ(Scalar(conn_.get(),
                   "SELECT count(*), sum(id), sum(amount)::text, count(*) - count(amount), "
                   "sum(length(name)) FROM big"),
            "100000 | " + std::to_string(sum_id) + " | " + FormatDecimal(sum_amount, 2) + " | " +
                std::to_string(nulls) + " | " + std::to_string(bytes));
  auto r = conn_->Query("SELECT id, amount FROM big ORDER BY id");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->num_rows(), 100000);
  EXPECT_EQ(r->batches.size(), 49u);  // ceil(100000 / 2048)
}

TEST_F(PostgresWarehouseTest, FlushCommitsAndUnflushedRowsRollBack) {
  auto reader = Connect(wh_.get());
  SchemaPtr schema = AllTypesSchema();
  ASSERT_TRUE(conn_->EnsureTable("t", *schema).ok());
  {
    auto appender = conn_->Append("t", *schema);
    ASSERT_TRUE(appender.ok());
    ASSERT_TRUE((*appender)->Write(*AllTypesBatch(0, 10)).ok());
    EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "0");  // not yet committed
    ASSERT_TRUE((*appender)->Flush().ok());
    EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "10");
    ASSERT_TRUE((*appender)->Flush().ok());  // nothing pending: a no-op
    // More than one COPY chunk before a Flush: still one transaction.
    for (int k = 0; k < 40; ++k) ASSERT_TRUE((*appender)->Write(*AllTypesBatch(10, 2000)).ok());
    EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "10");
    ASSERT_TRUE((*appender)->Write(*AllTypesBatch(10, 5)).ok());
  }  // destroyed without Close: everything since the Flush is dropped
  EXPECT_EQ(Scalar(reader.get(), "SELECT count(*) FROM t"), "10");
  EXPECT_EQ(Scalar(conn_.get(), "SELECT count(*) FROM t"), "10");
}

TEST_F(PostgresWarehouseTest, AppendErrors) {
  SchemaPtr schema = MakeSchema({{"a", DataType::Int32()}});
  auto missing = conn_->Append("nope", *schema);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot append to table nope: it does not exist"),
            std::string::npos)
      << missing.status().message();
  ASSERT_TRUE(conn_->Execute("CREATE TABLE t(a integer NOT NULL, extra text DEFAULT 'd')").ok());
  auto no_column = conn_->Append("t", *MakeSchema({{"b", DataType::Int32()}}));
  EXPECT_NE(no_column.status().message().find("column 'b': the table has no such column"),
            std::string::npos)
      << no_column.status().message();
  auto clash = conn_->Append("t", *MakeSchema({{"a", DataType::Int64()}}));
  EXPECT_NE(clash.status().message().find(
                "column 'a': it has type integer in the warehouse, but the data has type INT64"),
            std::string::npos)
      << clash.status().message();
  auto appender = conn_->Append("t", *schema);
  ASSERT_TRUE(appender.ok());
  BatchBuilder other(MakeSchema({{"a", DataType::Int64()}}));
  other.column(0)->Append<int64_t>(1);
  EXPECT_NE((*appender)->Write(*other.Finish()).message().find("is INT64 in the batch"),
            std::string::npos);
  // A NOT NULL violation rolls the pending rows back; the appender keeps working.
  BatchBuilder good(schema), bad(schema);
  good.column(0)->Append<int32_t>(1);
  bad.column(0)->AppendNull();
  ASSERT_TRUE((*appender)->Write(*good.Finish()).ok());
  Status st = (*appender)->Write(*bad.Finish());
  if (st.ok()) st = (*appender)->Flush();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("rows written to t since the last flush were rolled back"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("ERROR 23502: null value in column \"a\""), std::string::npos)
      << st.message();
  good.column(0)->Append<int32_t>(2);
  ASSERT_TRUE((*appender)->Write(*good.Finish()).ok());
  ASSERT_TRUE((*appender)->Close().ok());
  EXPECT_EQ(Scalar(conn_.get(), "SELECT string_agg(a || extra, ',') FROM t"), "2d");
  // Bytes the server refuses (not UTF-8) fail the load the same way.
  SchemaPtr text = MakeSchema({{"s", DataType::Varchar()}});
  ASSERT_TRUE(conn_->EnsureTable("texts", *text).ok());
  auto texts = conn_->Append("texts", *text);
  ASSERT_TRUE(texts.ok());
  BatchBuilder tb(text);
  tb.column(0)->AppendString("ok");
  tb.column(0)->AppendString("\xff\xfe");
  ASSERT_TRUE((*texts)->Write(*tb.Finish()).ok());
  st = (*texts)->Close();
  EXPECT_NE(st.message().find("22021"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("rolled back"), std::string::npos) << st.message();
  EXPECT_EQ(Scalar(conn_.get(), "SELECT count(*) FROM texts"), "0");
  // Appending inside a transaction the appender did not open is refused (Flush would
  // commit it), and the caller's transaction is left alone.
  ASSERT_TRUE(conn_->Execute("BEGIN; INSERT INTO texts VALUES ('mine')").ok());
  auto inside = conn_->Append("texts", *text);
  ASSERT_TRUE(inside.ok());
  BatchBuilder ib(text);
  ib.column(0)->AppendString("appended");
  st = (*inside)->Write(*ib.Finish());
  if (st.ok()) st = (*inside)->Flush();
  EXPECT_NE(st.message().find("inside a transaction it did not open"), std::string::npos)
      << st.message();
  ASSERT_TRUE(conn_->Execute("COMMIT").ok());
  EXPECT_EQ(Scalar(conn_.get(), "SELECT string_agg(s, ',') FROM texts"), "mine");
}

TEST_F(PostgresWarehouseTest, ConcurrentConnections) {
  SchemaPtr schema = MakeSchema({{"worker", DataType::Int32()}, {"n", DataType::Int64()}});
  ASSERT_TRUE(conn_->EnsureTable("t", *schema).ok());
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      Status& result = results[static_cast<size_t>(w)];
      auto conn = wh_->Connect();
      if (!conn.ok()) {
        result = conn.status();
        return;
      }
      auto appender = (*conn)->Append("t", *schema);
      if (!appender.ok()) {
        result = appender.status();
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
          result = st;
          return;
        }
        auto q = (*conn)->Query("SELECT count(*) FROM t");  // reads alongside the writers
        if (!q.ok()) result = q.status();
      }
      if (result.ok()) result = (*appender)->Close();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Scalar(conn_.get(), "SELECT count(*), count(DISTINCT worker), sum(n) FROM t"),
            "40000 | 4 | " + std::to_string(4 * (9999 * 10000 / 2)));
}

}  // namespace
}  // namespace sluice::warehouse
