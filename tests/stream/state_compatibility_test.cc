// Checkpoint format 2 (state layout per query) and CheckStateCompatible: which changes of
// a query keep its state, and what a refusal says. Format 1 checkpoints still decode.
#include <gtest/gtest.h>

#include "stream/checkpoint.h"
#include "stream/state_codec.h"

namespace sluice::stream {
namespace {

CheckpointQuery Aggregate(const std::string& keys, const std::string& sql) {
  CheckpointQuery q;
  q.name = "revenue";
  q.fingerprint = "plan A";
  q.stateful = true;
  q.state = "bytes";
  q.has_layout = true;
  q.layout.push_back({"Aggregate",
                      "streams/a.sql:2:1",
                      {{"group keys", keys}, {"aggregates", "[count(*) INT64]"}}});
  q.state_sql = sql;
  return q;
}

TEST(StateCompatibility, RoundTripKeepsTheLayout) {
  CheckpointData d;
  d.id = 7;
  d.records = 42;
  d.queries.push_back(
      Aggregate("[channel VARCHAR]", "SELECT <select list> FROM s GROUP BY channel"));
  Result<CheckpointData> back = DecodeCheckpoint(EncodeCheckpoint(d), "test");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->queries.size(), 1u);
  const CheckpointQuery& q = back->queries[0];
  EXPECT_TRUE(q.has_layout);
  EXPECT_EQ(q.state_sql, "SELECT <select list> FROM s GROUP BY channel");
  ASSERT_EQ(q.layout.size(), 1u);
  EXPECT_EQ(q.layout[0].kind, "Aggregate");
  EXPECT_EQ(q.layout[0].facets[0].second, "[channel VARCHAR]");
  EXPECT_TRUE(CheckStateCompatible(q, d.queries[0], "q").ok());
}

TEST(StateCompatibility, FormatOneStillDecodesAndNeedsAnEqualFingerprint) {
  StateWriter w;
  w.WriteTag("sluice checkpoint");
  w.WriteI64(3);
  w.WriteI64(10);
  w.WriteString(connectors::Position().Serialize());
  w.WriteBool(false);
  w.WriteU64(1);
  w.WriteString("revenue");
  w.WriteString("plan A");
  w.WriteBool(true);
  w.WriteString("bytes");
  Result<CheckpointData> old = DecodeCheckpoint(w.Finish(), "old");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  const CheckpointQuery& saved = old->queries[0];
  EXPECT_FALSE(saved.has_layout);
  CheckpointQuery now = Aggregate("[channel VARCHAR]", "x");
  EXPECT_TRUE(CheckStateCompatible(saved, now, "q").ok());
  now.fingerprint = "plan B";
  Status st = CheckStateCompatible(saved, now, "q");
  EXPECT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("predates state descriptions"), std::string::npos) << st.message();
}

TEST(StateCompatibility, OutputOnlyChangesAndStatelessQueriesAreAllowed) {
  CheckpointQuery saved =
      Aggregate("[channel VARCHAR]", "SELECT <select list> FROM s GROUP BY channel");
  CheckpointQuery now = saved;
  now.fingerprint = "plan A with another output column";
  EXPECT_TRUE(CheckStateCompatible(saved, now, "q").ok());

  CheckpointQuery a;
  a.name = "view";
  a.fingerprint = "x";
  a.has_layout = true;
  a.state_sql = "SELECT a FROM s WHERE a > 1";
  CheckpointQuery b = a;
  b.fingerprint = "y";
  b.state_sql = "SELECT a FROM s WHERE a > 2";
  EXPECT_TRUE(CheckStateCompatible(a, b, "q").ok());
}

TEST(StateCompatibility, RefusalsSayWhatChanged) {
  const CheckpointQuery saved =
      Aggregate("[channel VARCHAR]", "SELECT <select list> FROM s GROUP BY channel");

  CheckpointQuery keys =
      Aggregate("[country VARCHAR]", "SELECT <select list> FROM s GROUP BY country");
  Status st = CheckStateCompatible(saved, keys, "streams/a.sql:1:1 ('revenue')");
  ASSERT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("streams/a.sql:1:1 ('revenue')"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("operator 1 (Aggregate at streams/a.sql:2:1)"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("group keys changed from [channel VARCHAR] to [country VARCHAR]"),
            std::string::npos)
      << st.message();

  // Same operators, same fingerprint, but a WHERE before the aggregate changed.
  CheckpointQuery filter =
      Aggregate("[channel VARCHAR]", "SELECT <select list> FROM s WHERE x > 1 GROUP BY channel");
  st = CheckStateCompatible(saved, filter, "q");
  ASSERT_EQ(st.code(), StatusCode::kInvalid);
  EXPECT_NE(st.message().find("its SQL changed before its state"), std::string::npos)
      << st.message();

  CheckpointQuery more = saved;
  more.fingerprint = "plan B";
  more.layout.push_back({"TopN", "streams/a.sql:5:1", {{"limit", "5"}}});
  st = CheckStateCompatible(saved, more, "q");
  EXPECT_NE(st.message().find("2 stateful operator(s), the checkpoint 1"), std::string::npos)
      << st.message();

  CheckpointQuery kind = saved;
  kind.fingerprint = "plan B";
  kind.layout[0].kind = "WindowAggregate";
  st = CheckStateCompatible(saved, kind, "q");
  EXPECT_NE(st.message().find("was Aggregate in the checkpoint"), std::string::npos)
      << st.message();

  CheckpointQuery stateless = saved;
  stateless.fingerprint = "plan B";
  stateless.stateful = false;
  st = CheckStateCompatible(saved, stateless, "q");
  EXPECT_NE(st.message().find("no longer keeps state"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sluice::stream
