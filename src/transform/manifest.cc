// BuildManifest: project files -> nodes with configs, relations and dependencies.
#include "transform/manifest.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "project/project.h"
#include "transform/dag_check.h"
#include "transform/manifest_builder.h"
#include "transform/render_helpers.h"

namespace sluice::transform {

const char* NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kModel: return "model";
    case NodeKind::kSeed: return "seed";
    case NodeKind::kSnapshot: return "snapshot";
    case NodeKind::kTest: return "test";
    case NodeKind::kSource: return "source";
    case NodeKind::kStream: return "stream";
  }
  return "?";
}

int Manifest::Find(NodeKind kind, const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].kind == kind && nodes[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> FoldersBelow(const std::string& path,
                                      const std::vector<std::string>& roots) {
  std::vector<std::string> out;
  for (const std::string& root : roots) {
    const std::string prefix = root + "/";
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = path.substr(prefix.size());
    size_t start = 0;
    for (size_t slash = rest.find('/'); slash != std::string::npos;
         slash = rest.find('/', start)) {
      out.push_back(rest.substr(start, slash - start));
      start = slash + 1;
    }
    return out;
  }
  return out;
}

namespace {

struct Tag {
  size_t begin = 0;  // offset of "{%"
  size_t end = 0;    // offset just past "%}"
  std::string word;  // first word inside
  std::string rest;  // the remainder, trimmed
  int line = 0;
  int column = 0;
};

std::string Trim(const std::string& s) {
  size_t a = 0;
  size_t b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::vector<Tag> ScanTags(const std::string& text) {
  std::vector<Tag> tags;
  int line = 1;
  size_t line_start = 0;
  size_t counted = 0;
  for (size_t i = text.find("{%"); i != std::string::npos; i = text.find("{%", i + 2)) {
    for (; counted < i; ++counted) {
      if (text[counted] == '\n') {
        ++line;
        line_start = counted + 1;
      }
    }
    const size_t close = text.find("%}", i + 2);
    if (close == std::string::npos) break;
    std::string inner = text.substr(i + 2, close - i - 2);
    if (!inner.empty() && (inner.front() == '-' || inner.front() == '+')) inner.erase(0, 1);
    if (!inner.empty() && (inner.back() == '-' || inner.back() == '+')) inner.pop_back();
    inner = Trim(inner);
    Tag t;
    t.begin = i;
    t.end = close + 2;
    const size_t sp = inner.find_first_of(" \t\r\n");
    t.word = inner.substr(0, sp);
    t.rest = sp == std::string::npos ? "" : Trim(inner.substr(sp));
    t.line = line;
    t.column = static_cast<int>(i - line_start) + 1;
    tags.push_back(std::move(t));
  }
  return tags;
}

// `text` with everything outside [begin, end) blanked (newlines kept, so that positions in
// error messages stay those of the file).
std::string Blank(const std::string& text, size_t begin, size_t end) {
  std::string out = text;
  for (size_t i = 0; i < out.size(); ++i) {
    if ((i < begin || i >= end) && out[i] != '\n') out[i] = ' ';
  }
  return out;
}

}  // namespace

ManifestBuilder::ManifestBuilder(const DbtProject& project, Diagnostics* diag)
    : project_(project), diag_(diag) {
  m_.project = &project_;
  Environment env;
  for (const MacroFile& f : project_.macros) {
    Status st = env.LoadMacros(f.text, f.path);
    if (!st.ok()) diag_->AddFormatted(st.message());
    Result<Template> t = Template::Parse(f.text, f.path);
    if (!t.ok()) continue;
    for (const std::string& name : t->MacroNames()) {
      if (name == "generate_schema_name") generate_schema_macro_ = f.path;
    }
  }
  CheckProjectConfigTree(NodeKind::kModel, project_.models_config, diag_);
  CheckProjectConfigTree(NodeKind::kSeed, project_.seeds_config, diag_);
  CheckProjectConfigTree(NodeKind::kSnapshot, project_.snapshots_config, diag_);
  CheckProjectConfigTree(NodeKind::kTest, project_.tests_config, diag_);
}

int ManifestBuilder::AddNode(Node node, Pending pending) {
  m_.nodes.push_back(std::move(node));
  pending_.push_back(std::move(pending));
  return static_cast<int>(m_.nodes.size()) - 1;
}

void ManifestBuilder::AddFileNodes() {
  const std::string& p = project_.name;
  auto make = [&](NodeKind kind, const ModelFile& f, const ConfigValue& tree, Materialization mat) {
    Node n;
    n.kind = kind;
    n.name = f.name;
    n.unique_id = std::string(NodeKindName(kind)) + "." + p + "." + f.name;
    n.path = f.path;
    n.location = SourceLocation{f.path, 0, 0};
    n.folders = f.folders;
    n.raw_sql = f.text;
    Pending pending;
    pending.config.config.materialized = mat;
    ApplyProjectConfigTree(kind, tree, p, f.folders, f.name, &pending.config);
    return std::make_pair(std::move(n), std::move(pending));
  };
  for (const ModelFile& f : project_.models) {
    auto [n, pending] = make(NodeKind::kModel, f, project_.models_config, Materialization::kView);
    AddNode(std::move(n), std::move(pending));
  }
  for (const ModelFile& f : project_.seeds) {
    auto [n, pending] = make(NodeKind::kSeed, f, project_.seeds_config, Materialization::kSeed);
    n.seed_file = f.abs_path;
    AddNode(std::move(n), std::move(pending));
  }
  for (const ModelFile& f : project_.snapshots) AddSnapshotNodes(f);
  for (const ModelFile& f : project_.tests) {
    auto [n, pending] = make(NodeKind::kTest, f, project_.tests_config, Materialization::kTest);
    AddNode(std::move(n), std::move(pending));
  }
}

void ManifestBuilder::AddSnapshotNodes(const ModelFile& f) {
  const std::vector<Tag> tags = ScanTags(f.text);
  int found = 0;
  for (size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].word != "snapshot") continue;
    const Tag& open = tags[i];
    const SourceLocation where{f.path, open.line, open.column};
    size_t j = i + 1;
    while (j < tags.size() && tags[j].word != "endsnapshot") ++j;
    if (j == tags.size()) {
      diag_->Error(where, "'{% snapshot " + open.rest + " %}' is never closed",
                   "add '{% endsnapshot %}' after the snapshot's SELECT");
      return;
    }
    ++found;
    if (!project::IsIdentifier(open.rest)) {
      diag_->Error(where, "'" + open.rest + "' is not a snapshot name",
                   "write '{% snapshot name %}' with letters, digits and '_'");
      i = j;
      continue;
    }
    Node n;
    n.kind = NodeKind::kSnapshot;
    n.name = open.rest;
    n.unique_id = "snapshot." + project_.name + "." + n.name;
    n.path = f.path;
    n.location = where;
    n.folders = f.folders;
    n.raw_sql = Blank(f.text, open.end, tags[j].begin);
    Pending pending;
    pending.config.config.materialized = Materialization::kSnapshot;
    ApplyProjectConfigTree(NodeKind::kSnapshot, project_.snapshots_config, project_.name,
                           f.folders, n.name, &pending.config);
    AddNode(std::move(n), std::move(pending));
    i = j;
  }
  if (found == 0) {
    diag_->Error(SourceLocation{f.path, 0, 0}, "no snapshot in this file",
                 "wrap the SELECT in '{% snapshot name %}' ... '{% endsnapshot %}'");
  }
}

void ManifestBuilder::ParseTemplates() {
  for (size_t i = 0; i < m_.nodes.size(); ++i) {
    Node& n = m_.nodes[i];
    if (n.kind != NodeKind::kModel && n.kind != NodeKind::kSnapshot && n.kind != NodeKind::kTest) {
      continue;
    }
    RenderScope scope;
    scope.project = &project_;
    scope.manifest = &m_;
    scope.node = static_cast<int>(i);
    scope.parse = true;
    scope.this_relation = n.relation;
    Result<std::string> out = RenderInScope(&scope, n.raw_sql, n.path);
    if (!out.ok()) diag_->AddFormatted(out.status().message());
    Pending& pending = pending_[i];
    pending.refs = std::move(scope.refs);
    pending.sources = std::move(scope.sources);
    for (const auto& [key, value] : scope.configs) {
      ApplyConfigKey(n.kind, key, value, &pending.config, diag_);
    }
  }
}

void ManifestBuilder::DropDisabled() {
  std::vector<Node> nodes;
  std::vector<Pending> pending;
  for (size_t i = 0; i < m_.nodes.size(); ++i) {
    m_.nodes[i].config = FinishConfig(pending_[i].config);
    if (!m_.nodes[i].config.enabled) continue;
    nodes.push_back(std::move(m_.nodes[i]));
    pending.push_back(std::move(pending_[i]));
  }
  m_.nodes = std::move(nodes);
  pending_ = std::move(pending);
}

void ManifestBuilder::AddSourceNodes() {
  const std::string& p = project_.name;
  for (const auto& [key, t] : project_.sources) {
    Node n;
    n.kind = NodeKind::kSource;
    n.name = t.source_name + "." + t.table_name;
    n.unique_id = "source." + p + "." + n.name;
    n.path = t.path;
    n.location = t.location;
    n.description = t.description;
    n.folders = FoldersBelow(t.path, project_.model_paths);
    n.schema_name = t.schema;
    n.identifier = t.identifier;
    n.relation = QuoteRelation(t.schema, t.identifier);
    n.config.materialized = Materialization::kTable;
    AddNode(std::move(n), Pending{});
  }
  std::map<std::string, int> sluice_sources;
  for (const auto& [name, file] : project_.sluice_sources) {
    Node n;
    n.kind = NodeKind::kSource;
    n.name = name;
    n.unique_id = "source." + p + "." + name;
    n.path = file;
    n.location = SourceLocation{file, 0, 0};
    n.config.materialized = Materialization::kTable;
    sluice_sources[name] = AddNode(std::move(n), Pending{});
  }
  const std::string schema = project_.target.type == "postgres" ? "public" : "main";
  for (const StreamTable& t : project_.streams) {
    Node n;
    n.kind = NodeKind::kStream;
    n.name = t.name;
    n.unique_id = "stream." + p + "." + t.name;
    n.path = t.path;
    n.location = t.location;
    n.schema_name = schema;
    n.identifier = t.name;
    n.relation = QuoteRelation(schema, t.name);
    n.config.materialized = Materialization::kTable;
    for (const std::string& in : t.inputs) n.depends_on.push_back(sluice_sources[in]);
    std::sort(n.depends_on.begin(), n.depends_on.end());
    AddNode(std::move(n), Pending{});
  }
}

void ManifestBuilder::ComputeRelation(Node* n) {
  if (n->kind != NodeKind::kModel && n->kind != NodeKind::kSeed && n->kind != NodeKind::kSnapshot) {
    return;
  }
  if (n->config.materialized == Materialization::kEphemeral) {
    n->relation.clear();
    n->schema_name.clear();
    n->identifier.clear();
    return;
  }
  const std::string& custom = n->config.schema;
  std::string schema = custom.empty() ? project_.target.schema
                                      : project_.target.schema + "_" + custom;
  if (n->kind == NodeKind::kSnapshot && !n->config.target_schema.empty()) {
    schema = n->config.target_schema;
  } else if (!generate_schema_macro_.empty()) {
    RenderScope scope;
    scope.project = &project_;
    scope.manifest = &m_;
    scope.node = static_cast<int>(n - m_.nodes.data());
    scope.parse = true;
    const std::string arg = custom.empty() ? "none" : ReprString(custom);
    Result<std::string> out = RenderInScope(
        &scope, "{{ generate_schema_name(" + arg + ", model) }}", generate_schema_macro_);
    if (out.ok()) {
      schema = Trim(*out);
    } else {
      diag_->Error(n->location, "generate_schema_name failed for '" + n->name + "'",
                   out.status().message());
    }
  }
  n->schema_name = schema;
  n->identifier = n->config.alias.empty() ? n->name : n->config.alias;
  n->relation = QuoteRelation(n->schema_name, n->identifier);
}

void ManifestBuilder::CheckDuplicates() {
  m_.refs.clear();
  std::map<std::string, int> tests;
  for (size_t i = 0; i < m_.nodes.size(); ++i) {
    const Node& n = m_.nodes[i];
    const int index = static_cast<int>(i);
    if (n.kind == NodeKind::kTest && !n.generic_test.has_value()) {
      auto [it, inserted] = tests.emplace(n.name, index);
      if (!inserted) {
        diag_->Error(n.location, "two tests are named '" + n.name + "': " +
                                     m_.nodes[static_cast<size_t>(it->second)].path + " and " +
                                     n.path, "rename one of them");
      }
      continue;
    }
    if (n.kind != NodeKind::kModel && n.kind != NodeKind::kSeed && n.kind != NodeKind::kSnapshot) {
      continue;
    }
    auto [it, inserted] = m_.refs.emplace(n.name, index);
    if (!inserted) {
      const Node& first = m_.nodes[static_cast<size_t>(it->second)];
      diag_->Error(n.location, std::string("two resources are named '") + n.name + "': " +
                                   NodeKindName(first.kind) + " " + first.path + " and " +
                                   NodeKindName(n.kind) + " " + n.path,
                   "rename one of them: ref() finds models, seeds and snapshots by name");
    }
    if (project_.stream_tables.count(n.name) > 0 && n.kind == NodeKind::kModel) {
      diag_->Error(n.location, "model '" + n.name + "' has the name of the stream table created in " +
                                   project_.stream_tables.at(n.name),
                   "rename the model (ref('" + n.name + "') already means the stream's table)");
    }
  }
}

void ManifestBuilder::ResolveDependencies() {
  std::vector<std::string> ref_names;
  for (const auto& [name, index] : m_.refs) ref_names.push_back(name);
  for (const auto& [name, file] : project_.stream_tables) ref_names.push_back(name);
  std::vector<std::string> source_names;
  for (const auto& [key, t] : project_.sources) source_names.push_back(key.first + "." + key.second);
  for (size_t i = 0; i < m_.nodes.size(); ++i) {
    Node& n = m_.nodes[i];
    for (const RefCall& call : pending_[i].refs) {
      const std::string& name = call.args.back();
      if (call.args.size() == 2 && call.args[0] != project_.name) {
        diag_->Error(call.where, "ref('" + call.args[0] + "', '" + name + "'): package '" +
                                     call.args[0] + "' is not this project ('" + project_.name + "')",
                     "sluice reads one project and no packages; write ref('" + name + "')");
        continue;
      }
      const int target = FindRefTarget(m_, name);
      if (target < 0) {
        diag_->Error(call.where, "ref('" + name + "'): no model, seed or snapshot is named '" +
                                     name + "'", SuggestionHint(name, ref_names));
        continue;
      }
      n.depends_on.push_back(target);
      edge_sites_.emplace(std::make_pair(static_cast<int>(i), target), call.where);
    }
    for (const RefCall& call : pending_[i].sources) {
      const std::string full = call.args[0] + "." + call.args[1];
      int target = m_.Find(NodeKind::kSource, full);
      if (target < 0 || project_.sources.count({call.args[0], call.args[1]}) == 0) {
        target = m_.Find(NodeKind::kStream, call.args[1]);
      }
      if (target < 0) {
        const std::string close = ClosestMatch(full, source_names);
        diag_->Error(call.where, "source('" + call.args[0] + "', '" + call.args[1] +
                                     "') is not declared",
                     close.empty() ? "declare it under 'sources:' in a .yml file in models/"
                                   : "did you mean '" + close + "'?");
        continue;
      }
      n.depends_on.push_back(target);
    }
    std::sort(n.depends_on.begin(), n.depends_on.end());
    n.depends_on.erase(std::unique(n.depends_on.begin(), n.depends_on.end()), n.depends_on.end());
  }
}

void ManifestBuilder::CheckSnapshots() {
  for (const Node& n : m_.nodes) {
    if (n.kind != NodeKind::kSnapshot) continue;
    const NodeConfig& c = n.config;
    const std::string what = "snapshot '" + n.name + "'";
    if (c.unique_key.empty()) {
      diag_->Error(n.location, what + " needs a unique_key",
                   "add it to config(), e.g. config(unique_key='id', strategy='timestamp', "
                   "updated_at='updated_at')");
    }
    if (c.snapshot_strategy.empty()) {
      diag_->Error(n.location, what + " needs a strategy",
                   "add strategy='timestamp' (with updated_at) or strategy='check' (with "
                   "check_cols) to its config");
    } else if (c.snapshot_strategy == "timestamp" && c.updated_at.empty()) {
      diag_->Error(n.location, what + " uses strategy 'timestamp' without updated_at",
                   "add updated_at='<timestamp column>' to its config");
    } else if (c.snapshot_strategy == "check" && c.check_cols.empty()) {
      diag_->Error(n.location, what + " uses strategy 'check' without check_cols",
                   "add check_cols=['col', ...] or check_cols='all' to its config");
    }
  }
}

Manifest ManifestBuilder::Build() {
  AddFileNodes();
  ApplySchemaFiles();
  for (size_t i = 0; i < m_.nodes.size(); ++i) {
    m_.nodes[i].config = FinishConfig(pending_[i].config);
    ComputeRelation(&m_.nodes[i]);
    if (m_.nodes[i].kind != NodeKind::kTest) m_.refs.emplace(m_.nodes[i].name, static_cast<int>(i));
  }
  ParseTemplates();
  DropDisabled();
  AddSourceNodes();
  for (Node& n : m_.nodes) ComputeRelation(&n);
  CheckDuplicates();
  ResolveDependencies();
  CheckSnapshots();
  AddGenericTests();
  ReportCycles(m_, edge_sites_, diag_);
  return std::move(m_);
}

Manifest BuildManifest(const DbtProject& project, Diagnostics* diag) {
  ManifestBuilder builder(project, diag);
  return builder.Build();
}

}  // namespace sluice::transform
