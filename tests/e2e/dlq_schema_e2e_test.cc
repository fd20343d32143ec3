// `sluice dlq list|show|replay` and `sluice schema list|show|diff` through the real
// binary: bad records land in _sluice_dead_letters, a fixed source replays them once,
// source schemas are versioned and incompatible changes are refused.
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace sluice::e2e {
namespace {

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const char* kStrictSource =
    "type: file\npath: data/orders.csv\ncolumns:\n"
    "  - {name: id, type: BIGINT, nullable: false}\n"
    "  - {name: amount, type: BIGINT, nullable: false}\n";
const char* kFixedSource =
    "type: file\npath: data/orders.csv\ncolumns:\n"
    "  - {name: id, type: BIGINT, nullable: false}\n"
    "  - {name: amount, type: BIGINT}\n";

void WriteProject(const TempDir& d) {
  d.Write("sluice.yaml", "name: dlq\n");
  d.Write("data/orders.csv", "id,amount\n1,10\n2,\n3,30\n4,abc\n");
  d.Write("sources/orders.yaml", kStrictSource);
  d.Write("streams/q.sql", "CREATE MATERIALIZED VIEW good_orders AS SELECT id, amount FROM orders;\n");
}

TEST(DlqE2e, ListShowReplayOnce) {
  TempDir d;
  WriteProject(d);
  const std::string dir = Quote(d.str());
  CommandResult run = Sluice("run " + dir + " --status off");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(Contains(run.output, "bad records kept in table _sluice_dead_letters")) << run.output;

  CommandResult list = Sluice("dlq list " + dir);
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(Contains(list.output, "orders.csv:3")) << list.output;
  EXPECT_TRUE(Contains(list.output, "orders.csv:5")) << list.output;
  EXPECT_TRUE(Contains(list.output, "NOT NULL")) << list.output;
  EXPECT_FALSE(Contains(list.output, "note:")) << "file and table agree: " << list.output;
  CommandResult limited = Sluice("dlq list " + dir + " --limit 1");
  EXPECT_FALSE(Contains(limited.output, "orders.csv:5")) << limited.output;
  CommandResult other = Sluice("dlq list " + dir + " --source clicks");
  EXPECT_TRUE(Contains(other.output, "no dead letters for 'clicks'")) << other.output;

  CommandResult show = Sluice("dlq show " + dir + " 1");
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_TRUE(Contains(show.output, "kind:        source")) << show.output;
  EXPECT_TRUE(Contains(show.output, "raw:\n2,\n")) << show.output;
  EXPECT_TRUE(Contains(show.output, "replayed_at: -")) << show.output;
  CommandResult missing = Sluice("dlq show " + dir + " 42");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_TRUE(Contains(missing.output, "no dead letter with id 42")) << missing.output;
  CommandResult not_a_number = Sluice("dlq show " + dir + " one");
  EXPECT_EQ(not_a_number.exit_code, 2) << not_a_number.output;
  EXPECT_TRUE(Contains(not_a_number.output, "must be a number")) << not_a_number.output;

  // Fix the source (amount may be empty), then replay: record 2 loads, "4,abc" fails again.
  d.Write("sources/orders.yaml", kFixedSource);
  CommandResult replay = Sluice("dlq replay " + dir + " --source orders");
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_TRUE(Contains(replay.output, "replayed 2 record(s)")) << replay.output;
  EXPECT_TRUE(Contains(replay.output, "1 loaded, 1 failed again")) << replay.output;
  CommandResult q = Sluice("query " + dir + " --format csv 'SELECT count(*), sum(id) FROM good_orders'");
  EXPECT_TRUE(Contains(q.output, "3,6")) << q.output;

  CommandResult after = Sluice("dlq show " + dir + " 1");
  EXPECT_FALSE(Contains(after.output, "replayed_at: -")) << after.output;
  CommandResult again = Sluice("dlq replay " + dir + " --ids 1,2");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_TRUE(Contains(again.output, "dead letter 1 was already replayed")) << again.output;
  CommandResult q2 = Sluice("query " + dir + " --format csv 'SELECT count(*) FROM good_orders'");
  EXPECT_TRUE(Contains(q2.output, "3")) << "nothing loaded twice: " << q2.output;
  CommandResult list2 = Sluice("dlq list " + dir);
  EXPECT_TRUE(Contains(list2.output, "yes")) << list2.output;
  EXPECT_TRUE(Contains(list2.output, "\n3 ")) << "the record that failed again is new: "
                                               << list2.output;
}

TEST(DlqE2e, ReplayNdjsonFromSeveralFiles) {
  TempDir d;
  d.Write("sluice.yaml", "name: events\n");
  d.Write("data/a.ndjson", "{\"id\": 1, \"kind\": \"x\"}\n{\"id\": 2}\n");
  d.Write("data/b.ndjson", "{\"id\": 3}\n{\"id\": 4, \"kind\": \"y\"}\n");
  d.Write("sources/events.yaml",
          "type: file\npath: data/*.ndjson\ncolumns:\n  - {name: id, type: BIGINT}\n"
          "  - {name: kind, type: VARCHAR, nullable: false}\n");
  d.Write("streams/q.sql", "CREATE MATERIALIZED VIEW ev AS SELECT id, kind FROM events;\n");
  const std::string dir = Quote(d.str());
  ASSERT_EQ(Sluice("run " + dir + " --status off").exit_code, 0);
  CommandResult list = Sluice("dlq list " + dir + " --source events");
  EXPECT_TRUE(Contains(list.output, "a.ndjson:2")) << list.output;
  EXPECT_TRUE(Contains(list.output, "b.ndjson:1")) << list.output;
  d.Write("sources/events.yaml",
          "type: file\npath: data/*.ndjson\ncolumns:\n  - {name: id, type: BIGINT}\n"
          "  - {name: kind, type: VARCHAR}\n");
  CommandResult replay = Sluice("dlq replay " + dir + " --ids 2");
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_TRUE(Contains(replay.output, "replayed 1 record(s)")) << replay.output;
  CommandResult q = Sluice("query " + dir + " --format csv 'SELECT sum(id) FROM ev'");
  EXPECT_TRUE(Contains(q.output, "8")) << "1 + 4 + 3 replayed: " << q.output;
  CommandResult rest = Sluice("dlq replay " + dir);
  ASSERT_EQ(rest.exit_code, 0) << rest.output;
  EXPECT_TRUE(Contains(rest.output, "replayed 1 record(s)")) << "only id 1 was left: " << rest.output;
  CommandResult q2 = Sluice("query " + dir + " --format csv 'SELECT count(*), sum(id) FROM ev'");
  EXPECT_TRUE(Contains(q2.output, "4,10")) << q2.output;
  CommandResult none = Sluice("dlq replay " + dir);
  EXPECT_EQ(none.exit_code, 0) << none.output;
  EXPECT_TRUE(Contains(none.output, "nothing to replay")) << none.output;
}

TEST(DlqE2e, ReplayRefusesStatefulQueries) {
  TempDir d;
  WriteProject(d);
  d.Write("streams/q.sql",
          "CREATE MATERIALIZED VIEW totals AS SELECT id, sum(amount) AS total FROM orders GROUP BY id;\n");
  const std::string dir = Quote(d.str());
  CommandResult run = Sluice("run " + dir + " --status off");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  d.Write("sources/orders.yaml", kFixedSource);
  CommandResult replay = Sluice("dlq replay " + dir);
  EXPECT_EQ(replay.exit_code, 1) << replay.output;
  EXPECT_TRUE(Contains(replay.output, "stateful query")) << replay.output;
  CommandResult show = Sluice("dlq show " + dir + " 1");
  EXPECT_TRUE(Contains(show.output, "replayed_at: -")) << "not marked: " << show.output;
}

TEST(SchemaE2e, VersionsDiffAndRefusal) {
  TempDir d;
  WriteProject(d);
  const std::string dir = Quote(d.str());
  CommandResult empty = Sluice("schema list " + dir);
  EXPECT_TRUE(Contains(empty.output, "no schemas registered yet")) << empty.output;
  ASSERT_EQ(Sluice("validate " + dir).exit_code, 0);
  d.Write("sources/orders.yaml", kFixedSource);  // made nullable: BACKWARD accepts
  CommandResult v = Sluice("validate " + dir);
  ASSERT_EQ(v.exit_code, 0) << v.output;
  CommandResult list = Sluice("schema list " + dir);
  EXPECT_TRUE(Contains(list.output, "orders: v2, 2 fields, BACKWARD")) << list.output;
  CommandResult show = Sluice("schema show " + dir + " orders --version v1");
  EXPECT_TRUE(Contains(show.output, "amount INT64 NOT NULL")) << show.output;
  CommandResult diff = Sluice("schema diff " + dir + " orders");
  EXPECT_TRUE(Contains(diff.output, "orders v1 -> v2")) << diff.output;
  EXPECT_TRUE(Contains(diff.output, "field 'amount': made nullable")) << diff.output;
  CommandResult bad_version = Sluice("schema show " + dir + " orders --version v9");
  EXPECT_EQ(bad_version.exit_code, 2) << bad_version.output;
  EXPECT_TRUE(Contains(bad_version.output, "it has v1 to v2")) << bad_version.output;

  // A type change is refused under BACKWARD, naming the field, the reason and the mode.
  d.Write("sources/orders.yaml",
          "type: file\npath: data/orders.csv\ncolumns:\n  id: BIGINT\n  amount: VARCHAR\n");
  CommandResult refused = Sluice("validate " + dir);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_TRUE(Contains(refused.output, "sources/orders.yaml")) << refused.output;
  EXPECT_TRUE(Contains(refused.output, "field 'amount': type changed from INT64 to VARCHAR"))
      << refused.output;
  EXPECT_TRUE(Contains(refused.output, "under BACKWARD")) << refused.output;
  CommandResult run = Sluice("run " + dir + " --status off");
  EXPECT_EQ(run.exit_code, 2) << run.output;

  // NONE accepts it as v3; a wrong mode is an error with the accepted ones.
  d.Write("sources/orders.yaml",
          "type: file\npath: data/orders.csv\nschema_compatibility: none\ncolumns:\n"
          "  id: BIGINT\n  amount: VARCHAR\n");
  ASSERT_EQ(Sluice("validate " + dir).exit_code, 0);
  EXPECT_TRUE(Contains(Sluice("schema list " + dir).output, "orders: v3, 2 fields, NONE"));
  d.Write("sources/orders.yaml",
          "type: file\npath: data/orders.csv\nschema_compatibility: sometimes\ncolumns:\n"
          "  id: BIGINT\n  amount: VARCHAR\n");
  CommandResult wrong = Sluice("validate " + dir);
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_TRUE(Contains(wrong.output, "unknown schema compatibility 'sometimes'")) << wrong.output;
  EXPECT_TRUE(Contains(wrong.output, "BACKWARD (the default), FORWARD, FULL or NONE"))
      << wrong.output;
}

}  // namespace
}  // namespace sluice::e2e
