#include "sql/regexp_prefilter.h"

#include <gtest/gtest.h>

namespace sluice::sql {
namespace {

TEST(RegexpPrefilter, RequiredLiteral) {
  RegexpPrefilter p("(&|^)channel_id=([^&]*)");
  EXPECT_EQ(p.required(), "channel_id=");
  EXPECT_TRUE(p.MayMatch("https://x/item.htm?query=1&channel_id=42"));
  EXPECT_TRUE(p.MayMatch("CHANNEL_ID="));  // necessary, not sufficient
  EXPECT_FALSE(p.MayMatch("https://x/item.htm?query=1"));
  EXPECT_FALSE(p.MayMatch(""));
}

TEST(RegexpPrefilter, NoPrefilterWhenNotSafe) {
  for (const char* pattern : {"a|bcd", "(?i)kelvin", "ab", ".*", "(abc|abd)x", "caf\xc3\xa9s"}) {
    RegexpPrefilter p(pattern);
    EXPECT_FALSE(p.active() && p.required().size() < 3) << pattern;
    if (!p.active()) {
      EXPECT_TRUE(p.MayMatch("zzz")) << pattern;
    }
  }
  EXPECT_FALSE(RegexpPrefilter("a|bcd").active());
  EXPECT_FALSE(RegexpPrefilter("(?i)kelvin").active());
}

}  // namespace
}  // namespace sluice::sql
