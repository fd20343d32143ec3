// The fuzz targets other than the record readers (those are in record_targets.cc).
#include "fuzz/targets.h"

#include <cstdlib>
#include <limits>
#include <memory>

#include "connectors/position.h"
#include "core/time.h"
#include "core/types.h"
#include "fuzz/fuzz_check.h"
#include "project/project_internal.h"
#include "project/yaml_reader.h"
#include "sql/sql.h"

namespace sluice::fuzz {
namespace {

std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// --- SQL ---

SchemaPtr EveryTypeSchema() {
  return MakeSchema({{"b", DataType::Boolean()},
                     {"i", DataType::Int32()},
                     {"l", DataType::Int64()},
                     {"d", DataType::Double()},
                     {"m", DataType::Decimal(10, 2)},
                     {"s", DataType::Varchar()},
                     {"ts", DataType::Timestamp()},
                     {"dt", DataType::Date()},
                     {"iv", DataType::Interval()}});
}

class FixedCatalog final : public sql::Catalog {
 public:
  explicit FixedCatalog(SchemaPtr schema) : schema_(std::move(schema)) {}
  SchemaPtr FindTable(std::string_view name) const override {
    return EqualsIgnoreCase(name, "t") || EqualsIgnoreCase(name, "src.t") ? schema_ : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"t", "src.t"}; }

 private:
  SchemaPtr schema_;
};

// One row per case: all NULL, maxima, minima, zeros, ordinary values, odd doubles.
RecordBatchPtr EveryTypeBatch(const SchemaPtr& schema) {
  using L = std::numeric_limits<int64_t>;
  using I = std::numeric_limits<int32_t>;
  const double inf = std::numeric_limits<double>::infinity();
  struct Row {
    uint8_t b;
    int32_t i;
    int64_t l;
    double d;
    int64_t m;
    const char* s;
    int64_t ts;
    int32_t dt;
    Interval iv;
  };
  const Row rows[] = {
      {1, I::max(), L::max(), 1e308, 9999999999, "", L::max(), I::max(), {I::max(), I::max(), L::max()}},
      {0, I::min(), L::min(), -0.0, -9999999999, "h\xC3\xA9llo, w\xC3\xB6rld", L::min(), I::min(),
       {I::min(), I::min(), L::min()}},
      {0, 0, 0, 0.0, 0, "0", 0, 0, {0, 0, 0}},
      {1, 42, -7, std::numeric_limits<double>::quiet_NaN(), 150, "%_\\'\"", 1700000000000000, 19700,
       {1, 2, 3000000}},
      {1, -1, 1, -inf, -1, "2024-02-29 12:00:00", -86400000000, -1, {-1, -1, -1}},
      {0, 7, 3, inf, 1, "\xFF\xFE not utf-8", 253402300799999999, 2932896, {12, 0, 0}},
  };
  BatchBuilder builder(schema);
  for (int c = 0; c < schema->num_fields(); ++c) builder.column(c)->AppendNull();
  for (const Row& r : rows) {
    builder.column(0)->Append<uint8_t>(r.b);
    builder.column(1)->Append<int32_t>(r.i);
    builder.column(2)->Append<int64_t>(r.l);
    builder.column(3)->Append<double>(r.d);
    builder.column(4)->Append<int64_t>(r.m);
    builder.column(5)->AppendString(r.s);
    builder.column(6)->Append<int64_t>(r.ts);
    builder.column(7)->Append<int32_t>(r.dt);
    builder.column(8)->Append<Interval>(r.iv);
  }
  return builder.Finish();
}

// --- YAML ---

void SetFuzzEnvironment() {
  static const bool done = [] { return ::setenv("SLUICE_FUZZ_VAR", "value", 1) == 0; }();
  (void)done;
}

}  // namespace

int FuzzSql(const uint8_t* data, size_t size) {
  static const SchemaPtr schema = EveryTypeSchema();
  static const FixedCatalog catalog(schema);
  static const RecordBatchPtr batch = EveryTypeBatch(schema);
  static const RecordBatchPtr empty = BatchBuilder(schema).Finish();
  const std::string_view script = AsText(data, size);
  const std::string file = "f.sql";
  Result<std::vector<sql::Statement>> statements = sql::ParseScript(script, file);
  if (!statements.ok()) return 0;
  for (const sql::Statement& statement : *statements) {
    Result<std::unique_ptr<sql::CompiledSelect>> query =
        sql::Compile(statement, catalog, script, file);
    if (!query.ok()) continue;
    for (const RecordBatchPtr& input : {batch, empty}) {
      Result<RecordBatchPtr> out = (*query)->Evaluate(*input);
      if (!out.ok()) continue;
      if ((*out)->num_rows() > input->num_rows()) {
        Violation("a query returned more rows than it was given", statement.text);
      }
      CheckBatch(**out, *(*query)->output_schema());
    }
  }
  return 0;
}

int FuzzYaml(const uint8_t* data, size_t size) {
  SetFuzzEnvironment();
  Diagnostics diag;
  std::vector<std::string> secrets;
  Result<ConfigValue> tree = project::ParseYaml(AsText(data, size), "f.yaml", &diag, &secrets);
  if (tree.ok()) {
    project::Project p;
    p.dir = "/nonexistent/fuzz";
    project::internal::ReadSettings(*tree, &p, &diag);
  }
  (void)diag.ToString();
  return 0;
}

int FuzzTimestamp(const uint8_t* data, size_t size) {
  const std::string_view text = AsText(data, size);
  int64_t micros = 0;
  if (ParseTimestamp(text, &micros)) {
    // Years 0000-9999 have a 4-digit text form that must parse back to the same value.
    constexpr int64_t kMin = -62167219200LL * kMicrosPerSecond;   // 0000-01-01
    constexpr int64_t kMax = 253402300800LL * kMicrosPerSecond;   // 10000-01-01
    const std::string formatted = FormatTimestamp(micros);
    char iso[40];
    const int iso_len = FormatTimestampIso(micros, iso);
    if (iso_len <= 0 || iso_len >= static_cast<int>(sizeof(iso))) {
      Violation("FormatTimestampIso returned a bad length", formatted);
    }
    if (micros >= kMin && micros < kMax) {
      int64_t again = 0;
      if (!ParseTimestamp(formatted, &again) || again != micros) {
        Violation("timestamp does not survive format and parse", formatted);
      }
      if (!ParseTimestamp(std::string_view(iso, static_cast<size_t>(iso_len)), &again) ||
          again != micros) {
        Violation("ISO timestamp does not survive format and parse", iso);
      }
    }
  }
  int32_t days = 0;
  if (ParseDate(text, &days)) {
    const std::string formatted = FormatDate(days);
    int32_t again = 0;
    if (!ParseDate(formatted, &again) || again != days) {
      Violation("date does not survive format and parse", formatted);
    }
  }
  return 0;
}

int FuzzDuration(const uint8_t* data, size_t size) {
  Result<int64_t> micros = ParseDuration(AsText(data, size));
  if (micros.ok()) {
    if (*micros < 0) Violation("negative duration", std::to_string(*micros));
    const std::string formatted = FormatDuration(*micros);
    Result<int64_t> again = ParseDuration(formatted);
    if (!again.ok() || *again != *micros) {
      Violation("duration does not survive format and parse", formatted);
    }
  }
  return 0;
}

int FuzzDataType(const uint8_t* data, size_t size) {
  Result<DataType> type = ParseDataType(AsText(data, size));
  if (type.ok()) {
    const std::string formatted = type->ToString();
    Result<DataType> again = ParseDataType(formatted);
    if (!again.ok() || !(*again == *type)) {
      Violation("type does not survive ToString and parse", formatted);
    }
  }
  return 0;
}

int FuzzPosition(const uint8_t* data, size_t size) {
  Result<connectors::Position> pos = connectors::Position::Parse(std::string(AsText(data, size)));
  if (pos.ok()) {
    const std::string text = pos->Serialize();
    Result<connectors::Position> again = connectors::Position::Parse(text);
    if (!again.ok() || !(*again == *pos)) {
      Violation("position does not survive Serialize and Parse", text);
    }
    (void)pos->ToString();
  }
  return 0;
}

}  // namespace sluice::fuzz
