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

TEST(RegexpPrefilter, FindGivesTheFirstOccurrence) {
  RegexpPrefilter p("(&|^)channel_id=([^&]*)");
  EXPECT_EQ(p.Find("a&channel_id=1"), 2u);
  EXPECT_EQ(p.Find("channel_id="), 0u);
  EXPECT_EQ(p.Find("xx=channel_id=1=channel_id=2"), 3u);  // '=' hits before the literal
  EXPECT_EQ(p.Find("a&CHANNEL_ID=1"), 2u);                // case-insensitive
  EXPECT_EQ(p.Find("channel_id"), RegexpPrefilter::kNoMatch);
  EXPECT_EQ(p.Find("hannel_id=channel_id"), RegexpPrefilter::kNoMatch);
  EXPECT_EQ(p.Find(""), RegexpPrefilter::kNoMatch);
  // A literal of letters only is searched by either case of one letter.
  RegexpPrefilter letters("abc[0-9]+");
  ASSERT_EQ(letters.required(), "abc");
  EXPECT_EQ(letters.Find("xxABcabc1"), 2u);
  EXPECT_EQ(letters.Find("aabbcc"), RegexpPrefilter::kNoMatch);
  EXPECT_EQ(letters.Find("AB"), RegexpPrefilter::kNoMatch);
  EXPECT_EQ(letters.Find("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzaBC"), 41u);
}

TEST(RegexpPrefilter, SearchStartIsTheLiteralLessTheLongestPrefix) {
  RegexpPrefilter p("(&|^)channel_id=([^&]*)");
  EXPECT_EQ(p.max_prefix(), 1u);
  EXPECT_EQ(p.SearchStart(0), 0u);
  EXPECT_EQ(p.SearchStart(1), 0u);
  EXPECT_EQ(p.SearchStart(30), 29u);
  RegexpPrefilter unbounded("[a-z]*channel_id=(.*)");
  EXPECT_EQ(unbounded.max_prefix(), RegexpPrefilter::kUnbounded);
  EXPECT_EQ(unbounded.SearchStart(30), 0u);
  RegexpPrefilter inactive("[0-9]+");
  EXPECT_FALSE(inactive.active());
  EXPECT_EQ(inactive.Find("abc"), 0u);
  EXPECT_EQ(inactive.SearchStart(inactive.Find("abc")), 0u);
}

TEST(RegexpPrefilter, MaxPrefixBytes) {
  constexpr size_t kU = RegexpPrefilter::kUnbounded;
  EXPECT_EQ(MaxPrefixBytes("(&|^)channel_id=([^&]*)", "channel_id="), 1u);
  EXPECT_EQ(MaxPrefixBytes("channel", "channel"), 0u);
  EXPECT_EQ(MaxPrefixBytes("^CHANNEL$", "channel"), 0u);  // anchors are empty
  EXPECT_EQ(MaxPrefixBytes("a?b{2}channel", "channel"), 3u);
  EXPECT_EQ(MaxPrefixBytes("(a{1,3}){2}channel", "channel"), 6u);
  EXPECT_EQ(MaxPrefixBytes("(ab|cde)channel", "channel"), 3u);
  EXPECT_EQ(MaxPrefixBytes(".channel", "channel"), 4u);  // one UTF-8 character
  EXPECT_EQ(MaxPrefixBytes("[a-z]channel", "channel"), 4u);
  EXPECT_EQ(MaxPrefixBytes("[]a]channel", "channel"), 4u);
  EXPECT_EQ(MaxPrefixBytes("[[:alpha:]]channel", "channel"), 4u);
  EXPECT_EQ(MaxPrefixBytes("\\d\\bchannel", "channel"), 4u);
  EXPECT_EQ(MaxPrefixBytes("\xc3\xa9{2}channel", "channel"), 4u);  // two 2-byte characters
  EXPECT_EQ(MaxPrefixBytes("x(channel)", "channel"), kU);     // not at the top level
  EXPECT_EQ(MaxPrefixBytes("x*channel", "channel"), kU);      // unbounded prefix
  EXPECT_EQ(MaxPrefixBytes("a{2,}channel", "channel"), kU);
  EXPECT_EQ(MaxPrefixBytes("a|channel", "channel"), kU);      // top-level alternation
  EXPECT_EQ(MaxPrefixBytes("channel|b", "channel"), kU);
  EXPECT_EQ(MaxPrefixBytes("channel?", "channel"), kU);       // the last letter is optional
  EXPECT_EQ(MaxPrefixBytes("channel{2}", "channel"), kU);
  EXPECT_EQ(MaxPrefixBytes("\\pNchannel", "channel"), kU);    // syntax not analysed
  EXPECT_EQ(MaxPrefixBytes("\\Qa\\Echannel", "channel"), kU);
  EXPECT_EQ(MaxPrefixBytes("(?i)channel", "channel"), kU);
  EXPECT_EQ(MaxPrefixBytes("chan.el", "chan.el"), kU);        // a metacharacter in the literal
  EXPECT_EQ(MaxPrefixBytes("x\\channel", "channel"), kU);     // \\c is not 'c'
  EXPECT_EQ(MaxPrefixBytes("abc", ""), kU);
  EXPECT_EQ(MaxPrefixBytes("(a", "a"), kU);                   // malformed
  EXPECT_EQ(MaxPrefixBytes("a)channel", "channel"), kU);
  // Past the literal, anything goes.
  EXPECT_EQ(MaxPrefixBytes("z?channel(a|b)*.+", "channel"), 1u);
}

}  // namespace
}  // namespace sluice::sql
