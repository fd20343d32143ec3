#include "transform/seed_loader.h"

#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/csv_reader.h"
#include "warehouse/table_name.h"

namespace sluice::transform {

using warehouse::QuoteIdentifier;

Result<SeedData> ReadSeed(const Node& node) {
  const std::string& shown = node.path.empty() ? node.seed_file : node.path;
  std::ifstream in(node.seed_file, std::ios::binary);
  if (!in) return Status::IOError(shown + ": cannot read the seed file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid(shown +
                           ": the seed file is empty; a seed needs a header line "
                           "naming its columns");
  }
  connectors::CsvOptions options;
  options.header = true;
  options.null_string = "";  // an unquoted empty field is NULL, as dbt's seeds read it
  if (node.config.delimiter.size() != 1) {
    return Status::Invalid(shown + ": seed config delimiter must be one character, not '" +
                           node.config.delimiter + "'");
  }
  options.delimiter = node.config.delimiter[0];
  SLUICE_ASSIGN_OR_RETURN(SchemaPtr inferred,
                          connectors::CsvReader::InferSchema(text, true, options, shown,
                                                             std::numeric_limits<int>::max()));
  std::vector<Field> fields = inferred->fields();
  for (const auto& [column, type] : node.config.column_types) {
    const int i = inferred->FieldIndex(column);
    if (i < 0) {
      return Status::Invalid(
          shown + ": column_types names column '" + column +
          "', which the CSV header does not have (columns: " + inferred->ToString() + ")");
    }
    fields[static_cast<size_t>(i)].type = DataType::Varchar();  // the warehouse casts it
  }
  SeedData data;
  data.schema = MakeSchema(std::move(fields));

  std::vector<connectors::BadRecord> bad;
  connectors::BadRecordReporter reporter(node.name, [&bad](connectors::BadRecord r) {
    if (bad.size() < 3) bad.push_back(std::move(r));
  });
  connectors::CsvReader reader(data.schema, options, &reporter);
  SLUICE_ASSIGN_OR_RETURN(data.batches,
                          connectors::ReadAllText(&reader, text, shown, kDefaultBatchRows));
  if (reporter.count() > 0) {
    std::string msg = bad.empty() ? shown + ": bad records" : bad[0].location + ": " + bad[0].error;
    for (size_t i = 1; i < bad.size(); ++i) msg += "; " + bad[i].location + ": " + bad[i].error;
    if (reporter.count() > static_cast<int64_t>(bad.size())) {
      msg += " (" + std::to_string(reporter.count()) + " bad records in all)";
    }
    return Status::ParseError(msg + "; fix the file (or set column_types for the column)");
  }
  for (const RecordBatchPtr& b : data.batches) data.rows += b->num_rows();
  return data;
}

Result<BuildOutcome> LoadSeed(const BuildContext& ctx) {
  const Node& n = ctx.n();
  Result<SeedData> data = ReadSeed(n);
  if (!data.ok()) return NodeError(n, data.status());
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.pre_hook));
  Result<RelationType> existing = LookUpRelation(ctx);
  if (!existing.ok()) return NodeError(n, existing.status());

  const std::string tmp_name = n.identifier + "__sluice_tmp";
  const std::string tmp = SiblingRelation(n, "__sluice_tmp");
  auto fail = [&](const Status& st) -> Status {
    (void)ctx.conn->Execute("DROP TABLE IF EXISTS " + tmp);
    return NodeError(n, st);
  };
  Status st = ctx.conn->Execute("DROP TABLE IF EXISTS " + tmp);
  if (st.ok()) st = ctx.conn->EnsureTable(n.schema_name + "." + tmp_name, *data->schema);
  if (!st.ok()) return fail(st);
  {
    Result<std::unique_ptr<warehouse::TableAppender>> appender =
        ctx.conn->Append(n.schema_name + "." + tmp_name, *data->schema);
    if (!appender.ok()) return fail(appender.status());
    for (const RecordBatchPtr& b : data->batches) {
      st = (*appender)->Write(*b);
      if (!st.ok()) return fail(st);
    }
    st = (*appender)->Close();
    if (!st.ok()) return fail(st);
  }
  for (const auto& [column, type] : n.config.column_types) {
    const Field& f = data->schema->field(data->schema->FieldIndex(column));
    const std::string col = QuoteIdentifier(f.name);
    st = ctx.conn->Execute("ALTER TABLE " + tmp + " ALTER COLUMN " + col + " TYPE " + type +
                           " USING CAST(" + col + " AS " + type + ")");
    if (!st.ok()) {
      return fail(Status(st.code(), "column_types " + f.name + ": " + type + ": " + st.message()));
    }
  }
  st = SwapIn(ctx, tmp, *existing);
  if (!st.ok()) return fail(st);
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.post_hook));
  BuildOutcome out;
  out.message = "loaded seed";
  out.rows = data->rows;
  return out;
}

}  // namespace sluice::transform
