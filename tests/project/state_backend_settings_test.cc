// sluice.yaml `run: {state_backend, state_memory_budget}`.
#include <gtest/gtest.h>

#include "project/project.h"
#include "project/test_util.h"

namespace sluice::project {
namespace {

using testing::FindError;
using testing::TempDir;

Project Load(const TempDir& tmp, std::string_view yaml, Diagnostics* diag) {
  tmp.Write("sluice.yaml", yaml);
  return LoadProject(tmp.path(), diag);
}

TEST(StateBackendSettings, DefaultsAndExplicit) {
  TempDir tmp;
  Diagnostics diag;
  const Project d = Load(tmp, "name: shop\n", &diag);
  EXPECT_EQ(d.run.state_backend, "memory");
  EXPECT_EQ(d.run.state_memory_budget_bytes, int64_t{256} << 20);
  for (const auto& [text, bytes] : {std::pair<std::string, int64_t>{"16MB", int64_t{16} << 20},
                                    {"2gb", int64_t{2} << 30},
                                    {"1.5GB", int64_t{3} << 29},
                                    {"1048576", 1048576},
                                    {"512 KiB", -1}}) {
    Diagnostics d2;
    const Project p = Load(
        tmp, "name: shop\nrun:\n  state_backend: rocksdb\n  state_memory_budget: " + text + "\n",
        &d2);
    if (bytes < 0) {  // under the 1MB floor
      EXPECT_NE(FindError(d2, "at least 1MB"), nullptr) << text << ": " << d2.ToString();
      continue;
    }
    EXPECT_FALSE(d2.has_errors()) << text << ": " << d2.ToString();
    EXPECT_EQ(p.run.state_backend, "rocksdb");
    EXPECT_EQ(p.run.state_memory_budget_bytes, bytes) << text;
  }
  EXPECT_FALSE(diag.has_errors()) << diag.ToString();
}

TEST(StateBackendSettings, BadValuesSayWhereAndWhat) {
  TempDir tmp;
  Diagnostics diag;
  (void)Load(tmp, "name: shop\nrun:\n  state_backend: rocks\n  state_memory_budget: lots\n", &diag);
  const Diagnostic* backend = FindError(diag, "'state_backend' has unknown value 'rocks'");
  ASSERT_NE(backend, nullptr) << diag.ToString();
  EXPECT_EQ(backend->location.line, 3);
  const Diagnostic* budget = FindError(diag, "'state_memory_budget' must be a size, found 'lots'");
  ASSERT_NE(budget, nullptr) << diag.ToString();
  EXPECT_EQ(budget->location.line, 4);
  Diagnostics diag2;
  (void)Load(tmp, "name: shop\nrun:\n  state_memory_budget: 12XB\n", &diag2);
  EXPECT_NE(FindError(diag2, "must be a size"), nullptr) << diag2.ToString();
}

}  // namespace
}  // namespace sluice::project
