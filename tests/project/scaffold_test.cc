#include "project/scaffold.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "project/example_files.h"
#include "project/project.h"
#include "project/test_util.h"

namespace sluice::project {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

TEST(ExampleFiles, MatchExamplesShopOnDisk) {
  const fs::path root = fs::path(SLUICE_SOURCE_DIR) / "examples" / "shop";
  std::vector<std::string> on_disk;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), root).generic_string();
    if (rel.rfind(".sluice/", 0) == 0 || rel.find("/.sluice/") != std::string::npos ||
        rel.find(".duckdb") != std::string::npos) {
      continue;
    }
    on_disk.push_back(rel);
  }
  std::sort(on_disk.begin(), on_disk.end());
  std::vector<std::string> embedded;
  for (const auto& f : ShopExampleFiles()) embedded.emplace_back(f.path);
  EXPECT_EQ(embedded, on_disk);
  EXPECT_NE(std::find(embedded.begin(), embedded.end(), "sluice.yaml"), embedded.end());
}

TEST(ScaffoldProject, WritesTheExampleIntoANewFolder) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/new/shop";
  std::vector<std::string> written;
  ASSERT_TRUE(ScaffoldProject(dir, &written).ok());
  ASSERT_EQ(written.size(), ShopExampleFiles().size());
  for (const auto& f : ShopExampleFiles()) {
    EXPECT_EQ(tmp.Read("new/shop/" + std::string(f.path)), f.data) << f.path;
  }
  EXPECT_NE(std::find(written.begin(), written.end(), "sluice.yaml"), written.end());
}

TEST(ScaffoldProject, ScaffoldedProjectLoadsWithoutErrors) {
  TempDir tmp;
  ASSERT_TRUE(ScaffoldProject(tmp.path(), nullptr).ok());  // an existing empty folder is fine
  Diagnostics diag;
  const Project p = LoadProject(tmp.path(), &diag);
  EXPECT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.name, "shop");
}

TEST(ScaffoldProject, RefusesAnExistingProject) {
  TempDir tmp;
  tmp.Write("sluice.yaml", "name: mine\n");
  std::vector<std::string> written;
  const Status st = ScaffoldProject(tmp.path(), &written);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(st.message(), "there is already a sluice project in " + tmp.path() +
                              " (it has a sluice.yaml); choose another folder");
  EXPECT_TRUE(written.empty());
  EXPECT_EQ(tmp.Read("sluice.yaml"), "name: mine\n");
}

TEST(ScaffoldProject, NeverOverwritesAndWritesNothingOnConflict) {
  TempDir tmp;
  // Any file the example has, other than sluice.yaml.
  std::string clash;
  for (const auto& f : ShopExampleFiles()) {
    if (f.path != "sluice.yaml") clash = std::string(f.path);
  }
  ASSERT_FALSE(clash.empty());
  tmp.Write(clash, "mine");
  const Status st = ScaffoldProject(tmp.path(), nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(st.message().find(clash), std::string::npos) << st.message();
  EXPECT_EQ(tmp.Read(clash), "mine");
  EXPECT_FALSE(fs::exists(tmp.File("sluice.yaml")));
}

TEST(ScaffoldProject, RefusesAFile) {
  TempDir tmp;
  tmp.Write("f", "x");
  const Status st = ScaffoldProject(tmp.path() + "/f", nullptr);
  EXPECT_EQ(st.code(), StatusCode::kInvalid) << st.ToString();
}

}  // namespace
}  // namespace sluice::project
