// schema.yml: model/seed/snapshot entries (descriptions, columns, config) and generic tests.
#include <algorithm>
#include <cctype>
#include <set>

#include "transform/manifest_builder.h"

namespace sluice::transform {

namespace {

const std::vector<std::string> kSupportedTests = {"not_null", "unique", "accepted_values",
                                                  "relationships"};

std::string Scalar(const ConfigValue& entry, const char* key) {
  const ConfigValue* v = entry.Find(key);
  return v != nullptr && v->is_scalar() ? v->scalar : "";
}

std::string Sanitize(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  }
  return out;
}

std::vector<ColumnDoc> ReadColumns(const ConfigValue& entry) {
  std::vector<ColumnDoc> out;
  const ConfigValue* cols = entry.Find("columns");
  if (cols == nullptr || !cols->is_list()) return out;
  for (const ConfigValue& c : cols->items) {
    if (!c.is_map()) continue;
    ColumnDoc d;
    d.name = Scalar(c, "name");
    d.description = Scalar(c, "description");
    if (const ConfigValue* t = c.Find("data_type"); t != nullptr && t->is_scalar()) {
      d.data_type = t->scalar;
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

void ManifestBuilder::ApplySchemaFiles() {
  static const std::pair<const char*, NodeKind> kSections[] = {
      {"models", NodeKind::kModel}, {"seeds", NodeKind::kSeed}, {"snapshots", NodeKind::kSnapshot}};
  for (const SchemaFile& f : project_.schema_files) {
    if (!f.root.is_map()) continue;
    for (const auto& [section, kind] : kSections) {
      const ConfigValue* list = f.root.Find(section);
      if (list == nullptr || list->is_null()) continue;
      if (!list->is_list()) {
        diag_->Error(list->location, std::string("'") + section + "' must be a list",
                     "write each entry as '- name: ...'");
        continue;
      }
      for (const ConfigValue& entry : list->items) ApplySchemaEntry(kind, entry, f);
    }
  }
}

void ManifestBuilder::ApplySchemaEntry(NodeKind kind, const ConfigValue& entry,
                                       const SchemaFile& f) {
  const ConfigValue* name = entry.Find("name");
  if (!entry.is_map() || name == nullptr || !name->is_scalar()) {
    diag_->Error(entry.location, std::string("each ") + NodeKindName(kind) + " entry needs a 'name'",
                 "write '- name: ...'");
    return;
  }
  const int index = m_.Find(kind, name->scalar);
  if (index < 0) {
    std::vector<std::string> names;
    for (const Node& n : m_.nodes) {
      if (n.kind == kind) names.push_back(n.name);
    }
    diag_->Error(name->location,
                 std::string("there is no ") + NodeKindName(kind) + " named '" + name->scalar + "'",
                 SuggestionHint(name->scalar, names));
    return;
  }
  Node& n = m_.nodes[static_cast<size_t>(index)];
  if (const std::string d = Scalar(entry, "description"); !d.empty()) n.description = d;
  std::vector<ColumnDoc> columns = ReadColumns(entry);
  if (!columns.empty()) n.columns = std::move(columns);
  if (const ConfigValue* config = entry.Find("config")) {
    ApplyConfigMap(kind, *config, &pending_[static_cast<size_t>(index)].config, diag_);
  }
  CollectTests(kind, n.name, entry, "", f.path);
  if (const ConfigValue* cols = entry.Find("columns"); cols != nullptr && cols->is_list()) {
    for (const ConfigValue& c : cols->items) {
      if (c.is_map()) CollectTests(kind, n.name, c, Scalar(c, "name"), f.path);
    }
  }
}

void ManifestBuilder::CollectTests(NodeKind kind, const std::string& node_name,
                                   const ConfigValue& entry, const std::string& column,
                                   const std::string& path) {
  for (const char* key : {"tests", "data_tests"}) {
    const ConfigValue* list = entry.Find(key);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_list()) {
      diag_->Error(list->location, std::string("'") + key + "' must be a list of tests",
                   "write '- not_null', '- unique', ...");
      continue;
    }
    for (const ConfigValue& spec : list->items) {
      tests_.push_back(PendingTest{kind, node_name, column, &spec, path,
                                   FoldersBelow(path, project_.model_paths)});
    }
  }
}

void ManifestBuilder::AddGenericTests() {
  for (Node& n : m_.nodes) {
    if (n.kind != NodeKind::kSource) continue;
    auto it = project_.sources.find({n.name.substr(0, n.name.find('.')),
                                     n.name.substr(n.name.find('.') + 1)});
    if (it == project_.sources.end()) continue;
    n.columns = ReadColumns(it->second.entry);
    CollectTests(NodeKind::kSource, n.name, it->second.entry, "", it->second.path);
    if (const ConfigValue* cols = it->second.entry.Find("columns"); cols && cols->is_list()) {
      for (const ConfigValue& c : cols->items) {
        if (c.is_map()) CollectTests(NodeKind::kSource, n.name, c, Scalar(c, "name"), it->second.path);
      }
    }
  }
  for (const PendingTest& t : tests_) AddGenericTest(t);
}

int ManifestBuilder::ResolveTestTarget(const ConfigValue& to, const std::string& test_name) {
  if (!to.is_scalar()) {
    diag_->Error(to.location, "relationships 'to' must be ref('model') or source('s', 't')", "");
    return -1;
  }
  RenderScope scope;
  scope.project = &project_;
  scope.manifest = &m_;
  scope.parse = true;
  Result<std::string> out = RenderInScope(&scope, "{{ " + to.scalar + " }}", to.location.file);
  if (!out.ok() || scope.refs.size() + scope.sources.size() != 1) {
    diag_->Error(to.location, "test '" + test_name + "': 'to: " + to.scalar +
                                  "' must be ref('model') or source('source', 'table')",
                 out.ok() ? "" : out.status().message());
    return -1;
  }
  if (!scope.refs.empty()) {
    const std::string& name = scope.refs[0].args.back();
    const int target = FindRefTarget(m_, name);
    if (target < 0) {
      std::vector<std::string> names;
      for (const auto& [n, i] : m_.refs) names.push_back(n);
      diag_->Error(to.location, "test '" + test_name + "': ref('" + name +
                                    "'): no model, seed or snapshot is named '" + name + "'",
                   SuggestionHint(name, names));
    }
    return target;
  }
  const auto& a = scope.sources[0].args;
  int target = m_.Find(NodeKind::kSource, a[0] + "." + a[1]);
  if (target < 0) target = m_.Find(NodeKind::kStream, a[1]);
  if (target < 0) {
    diag_->Error(to.location, "test '" + test_name + "': source('" + a[0] + "', '" + a[1] +
                                  "') is not declared", "declare it under 'sources:'");
  }
  return target;
}

namespace {

// One test entry of a schema file, taken apart.
struct TestSpec {
  std::string test_name;
  const ConfigValue* args = nullptr;       // the map after the test name (may be null)
  const ConfigValue* arguments = nullptr;  // dbt 1.8 `arguments:`, else `args`
  // An argument from `arguments:` or, as older projects write them, inline.
  const ConfigValue* Arg(const char* key) const {
    if (arguments != nullptr && arguments->is_map()) {
      if (const ConfigValue* v = arguments->Find(key)) return v;
    }
    return args != nullptr && args->is_map() ? args->Find(key) : nullptr;
  }
};

bool ParseTestSpec(const ConfigValue& spec, TestSpec* out, Diagnostics* diag) {
  if (spec.is_scalar()) {
    out->test_name = spec.scalar;
  } else if (spec.is_map() && spec.entries.size() == 1) {
    out->test_name = spec.entries[0].key;
    out->args = &spec.entries[0].value;
  } else {
    diag->Error(spec.location, "a test must be a name ('- not_null') or one name with its "
                               "arguments ('- accepted_values: {values: [a, b]}')", "");
    return false;
  }
  if (std::find(kSupportedTests.begin(), kSupportedTests.end(), out->test_name) ==
      kSupportedTests.end()) {
    const std::string close = ClosestMatch(out->test_name, kSupportedTests);
    diag->Error(spec.location, "generic test '" + out->test_name + "' is not supported",
                close.empty() ? "sluice runs not_null, unique, accepted_values and relationships; "
                                "write other checks as singular tests in tests/*.sql"
                              : "did you mean '" + close + "'?");
    return false;
  }
  out->arguments = out->args;
  if (out->args != nullptr && out->args->is_map() && out->args->Find("arguments") != nullptr) {
    out->arguments = out->args->Find("arguments");
  }
  return true;
}

// accepted_values: values and quote. Appends "__value" parts to the test's name.
bool ReadAcceptedValues(const ConfigValue& spec, const TestSpec& ts, GenericTest* g,
                        std::string* name_suffix, Diagnostics* diag) {
  const ConfigValue* values = ts.Arg("values");
  if (values == nullptr || !values->is_list() || values->items.empty()) {
    diag->Error(spec.location, "accepted_values needs 'values:', a list of the allowed values",
                "write '- accepted_values: {values: [placed, shipped]}'");
    return false;
  }
  for (const ConfigValue& v : values->items) {
    g->values.push_back(v.is_scalar() ? v.scalar : "");
    *name_suffix += "__" + g->values.back();
  }
  if (const ConfigValue* q = ts.Arg("quote"); q != nullptr && q->is_scalar()) {
    g->quote = !(q->scalar == "false" || q->scalar == "False" || q->scalar == "no");
  }
  return true;
}

// The test's config: the project's `tests:` tree, then `config:` and inline config keys.
NodeConfig TestConfig(const DbtProject& p, const std::vector<std::string>& folders,
                      const std::string& name, const TestSpec& ts, Diagnostics* diag) {
  ConfigBuilder b;
  b.config.materialized = Materialization::kTest;
  ApplyProjectConfigTree(NodeKind::kTest, p.tests_config, p.name, folders, name, &b);
  if (ts.args != nullptr && ts.args->is_map()) {
    for (const ConfigEntry& e : ts.args->entries) {
      if (e.key == "config") {
        ApplyConfigMap(NodeKind::kTest, e.value, &b, diag);
      } else if (IsConfigKey(e.key) && e.key != "column_name") {
        ApplyConfigKey(NodeKind::kTest, e.key, e.value, &b, diag);
      }
    }
  }
  return FinishConfig(std::move(b));
}

}  // namespace

void ManifestBuilder::AddGenericTest(const PendingTest& t) {
  const ConfigValue& spec = *t.spec;
  TestSpec ts;
  if (!ParseTestSpec(spec, &ts, diag_)) return;
  GenericTest g;
  g.test_name = ts.test_name;
  g.column = t.column;
  if (const ConfigValue* c = ts.Arg("column_name"); c != nullptr && c->is_scalar()) {
    g.column = c->scalar;
  }
  if (g.column.empty()) {
    diag_->Error(spec.location, "test '" + g.test_name + "' needs a column",
                 "list it under the column's 'tests:' (or give column_name:)");
    return;
  }
  std::string suffix;
  if (g.test_name == "accepted_values" && !ReadAcceptedValues(spec, ts, &g, &suffix, diag_)) {
    return;
  }
  const std::string base = t.kind == NodeKind::kSource ? "source_" + g.test_name : g.test_name;
  std::string name = base + "_" + t.node_name + "_" + g.column + suffix;
  if (g.test_name == "relationships") {
    const ConfigValue* to = ts.Arg("to");
    const ConfigValue* field = ts.Arg("field");
    if (to == nullptr || field == nullptr || !field->is_scalar()) {
      diag_->Error(spec.location, "relationships needs 'to:' and 'field:'",
                   "write '- relationships: {to: ref(\'customers\'), field: id}'");
      return;
    }
    g.field = field->scalar;
    name += "__" + g.field + "__" + (to->is_scalar() ? to->scalar : "");
    g.to_node = ResolveTestTarget(*to, name);
    if (g.to_node < 0) return;
  }
  if (const ConfigValue* custom = ts.Arg("name"); custom != nullptr && custom->is_scalar()) {
    name = custom->scalar;
  }
  name = Sanitize(name);
  while (!name.empty() && name.back() == '_') name.pop_back();
  NodeConfig config = TestConfig(project_, t.folders, name, ts, diag_);
  g.attached_node = m_.Find(t.kind, t.node_name);
  if (!config.enabled || g.attached_node < 0) return;  // disabled, or its node is
  std::string unique = name;
  for (int k = 2; m_.Find(NodeKind::kTest, unique) >= 0; ++k) unique = name + "_" + std::to_string(k);
  Node n;
  n.kind = NodeKind::kTest;
  n.name = unique;
  n.unique_id = "test." + project_.name + "." + unique;
  n.path = t.path;
  n.location = spec.location;
  n.folders = t.folders;
  n.config = std::move(config);
  n.depends_on.push_back(g.attached_node);
  if (g.to_node >= 0 && g.to_node != g.attached_node) n.depends_on.push_back(g.to_node);
  std::sort(n.depends_on.begin(), n.depends_on.end());
  n.generic_test = std::move(g);
  AddNode(std::move(n), Pending{});
}

}  // namespace sluice::transform
