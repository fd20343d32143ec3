// sources/, sinks/ and streams/: one file per source, sink, or group of stream statements.
#include <algorithm>
#include <cctype>
#include <system_error>

#include "core/schema.h"
#include "project/project_internal.h"
#include "project/yaml_reader.h"

namespace sluice::project::internal {

namespace fs = std::filesystem;

namespace {

bool HasExtension(const std::string& name, const std::vector<std::string>& extensions) {
  for (const auto& ext : extensions) {
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
      return true;
    }
  }
  return false;
}

// Checks the keys every source and sink file has and fills `spec` (whose `file` and
// `options` are set). The stem of the file name is the default name.
void ReadCommonKeys(std::string_view kind, const std::string& stem, ConnectorSpec* spec,
                    Diagnostics* diag) {
  OptionReader r(spec->options, diag);
  const SourceLocation file_location{spec->file, 0, 0};
  if (const ConfigValue* name = spec->options.Find("name")) {
    spec->name = r.String("name", "");  // reports a list or map
    spec->name_location = r.LocationOf("name");
    if (!name->is_scalar() && !name->is_null()) {
      spec->name.clear();
    } else if (!IsIdentifier(spec->name)) {
      r.Error("name", std::string(kind) + " name '" + spec->name + "' is not a valid name",
              "use letters, digits and '_', starting with a letter; it is the table name in SQL");
      spec->name.clear();
    }
  } else {
    spec->name = stem;
    spec->name_location = file_location;
    if (!IsIdentifier(stem)) {
      diag->Error(file_location,
                  "the file name '" + stem + "' is not a valid " + std::string(kind) + " name",
                  "rename the file (letters, digits and '_', starting with a letter) or set "
                  "'name:' in it");
      spec->name.clear();
    }
  }
  const std::string type_hint = std::string(kind) == "source"
                                    ? "say what kind of source this is, e.g. 'type: generator'"
                                    : "say what kind of sink this is, e.g. 'type: duckdb'";
  if (const ConfigValue* type = spec->options.Find("type")) {
    spec->type = r.String("type", "");  // reports a list or map
    spec->type_location = r.LocationOf("type");
    if (spec->type.empty() && (type->is_scalar() || type->is_null())) {
      r.Error("type", "'type' is empty", type_hint);
    }
  } else {
    diag->Error(spec->options.location, "missing required key 'type'", type_hint);
  }
  spec->description = r.String("description", "");
  // No Finish(): the other keys are the connector's, which reports unknown ones.
}

// Reads one source or sink file and appends it to `out` unless its name is unusable.
void LoadConnectorFile(const fs::path& dir, const std::string& rel, std::string_view kind,
                       std::string_view folder, std::vector<ConnectorSpec>* out,
                       std::vector<std::string>* secrets, Diagnostics* diag) {
  std::string text;
  if (!ReadTextFile((dir / rel).string(), rel, &text, diag)) return;
  Result<ConfigValue> root = ParseYaml(text, rel, diag, secrets);
  if (!root.ok()) return;
  if (root->is_null()) {
    diag->Error(SourceLocation{rel, 1, 1}, "the file is empty",
                "a " + std::string(kind) + " needs at least 'type:'");
    return;
  }
  if (!root->is_map()) {
    diag->Error(root->location,
                "a " + std::string(kind) + " file must be a map of options, found " +
                    root->KindName(),
                "write 'key: value' lines, starting with 'type: ...'");
    return;
  }
  ConnectorSpec spec;
  spec.file = rel;
  spec.options = std::move(root).value();
  ReadCommonKeys(kind, fs::path(rel).stem().string(), &spec, diag);
  if (spec.name.empty()) return;  // reported; keeping it would only repeat errors
  for (const ConnectorSpec& other : *out) {
    if (!EqualsIgnoreCase(other.name, spec.name)) continue;
    diag->Error(spec.name_location,
                std::string(kind) + " '" + spec.name + "' is already defined in " + other.file,
                "names must be unique among " + std::string(folder) +
                    " (case does not matter); rename one of them");
    return;
  }
  out->push_back(std::move(spec));
}

}  // namespace

std::vector<std::string> ListFolder(const fs::path& dir, std::string_view folder,
                                    const std::vector<std::string>& extensions,
                                    std::string_view what, Diagnostics* diag) {
  std::vector<std::string> files;
  const std::string shown = std::string(folder) + "/";
  std::error_code ec;
  const fs::file_status st = fs::status(dir / folder, ec);
  if (!fs::exists(st)) return files;
  if (!fs::is_directory(st)) {
    diag->Error(SourceLocation{std::string(folder), 0, 0},
                std::string(folder) + " is a file; it must be a folder holding " +
                    std::string(what),
                "move the file away and create the folder " + shown);
    return files;
  }
  std::vector<fs::directory_entry> entries;
  fs::directory_iterator it(dir / folder, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) entries.push_back(*it);
  if (ec) {
    diag->Error(SourceLocation{shown, 0, 0}, "cannot list the folder: " + ec.message(),
                "check that it is readable");
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // editor and system files
    const std::string rel = shown + name;
    std::error_code sec;
    if (entry.is_directory(sec)) {
      diag->Error(SourceLocation{rel + "/", 0, 0}, "subfolders of " + shown + " are not read",
                  shown + " holds " + std::string(what) + "; move '" + name + "/' out of it");
      continue;
    }
    if (!HasExtension(name, extensions)) {
      std::string exts;
      for (const auto& e : extensions) exts += (exts.empty() ? "" : " or ") + e;
      diag->Error(SourceLocation{rel, 0, 0},
                  "'" + name + "' is not read: " + shown + " holds " + std::string(what),
                  "rename it to end in " + exts + ", or move it out of " + shown);
      continue;
    }
    files.push_back(rel);
  }
  return files;
}

void LoadConnectors(const fs::path& dir, std::string_view folder, std::string_view kind,
                    std::vector<ConnectorSpec>* out, std::vector<std::string>* secrets,
                    Diagnostics* diag) {
  const std::string what = "one .yaml file per " + std::string(kind);
  for (const std::string& rel : ListFolder(dir, folder, {".yaml", ".yml"}, what, diag)) {
    Diagnostics file_diag;
    LoadConnectorFile(dir, rel, kind, folder, out, secrets, &file_diag);
    diag->AppendByPosition(file_diag);
  }
}

void LoadStreams(const fs::path& dir, std::vector<StreamFile>* out, Diagnostics* diag) {
  for (const std::string& rel :
       ListFolder(dir, "streams", {".sql"}, "continuous SQL in .sql files", diag)) {
    StreamFile f;
    f.path = rel;
    f.abs_path = (dir / rel).string();
    if (!ReadTextFile((dir / rel).string(), rel, &f.text, diag)) continue;
    out->push_back(std::move(f));
  }
}

}  // namespace sluice::project::internal
