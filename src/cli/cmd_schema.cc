// `sluice schema list|show|diff [DIR] [SOURCE]`: the schema registry in the project's
// state dir (docs/schemas.md).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "connectors/schema_registry.h"
#include "core/time.h"
#include "observe/log.h"
#include "project/project.h"

namespace sluice::cli {

namespace fs = std::filesystem;
using connectors::SchemaRegistry;
using connectors::SchemaVersion;

CLI::App* AddSchemaCommand(CLI::App* app, SchemaOptions* o) {
  CLI::App* schema = app->add_subcommand(
      "schema", "Source schemas: the versions sluice registered and how they changed");
  schema->require_subcommand(1);
  CLI::App* list = schema->add_subcommand("list", "Every source's latest schema version");
  CLI::App* show = schema->add_subcommand("show", "A source's schema (latest, or --version vN)");
  CLI::App* diff = schema->add_subcommand(
      "diff", "What changed between two versions of a source's schema (default: the last two)");
  for (CLI::App* sub : {list, show, diff}) {
    sub->add_option("args", o->args, "[DIR] [SOURCE]")->expected(0, 2);
    const std::string name = sub->get_name();
    sub->callback([o, name] { o->action = name; });
  }
  show->add_option("--version", o->from, "The version, e.g. v2 (default: the latest)");
  diff->add_option("--from", o->from, "The older version, e.g. v1 (default: the one before --to)");
  diff->add_option("--to", o->to, "The newer version, e.g. v2 (default: the latest)");
  return schema;
}

namespace {

// "v2" or "2" -> 2; 0 when empty; -1 when malformed.
int ParseVersion(const std::string& text) {
  if (text.empty()) return 0;
  std::string digits = text[0] == 'v' || text[0] == 'V' ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 6) return -1;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
  }
  return std::stoi(digits);
}

void PrintVersion(const std::string& source, const SchemaVersion& v) {
  std::cout << source << " v" << v.version << " (registered " << FormatTimestamp(v.registered_at)
            << " UTC, compatibility " << connectors::CompatibilityName(v.compatibility) << ")\n";
  for (const Field& f : v.schema->fields()) {
    std::cout << "  " << f.name << " " << f.type.ToString() << (f.nullable ? "" : " NOT NULL")
              << "\n";
  }
}

int Fail(const Status& st) {
  std::cerr << "error: " << st.message() << "\n";
  return st.code() == StatusCode::kNotFound ? kExitInvalid : kExitFailure;
}

}  // namespace

int RunSchema(const GlobalOptions& g, const SchemaOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  std::string dir = ".";
  std::string source;
  if (o.args.size() == 2) {
    dir = o.args[0];
    source = o.args[1];
  } else if (o.args.size() == 1) {
    if (fs::is_directory(o.args[0])) {
      dir = o.args[0];
    } else {
      source = o.args[0];
    }
  }
  Diagnostics diag;
  project::Project p = project::LoadProject(dir, &diag);
  if (diag.has_errors()) {
    std::cerr << diag.ToString();
    return kExitInvalid;
  }
  SchemaRegistry reg(p.state_dir);
  Result<std::vector<std::string>> sources = reg.Sources();
  if (!sources.ok()) return Fail(sources.status());
  if (o.action == "list" || (o.action == "show" && source.empty())) {
    if (sources->empty()) {
      std::cout << "no schemas registered yet (`sluice run` and `sluice validate` register "
                   "each source's schema)\n";
      return kExitOk;
    }
    for (const std::string& s : *sources) {
      if (!source.empty() && s != source) continue;
      auto versions = reg.Versions(s);
      if (!versions.ok()) return Fail(versions.status());
      if (o.action == "show") {
        PrintVersion(s, versions->back());
        continue;
      }
      const SchemaVersion& v = versions->back();
      std::cout << s << ": v" << v.version << ", " << v.schema->num_fields() << " fields, "
                << connectors::CompatibilityName(v.compatibility) << ", registered "
                << FormatTimestamp(v.registered_at) << " UTC\n";
    }
    return kExitOk;
  }
  if (source.empty()) {
    std::cerr << "error: name the source: sluice schema " << o.action << " [DIR] SOURCE"
              << (sources->empty() ? "" : " (registered: ");
    for (size_t i = 0; i < sources->size(); ++i) std::cerr << (i ? ", " : "") << (*sources)[i];
    std::cerr << (sources->empty() ? "\n" : ")\n");
    return kExitInvalid;
  }
  auto versions = reg.Versions(source);
  if (!versions.ok()) return Fail(versions.status());
  if (versions->empty()) {
    return Fail(Status::NotFound("no schema registered for source '" + source + "'"));
  }
  const int latest = versions->back().version;
  int from = ParseVersion(o.from);
  int to = ParseVersion(o.to);
  if (from < 0 || to < 0) {
    std::cerr << "error: a version is written v1, v2, ... (got '" << (from < 0 ? o.from : o.to)
              << "')\n";
    return kExitInvalid;
  }
  if (o.action == "show") {
    auto v = reg.Get(source, from == 0 ? latest : from);
    if (!v.ok()) return Fail(v.status());
    PrintVersion(source, *v);
    return kExitOk;
  }
  // diff
  if (to == 0) to = latest;
  if (from == 0) from = to > 1 ? to - 1 : 1;
  auto a = reg.Get(source, from);
  if (!a.ok()) return Fail(a.status());
  auto b = reg.Get(source, to);
  if (!b.ok()) return Fail(b.status());
  std::vector<connectors::SchemaChange> changes = connectors::DiffSchemas(*a->schema, *b->schema);
  std::cout << source << " v" << from << " -> v" << to << " (compatibility "
            << connectors::CompatibilityName(b->compatibility) << ")\n";
  if (changes.empty()) std::cout << "  no changes\n";
  for (const auto& c : changes) {
    const std::string why = connectors::WhyIncompatible(c.kind, b->compatibility);
    std::cout << "  " << c.ToString() << (why.empty() ? "" : "  [incompatible: " + why + "]")
              << "\n";
  }
  return kExitOk;
}

}  // namespace sluice::cli
