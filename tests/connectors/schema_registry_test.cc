// The schema registry: compatibility rules (every mode x every change kind), versioning
// in the state dir, refusal messages, damaged files, and the warehouse side of a
// compatible change (a new nullable column).
#include "connectors/schema_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/temp_dir.h"
#include "warehouse/duckdb_warehouse.h"

namespace sluice::connectors {
namespace {

using K = SchemaChangeKind;
using M = SchemaCompatibility;
using sluice::test::TempDir;

Field F(std::string name, DataType t, bool nullable = true) {
  return Field{std::move(name), t, nullable};
}

SchemaPtr Base() {
  return MakeSchema({F("id", DataType::Int64(), false), F("amount", DataType::Int64()),
                     F("note", DataType::Varchar())});
}

// One change of each kind applied to Base().
struct Case {
  K kind;
  SchemaPtr changed;
  const char* field;
};

std::vector<Case> Cases() {
  return {
      {K::kAddedNullable,
       MakeSchema({F("id", DataType::Int64(), false), F("amount", DataType::Int64()),
                   F("note", DataType::Varchar()), F("coupon", DataType::Varchar())}),
       "coupon"},
      {K::kAddedRequired,
       MakeSchema({F("id", DataType::Int64(), false), F("amount", DataType::Int64()),
                   F("note", DataType::Varchar()), F("shop", DataType::Int32(), false)}),
       "shop"},
      {K::kRemovedNullable,
       MakeSchema({F("id", DataType::Int64(), false), F("amount", DataType::Int64())}), "note"},
      {K::kRemovedRequired,
       MakeSchema({F("amount", DataType::Int64()), F("note", DataType::Varchar())}), "id"},
      {K::kTypeChanged,
       MakeSchema({F("id", DataType::Int64(), false), F("amount", DataType::Varchar()),
                   F("note", DataType::Varchar())}),
       "amount"},
      {K::kMadeNullable,
       MakeSchema({F("id", DataType::Int64()), F("amount", DataType::Int64()),
                   F("note", DataType::Varchar())}),
       "id"},
      {K::kMadeRequired,
       MakeSchema({F("id", DataType::Int64(), false), F("amount", DataType::Int64(), false),
                   F("note", DataType::Varchar())}),
       "amount"},
  };
}

// expected[kind][mode]: BACKWARD, FORWARD, FULL, NONE.
bool Expected(K kind, M mode) {
  static const bool kTable[7][4] = {
      /* added nullable   */ {true, true, true, true},
      /* added required   */ {false, true, false, true},
      /* removed nullable */ {true, true, true, true},
      /* removed required */ {true, false, false, true},
      /* type changed     */ {false, false, false, true},
      /* made nullable    */ {true, false, false, true},
      /* made required    */ {false, true, false, true},
  };
  return kTable[static_cast<int>(kind)][static_cast<int>(mode)];
}

TEST(SchemaRegistryTest, DiffFindsEachChangeKind) {
  for (const Case& c : Cases()) {
    std::vector<SchemaChange> d = DiffSchemas(*Base(), *c.changed);
    ASSERT_EQ(d.size(), 1u) << c.field;
    EXPECT_EQ(d[0].kind, c.kind) << c.field;
    EXPECT_EQ(d[0].field, c.field);
  }
  EXPECT_TRUE(DiffSchemas(*Base(), *Base()).empty());
  // Case and order do not matter.
  auto reordered = MakeSchema({F("NOTE", DataType::Varchar()), F("Id", DataType::Int64(), false),
                               F("amount", DataType::Int64())});
  EXPECT_TRUE(DiffSchemas(*Base(), *reordered).empty());
}

TEST(SchemaRegistryTest, EveryModeTimesEveryChangeKind) {
  for (const Case& c : Cases()) {
    for (M mode : {M::kBackward, M::kForward, M::kFull, M::kNone}) {
      const std::string label = std::string(c.field) + " under " +
                                std::string(CompatibilityName(mode));
      EXPECT_EQ(IsAllowed(c.kind, mode), Expected(c.kind, mode)) << label;
      TempDir dir;
      SchemaRegistry reg(dir.path());
      ASSERT_TRUE(reg.Register("orders", *Base(), mode).ok());
      Result<RegisterOutcome> r = reg.Register("orders", *c.changed, mode);
      if (Expected(c.kind, mode)) {
        ASSERT_TRUE(r.ok()) << label << ": " << r.status().ToString();
        EXPECT_TRUE(r->registered);
        EXPECT_EQ(r->version, 2);
        EXPECT_EQ(reg.Versions("orders")->size(), 2u);
      } else {
        ASSERT_FALSE(r.ok()) << label;
        const std::string& m = r.status().message();
        EXPECT_NE(m.find("field '" + std::string(c.field) + "'"), std::string::npos) << m;
        EXPECT_NE(m.find(std::string(CompatibilityName(mode))), std::string::npos) << m;
        EXPECT_NE(m.find("source 'orders'"), std::string::npos) << m;
        EXPECT_NE(m.find("schema_compatibility"), std::string::npos) << m;
        EXPECT_EQ(reg.Versions("orders")->size(), 1u) << "a refused schema is not registered";
      }
    }
  }
}

TEST(SchemaRegistryTest, MessagesSayWhy) {
  TempDir dir;
  SchemaRegistry reg(dir.path());
  ASSERT_TRUE(reg.Register("orders", *Base(), M::kBackward).ok());
  Result<RegisterOutcome> r = reg.Check("orders", *Cases()[4].changed, M::kBackward);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "field 'amount': type changed from INT64 to VARCHAR: records written before "
                "hold the old type"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("incompatibly with v1 under BACKWARD"), std::string::npos);
  r = reg.Check("orders", *Cases()[1].changed, M::kBackward);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("field 'shop': added as required (INT32 NOT NULL): "
                                      "records written before lack it"),
            std::string::npos)
      << r.status().message();
}

TEST(SchemaRegistryTest, VersionsPersistAndSameSchemaIsNotReregistered) {
  TempDir dir;
  {
    SchemaRegistry reg(dir.path());
    auto r = reg.Register("orders", *Base(), M::kBackward);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->version, 1);
    EXPECT_TRUE(r->registered);
    r = reg.Register("orders", *Base(), M::kBackward);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->version, 1);
    EXPECT_FALSE(r->registered);
    auto decimal = MakeSchema({F("id", DataType::Int64(), false), F("amount", DataType::Int64()),
                               F("note", DataType::Varchar()),
                               F("price", DataType::Decimal(12, 2)),
                               F("at", DataType::Timestamp())});
    r = reg.Register("orders", *decimal, M::kBackward);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->version, 2);
    ASSERT_EQ(r->changes.size(), 2u);
    EXPECT_EQ(r->changes[0].ToString(), "field 'price': added (DECIMAL(12,2))");
    ASSERT_TRUE(reg.Register("clicks", *Base(), M::kNone).ok());
  }
  SchemaRegistry reg(dir.path());
  EXPECT_EQ(*reg.Sources(), (std::vector<std::string>{"clicks", "orders"}));
  auto v2 = reg.Get("orders", 2);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->schema->ToString(),
            "id INT64 NOT NULL, amount INT64, note VARCHAR, price DECIMAL(12,2), at TIMESTAMP");
  EXPECT_GT(v2->registered_at, 0);
  EXPECT_EQ(reg.Get("clicks", 1)->compatibility, M::kNone);
  auto missing = reg.Get("orders", 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("it has v1 to v2"), std::string::npos);
  EXPECT_FALSE(reg.Get("nope", 1).ok());
  std::string index;
  {
    std::ifstream in(dir.File("schemas/orders/index.json"));
    index.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(index.find("\"latest\": 2"), std::string::npos) << index;
}

TEST(SchemaRegistryTest, DamagedVersionFileIsReportedNotIgnored) {
  TempDir dir;
  SchemaRegistry reg(dir.path());
  ASSERT_TRUE(reg.Register("orders", *Base(), M::kBackward).ok());
  dir.Write("schemas/orders/v1.json", "{\"version\": 1, \"fields\": [{\"name\": \"id\"}]}");
  auto r = reg.Register("orders", *Base(), M::kBackward);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("schemas/orders/v1.json is damaged"), std::string::npos)
      << r.status().message();
  dir.Write("schemas/orders/v1.json", "not json");
  EXPECT_FALSE(reg.Versions("orders").ok());
}

TEST(SchemaRegistryTest, ParseCompatibilityAndOption) {
  EXPECT_EQ(ParseCompatibility("full"), M::kFull);
  EXPECT_EQ(ParseCompatibility("BACKWARD"), M::kBackward);
  EXPECT_FALSE(ParseCompatibility("sideways").has_value());
  Diagnostics diag;
  ConfigValue map = ConfigValue::Map();
  map.Set("schema_compatibility", ConfigValue::Scalar("sideways"));
  OptionReader r(map, &diag);
  EXPECT_EQ(ReadSchemaCompatibility(&r), M::kBackward);
  r.Finish();
  ASSERT_TRUE(diag.has_errors());
  EXPECT_NE(diag.ToString().find("unknown schema compatibility 'sideways'"), std::string::npos)
      << diag.ToString();
}

TEST(SchemaRegistryTest, CompatibleChangeAddsTheWarehouseColumn) {
  // The sink side of a compatible change: EnsureTable adds the new field as a nullable
  // column to the existing table (warehouse.h), old rows read NULL.
  TempDir dir;
  auto wh = warehouse::OpenDuckDB(dir.File("w.duckdb"));
  ASSERT_TRUE(wh.ok());
  auto conn = (*wh)->Connect();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->EnsureTable("orders", *Base()).ok());
  ASSERT_TRUE((*conn)->Execute("INSERT INTO orders VALUES (1, 10, 'a')").ok());
  const Case added = Cases()[0];
  SchemaRegistry reg(dir.path());
  ASSERT_TRUE(reg.Register("orders", *Base(), M::kBackward).ok());
  ASSERT_TRUE(reg.Register("orders", *added.changed, M::kBackward).ok());
  ASSERT_TRUE((*conn)->EnsureTable("orders", *added.changed).ok());
  auto q = (*conn)->Query("SELECT count(*) FROM orders WHERE coupon IS NULL");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->batches[0]->column(0).Get<int64_t>(0), 1);
}

}  // namespace
}  // namespace sluice::connectors
