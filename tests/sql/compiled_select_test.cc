// CompiledSelect behaviour that the data files cannot show: zero-copy pass-through,
// gathering, batch shape checks, large batches and the Compile front door.
#include <gtest/gtest.h>

#include "core/value.h"
#include "sql/sql.h"

namespace sluice::sql {
namespace {

class OneTable final : public Catalog {
 public:
  OneTable(std::string name, SchemaPtr schema) : name_(std::move(name)), schema_(std::move(schema)) {}
  SchemaPtr FindTable(std::string_view name) const override {
    return EqualsIgnoreCase(name, name_) ? schema_ : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {name_}; }

 private:
  std::string name_;
  SchemaPtr schema_;
};

SchemaPtr OrdersSchema() {
  return MakeSchema({{"id", DataType::Int64()}, {"total", DataType::Decimal(10, 2)}, {"note", DataType::Varchar()}});
}

RecordBatchPtr Orders(int64_t rows) {
  BatchBuilder b(OrdersSchema());
  for (int64_t i = 0; i < rows; ++i) {
    b.column(0)->Append<int64_t>(i);
    if (i % 7 == 3) {
      b.column(1)->AppendNull();
    } else {
      b.column(1)->Append<int64_t>(i * 125);  // i * 1.25
    }
    b.column(2)->AppendString("n" + std::to_string(i % 10));
  }
  return b.Finish();
}

std::unique_ptr<CompiledSelect> Make(const std::string& script, const Catalog& catalog) {
  Result<std::vector<Statement>> stmts = ParseScript(script, "t.sql");
  EXPECT_TRUE(stmts.ok()) << stmts.status().message();
  if (!stmts.ok()) return nullptr;
  Result<std::unique_ptr<CompiledSelect>> q = Compile((*stmts)[0], catalog, script, "t.sql");
  EXPECT_TRUE(q.ok()) << q.status().message();
  return q.ok() ? std::move(q).value() : nullptr;
}

TEST(CompiledSelectTest, PassesColumnsThroughWithoutCopying) {
  OneTable catalog("Shop.Orders", OrdersSchema());
  auto q = Make("CREATE MATERIALIZED VIEW v AS SELECT note, id, id + 1 AS next FROM shop.orders", catalog);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->input_table(), "Shop.Orders");
  EXPECT_EQ(q->output_schema()->ToString(), "note VARCHAR, id INT64, next INT64");
  RecordBatchPtr in = Orders(100);
  Result<RecordBatchPtr> out = q->Evaluate(*in);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)->column_ptr(0), in->column_ptr(2));
  EXPECT_EQ((*out)->column_ptr(1), in->column_ptr(0));
  EXPECT_EQ((*out)->column(2).Get<int64_t>(99), 100);
}

TEST(CompiledSelectTest, FilterKeepsOrderAndMatchesRowByRowEvaluation) {
  OneTable catalog("orders", OrdersSchema());
  auto q = Make(
      "INSERT INTO s SELECT id, total * 2 AS t2, upper(note) || '!' AS n, "
      "CASE WHEN total > 100 THEN 'big' ELSE 'small' END AS size FROM orders "
      "WHERE id % 3 <> 0 AND (total IS NULL OR total < 2000)",
      catalog);
  ASSERT_TRUE(q);
  const int64_t rows = 5000;
  RecordBatchPtr in = Orders(rows);
  Result<RecordBatchPtr> out = q->Evaluate(*in);
  ASSERT_TRUE(out.ok()) << out.status().message();
  const RecordBatch& r = **out;
  int64_t k = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const bool null_total = i % 7 == 3;
    const int64_t total = i * 125;
    if (i % 3 == 0 || !(null_total || total < 200000)) continue;
    ASSERT_LT(k, r.num_rows());
    EXPECT_EQ(r.column(0).Get<int64_t>(k), i);
    EXPECT_EQ(r.column(1).IsNull(k), null_total);
    if (!null_total) {
      EXPECT_EQ(r.column(1).Get<int64_t>(k), total * 2);
    }
    EXPECT_EQ(r.column(2).GetString(k), "N" + std::to_string(i % 10) + "!");
    EXPECT_EQ(r.column(3).GetString(k), null_total ? "small" : (total > 10000 ? "big" : "small"));
    ++k;
  }
  EXPECT_EQ(k, r.num_rows());
}

TEST(CompiledSelectTest, EmptyInputsAndNothingSelected) {
  OneTable catalog("orders", OrdersSchema());
  auto q = Make("INSERT INTO s SELECT id, 'x' AS c FROM orders WHERE id > 1000000", catalog);
  ASSERT_TRUE(q);
  for (int64_t rows : {0, 10}) {
    Result<RecordBatchPtr> out = q->Evaluate(*Orders(rows));
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ((*out)->num_rows(), 0);
    EXPECT_EQ((*out)->num_columns(), 2);
    EXPECT_EQ((*out)->column(1).length(), 0);
  }
}

TEST(CompiledSelectTest, ConstantsAreMaterializedPerRow) {
  OneTable catalog("orders", OrdersSchema());
  auto q = Make("INSERT INTO s SELECT 1 + 2 AS three, upper('a') AS a, NULL AS n FROM orders", catalog);
  ASSERT_TRUE(q);
  Result<RecordBatchPtr> out = q->Evaluate(*Orders(5));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ((*out)->num_rows(), 5);
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*out)->column(0).Get<int32_t>(i), 3);
    EXPECT_EQ((*out)->column(1).GetString(i), "A");
    EXPECT_TRUE((*out)->column(2).IsNull(i));
  }
}

TEST(CompiledSelectTest, RejectsBatchesOfAnotherShape) {
  OneTable catalog("orders", OrdersSchema());
  auto q = Make("INSERT INTO s SELECT id FROM orders", catalog);
  ASSERT_TRUE(q);
  BatchBuilder b(MakeSchema({{"id", DataType::Varchar()}, {"total", DataType::Decimal(10, 2)}, {"note", DataType::Varchar()}}));
  Result<RecordBatchPtr> out = q->Evaluate(*b.Finish());
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("column 'id' is VARCHAR in the batch but INT64"), std::string::npos)
      << out.status().message();
  BatchBuilder c(MakeSchema({{"id", DataType::Int64()}}));
  EXPECT_FALSE(q->Evaluate(*c.Finish()).ok());
}

TEST(CompiledSelectTest, RuntimeErrorNamesFileLineAndExpression) {
  OneTable catalog("orders", OrdersSchema());
  const std::string script = "-- x\nINSERT INTO s\nSELECT CAST(note AS INT) AS n FROM orders";
  auto q = Make(script, catalog);
  ASSERT_TRUE(q);
  Result<RecordBatchPtr> out = q->Evaluate(*Orders(3));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "t.sql:3:8: error: cannot cast 'n0' to INT32; use TRY_CAST to get NULL instead in "
            "'CAST(note AS INT)'");
}

TEST(CompiledSelectTest, BindErrorsAreFormatted) {
  OneTable catalog("orders", OrdersSchema());
  const std::string script = "INSERT INTO s SELECT totl FROM orders";
  Result<std::vector<Statement>> stmts = ParseScript(script, "t.sql");
  ASSERT_TRUE(stmts.ok());
  Result<std::unique_ptr<CompiledSelect>> q = Compile((*stmts)[0], catalog, script, "t.sql");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(q.status().message(),
            "t.sql:1:22: error: unknown column 'totl' in orders (did you mean 'total'?)\n"
            "  INSERT INTO s SELECT totl FROM orders\n"
            "                       ^");
}

}  // namespace
}  // namespace sluice::sql

namespace sluice::sql {
namespace {

// Every prefix (and a few mangled versions) of a busy script must parse or fail
// cleanly, never crash; whatever compiles must run.
TEST(CompiledSelectTest, TruncatedAndMangledScriptsFailCleanly) {
  OneTable catalog("orders", OrdersSchema());
  const std::string script =
      "CREATE MATERIALIZED VIEW v AS SELECT id, CASE WHEN total BETWEEN 1 AND 2.5 THEN 'x' || note "
      "ELSE substring(note FROM 1 FOR 2) END AS c, CAST(total AS DOUBLE) / 0, "
      "COALESCE(NULLIF(note, 'n1'), 'z'), TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '1' DAY AS t "
      "FROM orders o WHERE o.id IN (1, 2, 3) AND note LIKE 'n%' OR NOT (id > 5); /* c */ -- d";
  RecordBatchPtr batch = Orders(20);
  int compiled = 0;
  for (size_t len = 0; len <= script.size(); ++len) {
    for (int mangle = 0; mangle < 3; ++mangle) {
      std::string text = script.substr(0, len);
      if (mangle == 1 && len > 0) text[len / 2] = '(';
      if (mangle == 2 && len > 0) text.insert(len / 3, "'");
      Result<std::vector<Statement>> stmts = ParseScript(text, "p.sql");
      if (!stmts.ok()) {
        EXPECT_EQ(stmts.status().message().rfind("p.sql", 0), 0u) << stmts.status().message();
        continue;
      }
      for (const Statement& s : *stmts) {
        Result<std::unique_ptr<CompiledSelect>> q = Compile(s, catalog, text, "p.sql");
        if (!q.ok()) {
          EXPECT_EQ(q.status().message().rfind("p.sql", 0), 0u) << q.status().message();
          continue;
        }
        ++compiled;
        Result<RecordBatchPtr> out = (*q)->Evaluate(*batch);
        EXPECT_TRUE(out.ok()) << text << "\n" << out.status().message();
      }
    }
  }
  EXPECT_GT(compiled, 0);
}

}  // namespace
}  // namespace sluice::sql
