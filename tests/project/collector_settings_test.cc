// sluice.yaml `collector: {listen: ...}` (the HTTP event collector's address).
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

TEST(CollectorSettings, DefaultAndExplicit) {
  TempDir tmp;
  Diagnostics diag;
  EXPECT_EQ(Load(tmp, "name: shop\n", &diag).collector_listen, "127.0.0.1:8080");
  EXPECT_EQ(Load(tmp, "name: shop\ncollector:\n  listen: 0.0.0.0:9000\n", &diag).collector_listen,
            "0.0.0.0:9000");
  EXPECT_EQ(Load(tmp, "name: shop\ncollector: {listen: \"127.0.0.1:0\"}\n", &diag).collector_listen,
            "127.0.0.1:0");
  EXPECT_FALSE(diag.has_errors()) << diag.ToString();
}

TEST(CollectorSettings, BadAddressAndUnknownKey) {
  TempDir tmp;
  Diagnostics diag;
  (void)Load(tmp, "name: shop\ncollector:\n  listen: localhost\n  lisen: x\n", &diag);
  const Diagnostic* d = FindError(diag, "'listen' must be host:port, found 'localhost'");
  ASSERT_NE(d, nullptr) << diag.ToString();
  EXPECT_EQ(d->location.line, 3);
  EXPECT_NE(FindError(diag, "lisen"), nullptr) << diag.ToString();
  Diagnostics diag2;
  (void)Load(tmp, "name: shop\ncollector:\n  listen: 127.0.0.1:70000\n", &diag2);
  EXPECT_TRUE(diag2.has_errors());
}

}  // namespace
}  // namespace sluice::project
