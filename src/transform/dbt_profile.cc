// LoadDbtProfile: the warehouse target of a plain dbt project, from profiles.yml.
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "project/yaml_reader.h"
#include "transform/dbt_project.h"
#include "transform/jinja.h"
#include "transform/project_files.h"
#include "transform/render_helpers.h"

namespace sluice::transform {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSecretMessage = "looks like a secret written in the file";

// Locations of scalars that use Jinja ({{ env_var(...) }}): secrets that are not literal.
void CollectTemplated(const ConfigValue& v, std::set<std::pair<int, int>>* out) {
  if (v.is_scalar() && v.scalar.find("{{") != std::string::npos) {
    out->insert({v.location.line, v.location.column});
  }
  for (const ConfigValue& item : v.items) CollectTemplated(item, out);
  for (const ConfigEntry& e : v.entries) CollectTemplated(e.value, out);
}

// Renders a profile value: "{{ env_var('PGHOST', 'localhost') }}" -> its text. Values read
// from the environment are added to `secrets` when `secret` is set.
bool RenderValue(const ConfigValue& v, bool secret, DbtProject* p, Diagnostics* diag,
                 std::string* out) {
  if (v.scalar.find("{{") == std::string::npos && v.scalar.find("{%") == std::string::npos) {
    *out = v.scalar;
    return true;
  }
  Environment env;
  std::vector<std::string> used;
  AddEnvVarFunction(&env, &used);
  Result<Template> t = Template::Parse(v.scalar, v.location.file);
  Result<std::string> text = t.ok() ? t->Render(env) : Result<std::string>(t.status());
  if (!text.ok()) {
    diag->Error(v.location, "cannot render the value: " + text.status().message(),
                "use {{ env_var('NAME') }} or {{ env_var('NAME', 'default') }}");
    return false;
  }
  if (secret) {
    for (std::string& s : used) {
      if (!s.empty()) p->secrets.push_back(std::move(s));
    }
  }
  *out = std::move(*text);
  return true;
}

std::string Get(const ConfigValue& output, const char* key, bool secret, DbtProject* p,
                Diagnostics* diag, const std::string& fallback = "") {
  const ConfigValue* v = output.Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_scalar()) {
    diag->Error(v->location, std::string("'") + key + "' must be a single value",
                "write it as 'key: value'");
    return fallback;
  }
  std::string text;
  return RenderValue(*v, secret, p, diag, &text) ? text : fallback;
}

// 'value' for a libpq key=value string.
std::string ConnValue(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void ReadOutput(const ConfigValue& output, const std::string& target_name,
                const std::string& shown, DbtProject* p, Diagnostics* diag) {
  WarehouseTarget& t = p->target;
  t.name = target_name;
  t.origin = shown + " target '" + target_name + "'";
  if (!output.is_map()) {
    diag->Error(output.location, "target '" + target_name + "' must be a map",
                "give it 'type:' and the connection settings");
    return;
  }
  t.type = Get(output, "type", false, p, diag);
  const std::string threads = Get(output, "threads", false, p, diag, "0");
  const auto [end, ec] = std::from_chars(threads.data(), threads.data() + threads.size(),
                                          t.threads);
  if (ec != std::errc() || end != threads.data() + threads.size() || t.threads < 0) {
    t.threads = 0;
    diag->Error(output.Find("threads")->location,
                "'threads' must be a whole number, found '" + threads + "'",
                "write e.g. 'threads: 4'");
  }
  if (t.type == "duckdb") {
    std::string path = Get(output, "path", false, p, diag);
    if (path.empty()) {
      path = (fs::path(p->state_dir) / "warehouse.duckdb").string();
    } else if (path != ":memory:" && fs::path(path).is_relative()) {
      path = (fs::path(p->dir) / path).lexically_normal().string();
    }
    t.path = path;
    t.schema = Get(output, "schema", false, p, diag, "main");
    t.database = Get(output, "database", false, p, diag);
  } else if (t.type == "postgres") {
    const std::string host = Get(output, "host", false, p, diag, "localhost");
    const std::string port = Get(output, "port", false, p, diag, "5432");
    const std::string user = Get(output, "user", false, p, diag);
    std::string password = Get(output, "password", true, p, diag);
    if (password.empty()) password = Get(output, "pass", true, p, diag);
    std::string dbname = Get(output, "dbname", false, p, diag);
    if (dbname.empty()) dbname = Get(output, "database", false, p, diag);
    const std::string sslmode = Get(output, "sslmode", false, p, diag);
    t.schema = Get(output, "schema", false, p, diag, "public");
    t.database = dbname;
    std::string conn = "host=" + ConnValue(host) + " port=" + ConnValue(port);
    if (!user.empty()) conn += " user=" + ConnValue(user);
    if (!password.empty()) conn += " password=" + ConnValue(password);
    if (!dbname.empty()) conn += " dbname=" + ConnValue(dbname);
    if (!sslmode.empty()) conn += " sslmode=" + ConnValue(sslmode);
    t.conninfo = conn;
  } else {
    const ConfigValue* type = output.Find("type");
    diag->Error(type != nullptr ? type->location : output.location,
                type == nullptr ? "target '" + target_name + "' has no 'type'"
                                : "unsupported warehouse type '" + t.type + "'",
                "sluice supports 'type: duckdb' and 'type: postgres'");
  }
}

// The profiles.yml to read, or "" when there is none.
fs::path FindProfiles(const DbtProject& p) {
  std::error_code ec;
  const fs::path local = fs::path(p.dir) / "profiles.yml";
  if (fs::is_regular_file(local, ec)) return local;
  if (const char* env = std::getenv("DBT_PROFILES_DIR"); env != nullptr && *env != '\0') {
    const fs::path f = fs::path(env) / "profiles.yml";
    return fs::is_regular_file(f, ec) ? f : fs::path();
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    const fs::path f = fs::path(home) / ".dbt" / "profiles.yml";
    if (fs::is_regular_file(f, ec)) return f;
  }
  return {};
}

}  // namespace

void LoadDbtProfile(const std::string& profile_name, const LoadOptions& options, DbtProject* p,
                    Diagnostics* diag) {
  WarehouseTarget& t = p->target;
  t = WarehouseTarget{};
  t.type = "duckdb";
  t.path = (fs::path(p->state_dir) / "warehouse.duckdb").string();
  t.schema = "main";
  t.origin = "the embedded DuckDB default (no profiles.yml)";
  const fs::path file = FindProfiles(*p);
  if (file.empty()) return;
  const bool in_project = file.parent_path() == fs::path(p->dir);
  const std::string shown = in_project ? "profiles.yml" : file.string();

  Diagnostics local;
  std::string text;
  if (!ReadTextFile(file.string(), shown, &text, &local)) {
    diag->AppendByPosition(local);
    return;
  }
  Diagnostics parse_diag;
  Result<ConfigValue> root = project::ParseYaml(text, shown, &parse_diag, &p->secrets);
  // A password from {{ env_var() }} is not written in the file, and a profiles.yml outside
  // the project (~/.dbt) is not kept in the project's repository.
  std::set<std::pair<int, int>> templated;
  if (root.ok()) CollectTemplated(*root, &templated);
  for (const Diagnostic& d : parse_diag.items()) {
    const bool secret = d.message.find(kSecretMessage) != std::string::npos;
    if (secret && (!in_project || templated.count({d.location.line, d.location.column}) > 0)) {
      continue;
    }
    local.Error(d.location, d.message, d.hint);
  }
  if (root.ok() && root->is_map()) {
    const ConfigValue* profile = root->Find(profile_name);
    if (profile == nullptr || !profile->is_map()) {
      std::vector<std::string> names;
      for (const ConfigEntry& e : root->entries) {
        if (e.key != "config") names.push_back(e.key);
      }
      local.Error(profile == nullptr ? root->location : profile->location,
                  "profile '" + profile_name + "' is not in " + shown,
                  names.empty() ? "add it, or set 'profile:' in dbt_project.yml"
                                : SuggestionHint(profile_name, names));
    } else {
      std::string target_name = options.target;
      if (target_name.empty()) target_name = Get(*profile, "target", false, p, &local, "dev");
      const ConfigValue* outputs = profile->Find("outputs");
      const ConfigValue* output = outputs != nullptr ? outputs->Find(target_name) : nullptr;
      if (output == nullptr) {
        std::vector<std::string> names;
        if (outputs != nullptr) {
          for (const ConfigEntry& e : outputs->entries) names.push_back(e.key);
        }
        local.Error(outputs != nullptr ? outputs->location : profile->location,
                    "profile '" + profile_name + "' has no output '" + target_name + "'",
                    names.empty() ? "add 'outputs:' with a '" + target_name + ":' target"
                                  : SuggestionHint(target_name, names));
      } else {
        ReadOutput(*output, target_name, shown, p, &local);
      }
    }
  } else if (root.ok() && !root->is_null()) {
    local.Error(root->location, shown + " must be a map of profiles",
                "start with the profile name, then 'target:' and 'outputs:'");
  }
  diag->AppendByPosition(local);
}

}  // namespace sluice::transform
