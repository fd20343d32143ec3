// ManifestBuilder: the steps of BuildManifest. Internal to the transform module.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "transform/manifest.h"
#include "transform/model_config.h"
#include "transform/render_env.h"

namespace sluice::transform {

class ManifestBuilder {
 public:
  ManifestBuilder(const DbtProject& project, Diagnostics* diag);
  Manifest Build();

 private:
  // Per node while building (parallel to m_.nodes).
  struct Pending {
    ConfigBuilder config;
    std::vector<RefCall> refs;
    std::vector<RefCall> sources;
  };
  // A schema.yml test entry waiting for its node to be final.
  struct PendingTest {
    NodeKind kind;
    std::string node_name;
    std::string column;      // "" for a model-level test
    const ConfigValue* spec;  // inside project_.schema_files / project_.sources
    std::string path;         // the schema file
    std::vector<std::string> folders;
  };

  // manifest.cc
  int AddNode(Node node, Pending pending);
  void AddFileNodes();
  void AddSnapshotNodes(const ModelFile& f);
  void AddSourceNodes();
  void ParseTemplates();
  void DropDisabled();
  void ComputeRelation(Node* n);
  void CheckDuplicates();
  void ResolveDependencies();
  void CheckSnapshots();
  // schema_tests.cc
  void ApplySchemaFiles();
  void ApplySchemaEntry(NodeKind kind, const ConfigValue& entry, const SchemaFile& f);
  void CollectTests(NodeKind kind, const std::string& node_name, const ConfigValue& entry,
                    const std::string& column, const std::string& path);
  void AddGenericTests();
  void AddGenericTest(const PendingTest& t);
  int ResolveTestTarget(const ConfigValue& to, const std::string& test_name);

  const DbtProject& project_;
  Diagnostics* diag_;
  Manifest m_;
  std::vector<Pending> pending_;
  std::vector<PendingTest> tests_;
  std::string generate_schema_macro_;
  std::map<std::pair<int, int>, SourceLocation> edge_sites_;  // (node, dep) -> first ref()  // non-empty when the project overrides it
};

// Folders of `path` below the first of `roots` it is under ("models/a/b/x.yml" -> {a, b}).
std::vector<std::string> FoldersBelow(const std::string& path,
                                      const std::vector<std::string>& roots);

}  // namespace sluice::transform
