#include "connectors/registry.h"

#include "connectors/console_sink.h"
#include "connectors/file_sink.h"
#include "connectors/file_source.h"
#include "connectors/generator_source.h"
#include "connectors/http_source.h"
#include "connectors/warehouse_sink.h"

namespace sluice::connectors {

const std::vector<SourceType>& SourceTypes() {
  static const std::vector<SourceType> kTypes = {
      {"generator", MakeGeneratorSource, "deterministic synthetic data: the shop world or Nexmark"},
      {"file", MakeFileSource, "CSV or NDJSON files matching a glob, optionally followed"},
      {"http", MakeHttpSource, "events posted to the HTTP collector, kept in an embedded log"},
  };
  return kTypes;
}

const std::vector<SinkType>& SinkTypes() {
  static const std::vector<SinkType> kTypes = {
      {"console", MakeConsoleSink, "rows printed to standard output"},
      {"file", MakeFileSink, "NDJSON or CSV file"},
      {"warehouse", MakeWarehouseSink, "a table in the project's warehouse (DuckDB or PostgreSQL)"},
      {"duckdb", MakeDuckDBSink, "a table in the project's warehouse, which must be DuckDB"},
  };
  return kTypes;
}

namespace {

template <typename T, typename Types>
std::unique_ptr<T> Create(const char* what, const Types& types, const std::string& type,
                          const SourceLocation& type_location, OptionReader& options,
                          const ConnectorContext& ctx) {
  std::vector<std::string> names;
  for (const auto& t : types) {
    if (type == t.name) {
      const size_t before = options.diagnostics()->items().size();
      std::unique_ptr<T> made = t.make(options, ctx);
      options.Finish();
      if (options.diagnostics()->items().size() != before) return nullptr;
      return made;
    }
    names.emplace_back(t.name);
  }
  if (type.empty()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    options.diagnostics()->Error(type_location, std::string("missing ") + what + " 'type'",
                                 "set 'type:' to one of " + list);
  } else {
    options.diagnostics()->Error(type_location,
                                 std::string("unknown ") + what + " type '" + type + "'",
                                 SuggestionHint(type, names));
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<Source> CreateSource(const std::string& type, const SourceLocation& type_location,
                                     OptionReader& options, const ConnectorContext& ctx) {
  return Create<Source>("source", SourceTypes(), type, type_location, options, ctx);
}

std::unique_ptr<Sink> CreateSink(const std::string& type, const SourceLocation& type_location,
                                 OptionReader& options, const ConnectorContext& ctx) {
  return Create<Sink>("sink", SinkTypes(), type, type_location, options, ctx);
}

}  // namespace sluice::connectors
