#include "connectors/schema_registry.h"

#include "core/file_io.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/json.h"
#include "core/time.h"

namespace sluice::connectors {

namespace fs = std::filesystem;

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string TypeText(const Field& f) {
  return f.type.ToString() + (f.nullable ? "" : " NOT NULL");
}

// Writes `text` to `path` through a temp file and a rename, so readers never see half.
std::string TimeText(int64_t micros) {
  char buf[40];
  const int n = FormatTimestampIso(micros, buf);
  return std::string(buf, static_cast<size_t>(n));
}

std::string VersionJson(const std::string& source, const SchemaVersion& v) {
  std::string out = "{\"source\": ";
  AppendJsonString(&out, source);
  out += ", \"version\": " + std::to_string(v.version) + ", \"registered_at\": \"" +
         TimeText(v.registered_at) + "\", \"compatibility\": \"" +
         std::string(CompatibilityName(v.compatibility)) + "\",\n \"fields\": [";
  for (int i = 0; i < v.schema->num_fields(); ++i) {
    const Field& f = v.schema->field(i);
    out += i ? ",\n  " : "\n  ";
    out += "{\"name\": ";
    AppendJsonString(&out, f.name);
    out += ", \"type\": ";
    AppendJsonString(&out, f.type.ToString());
    out += std::string(", \"nullable\": ") + (f.nullable ? "true" : "false") + "}";
  }
  return out + "\n]}\n";
}

std::string IndexJson(const std::string& source, const std::vector<SchemaVersion>& versions) {
  std::string out = "{\"source\": ";
  AppendJsonString(&out, source);
  out += ", \"latest\": " + std::to_string(versions.empty() ? 0 : versions.back().version) +
         ", \"versions\": [";
  for (size_t i = 0; i < versions.size(); ++i) {
    out += i ? ",\n  " : "\n  ";
    out += "{\"version\": " + std::to_string(versions[i].version) + ", \"file\": \"v" +
           std::to_string(versions[i].version) + ".json\", \"registered_at\": \"" +
           TimeText(versions[i].registered_at) + "\"}";
  }
  return out + "\n]}\n";
}

Result<SchemaVersion> ParseVersionFile(const std::string& path) {
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path).get(text) != simdjson::SUCCESS) {
    return Status::IOError("cannot read schema version file " + path);
  }
  const auto bad = [&path](const std::string& what) {
    return Status::Invalid("schema version file " + path + " is damaged (" + what +
                           "); restore it or remove the source's folder to start over at v1");
  };
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS) return bad("not JSON");
  SchemaVersion v;
  int64_t version = 0;
  std::string_view registered, compat;
  simdjson::dom::array fields;
  if (doc["version"].get_int64().get(version) != simdjson::SUCCESS || version <= 0 ||
      version > 1000000) {
    return bad("no valid \"version\"");
  }
  v.version = static_cast<int>(version);
  if (doc["registered_at"].get_string().get(registered) == simdjson::SUCCESS) {
    (void)ParseTimestamp(registered, &v.registered_at);
  }
  if (doc["compatibility"].get_string().get(compat) == simdjson::SUCCESS) {
    v.compatibility = ParseCompatibility(compat).value_or(SchemaCompatibility::kBackward);
  }
  if (doc["fields"].get_array().get(fields) != simdjson::SUCCESS) return bad("no \"fields\"");
  std::vector<Field> out;
  for (simdjson::dom::element f : fields) {
    std::string_view name, type;
    bool nullable = true;
    if (f["name"].get_string().get(name) != simdjson::SUCCESS ||
        f["type"].get_string().get(type) != simdjson::SUCCESS) {
      return bad("a field without \"name\" or \"type\"");
    }
    if (f["nullable"].get_bool().get(nullable) != simdjson::SUCCESS) nullable = true;
    Result<DataType> t = ParseDataType(type);
    if (!t.ok()) return bad("field '" + std::string(name) + "': " + t.status().message());
    out.push_back(Field{std::string(name), *t, nullable});
  }
  v.schema = MakeSchema(std::move(out));
  return v;
}

}  // namespace

std::string_view CompatibilityName(SchemaCompatibility mode) {
  switch (mode) {
    case SchemaCompatibility::kBackward: return "BACKWARD";
    case SchemaCompatibility::kForward: return "FORWARD";
    case SchemaCompatibility::kFull: return "FULL";
    case SchemaCompatibility::kNone: return "NONE";
  }
  return "BACKWARD";
}

std::optional<SchemaCompatibility> ParseCompatibility(std::string_view text) {
  const std::string t = Upper(text);
  if (t == "BACKWARD") return SchemaCompatibility::kBackward;
  if (t == "FORWARD") return SchemaCompatibility::kForward;
  if (t == "FULL") return SchemaCompatibility::kFull;
  if (t == "NONE") return SchemaCompatibility::kNone;
  return std::nullopt;
}

SchemaCompatibility ReadSchemaCompatibility(OptionReader* r) {
  std::optional<std::string> text = r->OptionalString("schema_compatibility");
  if (!text) return SchemaCompatibility::kBackward;
  std::optional<SchemaCompatibility> mode = ParseCompatibility(*text);
  if (!mode) {
    r->Error("schema_compatibility", "unknown schema compatibility '" + *text + "'",
             "use BACKWARD (the default), FORWARD, FULL or NONE");
    return SchemaCompatibility::kBackward;
  }
  return *mode;
}

std::string SchemaChange::ToString() const {
  const std::string f = "field '" + field + "'";
  switch (kind) {
    case SchemaChangeKind::kAddedNullable: return f + ": added (" + after + ")";
    case SchemaChangeKind::kAddedRequired: return f + ": added as required (" + after + ")";
    case SchemaChangeKind::kRemovedNullable: return f + ": removed (was " + before + ")";
    case SchemaChangeKind::kRemovedRequired: return f + ": removed (was required, " + before + ")";
    case SchemaChangeKind::kTypeChanged:
      return f + ": type changed from " + before + " to " + after;
    case SchemaChangeKind::kMadeNullable: return f + ": made nullable (was " + before + ")";
    case SchemaChangeKind::kMadeRequired: return f + ": made required (now " + after + ")";
  }
  return f;
}

std::vector<SchemaChange> DiffSchemas(const Schema& from, const Schema& to) {
  std::vector<SchemaChange> out;
  for (const Field& f : to.fields()) {
    const int i = from.FieldIndex(f.name);
    if (i < 0) {
      out.push_back({f.nullable ? SchemaChangeKind::kAddedNullable
                                : SchemaChangeKind::kAddedRequired,
                     f.name, "", TypeText(f)});
      continue;
    }
    const Field& old = from.field(i);
    if (!(old.type == f.type)) {
      out.push_back({SchemaChangeKind::kTypeChanged, f.name, old.type.ToString(),
                     f.type.ToString()});
    } else if (old.nullable != f.nullable) {
      out.push_back({f.nullable ? SchemaChangeKind::kMadeNullable : SchemaChangeKind::kMadeRequired,
                     f.name, TypeText(old), TypeText(f)});
    }
  }
  for (const Field& old : from.fields()) {
    if (to.FieldIndex(old.name) >= 0) continue;
    out.push_back({old.nullable ? SchemaChangeKind::kRemovedNullable
                                : SchemaChangeKind::kRemovedRequired,
                   old.name, TypeText(old), ""});
  }
  return out;
}

namespace {
// Why a change breaks reading OLD data with the NEW schema ("" if it does not).
std::string BackwardProblem(SchemaChangeKind kind) {
  switch (kind) {
    case SchemaChangeKind::kAddedRequired:
      return "records written before lack it, so it cannot be required";
    case SchemaChangeKind::kTypeChanged:
      return "records written before hold the old type";
    case SchemaChangeKind::kMadeRequired:
      return "records written before may hold NULL in it";
    default: return "";
  }
}
// Why a change breaks reading NEW data with the OLD schema ("" if it does not).
std::string ForwardProblem(SchemaChangeKind kind) {
  switch (kind) {
    case SchemaChangeKind::kRemovedRequired:
      return "readers of the previous version require it, and new records lack it";
    case SchemaChangeKind::kTypeChanged:
      return "readers of the previous version expect the old type";
    case SchemaChangeKind::kMadeNullable:
      return "readers of the previous version do not expect NULL in it";
    default: return "";
  }
}
}  // namespace

std::string WhyIncompatible(SchemaChangeKind kind, SchemaCompatibility mode) {
  switch (mode) {
    case SchemaCompatibility::kNone: return "";
    case SchemaCompatibility::kBackward: return BackwardProblem(kind);
    case SchemaCompatibility::kForward: return ForwardProblem(kind);
    case SchemaCompatibility::kFull: {
      std::string why = BackwardProblem(kind);
      return why.empty() ? ForwardProblem(kind) : why;
    }
  }
  return "";
}

bool IsAllowed(SchemaChangeKind kind, SchemaCompatibility mode) {
  return WhyIncompatible(kind, mode).empty();
}

SchemaRegistry::SchemaRegistry(std::string state_dir) : root_(std::move(state_dir) + "/schemas") {}

std::string SchemaRegistry::SourceDir(const std::string& source) const {
  return root_ + "/" + source;
}

Result<std::vector<std::string>> SchemaRegistry::Sources() const {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return out;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "v1.json")) {
      out.push_back(entry.path().filename().string());
    }
  }
  if (ec) return Status::IOError("cannot list " + root_ + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<SchemaVersion>> SchemaRegistry::Versions(const std::string& source) const {
  // The version files are the truth (v1, v2, ... without gaps); the index is for people
  // and tools, rewritten after each new version.
  std::vector<SchemaVersion> out;
  for (int v = 1;; ++v) {
    const std::string path = SourceDir(source) + "/v" + std::to_string(v) + ".json";
    std::error_code ec;
    if (!fs::exists(path, ec)) break;
    SLUICE_ASSIGN_OR_RETURN(SchemaVersion sv, ParseVersionFile(path));
    if (sv.version != v) {
      return Status::Invalid("schema version file " + path + " says version " +
                             std::to_string(sv.version) + "; restore it or remove " +
                             SourceDir(source) + " to start over at v1");
    }
    out.push_back(std::move(sv));
  }
  return out;
}

Result<SchemaVersion> SchemaRegistry::Get(const std::string& source, int version) const {
  SLUICE_ASSIGN_OR_RETURN(std::vector<SchemaVersion> all, Versions(source));
  if (all.empty()) {
    return Status::NotFound("no schema registered for source '" + source +
                            "' (sources register when `sluice run` or `sluice validate` sees them)");
  }
  if (version < 1 || version > static_cast<int>(all.size())) {
    return Status::NotFound("source '" + source + "' has no schema version v" +
                            std::to_string(version) + "; it has v1 to v" +
                            std::to_string(all.size()));
  }
  return all[static_cast<size_t>(version - 1)];
}

Result<RegisterOutcome> SchemaRegistry::Check(const std::string& source, const Schema& schema,
                                              SchemaCompatibility mode) const {
  SLUICE_ASSIGN_OR_RETURN(std::vector<SchemaVersion> all, Versions(source));
  RegisterOutcome out;
  if (all.empty()) {
    out.version = 1;
    out.registered = true;
    return out;
  }
  const SchemaVersion& latest = all.back();
  if (*latest.schema == schema) {
    out.version = latest.version;
    return out;
  }
  out.changes = DiffSchemas(*latest.schema, schema);
  std::string problems;
  for (const SchemaChange& c : out.changes) {
    const std::string why = WhyIncompatible(c.kind, mode);
    if (!why.empty()) problems += "\n  " + c.ToString() + ": " + why;
  }
  if (!problems.empty()) {
    return Status::Invalid(
        "the schema of source '" + source + "' changed incompatibly with v" +
        std::to_string(latest.version) + " under " + std::string(CompatibilityName(mode)) +
        " compatibility:" + problems +
        "\nto accept it: revert the change, make added fields nullable, or set "
        "`schema_compatibility:` on the source (FORWARD, FULL or NONE); see "
        "`sluice schema show` and docs/schemas.md");
  }
  out.version = latest.version + 1;
  out.registered = true;
  return out;
}

Result<RegisterOutcome> SchemaRegistry::Register(const std::string& source, const Schema& schema,
                                                 SchemaCompatibility mode) {
  SLUICE_ASSIGN_OR_RETURN(RegisterOutcome out, Check(source, schema, mode));
  if (!out.registered) return out;
  const std::string dir = SourceDir(source);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  SchemaVersion v;
  v.version = out.version;
  v.registered_at = NowMicros();
  v.compatibility = mode;
  v.schema = std::make_shared<const Schema>(schema);
  SLUICE_RETURN_NOT_OK(WriteFileDurably(dir + "/v" + std::to_string(v.version) + ".json",
                                           VersionJson(source, v)));
  SLUICE_ASSIGN_OR_RETURN(std::vector<SchemaVersion> all, Versions(source));
  SLUICE_RETURN_NOT_OK(WriteFileDurably(dir + "/index.json", IndexJson(source, all)));
  return out;
}

bool RegisterSourceSchema(const std::string& state_dir, const std::string& source,
                          const Schema& schema, SchemaCompatibility mode,
                          const SourceLocation& where, Diagnostics* diag) {
  SchemaRegistry registry(state_dir);
  Result<RegisterOutcome> r = registry.Register(source, schema, mode);
  if (!r.ok()) {
    diag->Error(where, r.status().message());
    return false;
  }
  return true;
}

}  // namespace sluice::connectors
