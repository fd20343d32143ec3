#include "project/project.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "project/test_util.h"

namespace sluice::project {
namespace {

namespace fs = std::filesystem;
using testing::FindError;
using testing::ScopedEnv;
using testing::TempDir;

const std::string kData = std::string(SLUICE_SOURCE_DIR) + "/tests/project/data";

// "file:line:col: error: message (hint)" of the first problem containing `needle`.
std::string ErrorText(const Diagnostics& diag, std::string_view needle) {
  const Diagnostic* d = FindError(diag, needle);
  return d ? d->ToString() : "<no error containing '" + std::string(needle) + "' in:\n" +
                                 diag.ToString() + ">";
}

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

// Loads a temp project whose sluice.yaml is `yaml`.
Project LoadWithSettings(const TempDir& tmp, std::string_view yaml, Diagnostics* diag) {
  tmp.Write("sluice.yaml", yaml);
  return LoadProject(tmp.path(), diag);
}

TEST(LoadProject, GoodProjectWithEverySetting) {
  Diagnostics diag;
  const std::string dir = kData + "/good";
  const Project p = LoadProject(dir, &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.dir, fs::path(dir).lexically_normal().string());
  EXPECT_EQ(p.name, "shop_test");
  EXPECT_EQ(p.description, "Every setting, for the loader tests");
  EXPECT_EQ(p.state_dir, dir + "/state");
  EXPECT_EQ(p.warehouse.type, "duckdb");
  EXPECT_EQ(p.warehouse.path, dir + "/state/wh/test.duckdb");
  EXPECT_EQ(p.run.batch_size, 512);
  EXPECT_EQ(p.run.flush_interval_us, 250000);
  EXPECT_EQ(p.run.status_interval_us, 2000000);
  EXPECT_EQ(p.log.level, "debug");
  EXPECT_EQ(p.log.format, "json");
  EXPECT_EQ(p.metrics_addr, "127.0.0.1:9464");

  // Sources in file name order: clicks.yml (named web_clicks), orders.yaml (stem).
  ASSERT_EQ(p.sources.size(), 2u);
  EXPECT_EQ(p.sources[0].name, "web_clicks");
  EXPECT_EQ(p.sources[0].file, "sources/clicks.yml");
  EXPECT_EQ(p.sources[0].name_location.ToString(), "sources/clicks.yml:1:7");
  EXPECT_EQ(p.sources[0].type, "file");
  EXPECT_EQ(p.sources[0].type_location.ToString(), "sources/clicks.yml:2:7");
  EXPECT_EQ(p.sources[1].name, "orders");
  EXPECT_EQ(p.sources[1].name_location.ToString(), "sources/orders.yaml");
  EXPECT_EQ(p.sources[1].type, "generator");
  EXPECT_EQ(p.sources[1].description, "Generated orders");
  // The whole map goes to the connector, common keys included.
  const ConfigValue& opts = p.sources[1].options;
  ASSERT_TRUE(opts.is_map());
  EXPECT_EQ(opts.Find("type")->scalar, "generator");
  EXPECT_EQ(opts.Find("seed")->scalar, "7");
  EXPECT_EQ(opts.Find("seed")->location.ToString(), "sources/orders.yaml:5:7");

  ASSERT_EQ(p.sinks.size(), 1u);
  EXPECT_EQ(p.sinks[0].name, "console");
  EXPECT_EQ(p.sinks[0].type, "console");

  ASSERT_EQ(p.streams.size(), 2u);
  EXPECT_EQ(p.streams[0].path, "streams/a_orders.sql");
  EXPECT_EQ(p.streams[0].abs_path, dir + "/streams/a_orders.sql");
  EXPECT_EQ(p.streams[0].text, "INSERT INTO console SELECT * FROM orders;\n");
  EXPECT_EQ(p.streams[1].path, "streams/b_views.sql");
  EXPECT_TRUE(p.secrets.empty());
}

TEST(LoadProject, MinimalProjectGetsDefaults) {
  TempDir tmp;
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\n", &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.dir, tmp.path());
  EXPECT_EQ(p.name, "shop");
  EXPECT_EQ(p.description, "");
  EXPECT_EQ(p.state_dir, tmp.path() + "/.sluice");
  EXPECT_EQ(p.warehouse.type, "duckdb");
  EXPECT_EQ(p.warehouse.path, tmp.path() + "/.sluice/warehouse.duckdb");
  EXPECT_EQ(p.run.batch_size, 2048);
  EXPECT_EQ(p.run.flush_interval_us, 1000000);
  EXPECT_EQ(p.run.status_interval_us, 1000000);
  EXPECT_EQ(p.log.level, "info");
  EXPECT_EQ(p.log.format, "auto");
  EXPECT_EQ(p.metrics_addr, "");
  EXPECT_TRUE(p.sources.empty());
  EXPECT_TRUE(p.sinks.empty());
  EXPECT_TRUE(p.streams.empty());
}

TEST(LoadProject, RelativeDirAndTrailingSlash) {
  TempDir tmp;
  tmp.Write("sluice.yaml", "name: shop\n");
  Diagnostics diag;
  const Project p = LoadProject(tmp.path() + "/", &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.dir, tmp.path());
}

TEST(LoadProject, AbsoluteStateDirAndEmptySections) {
  TempDir tmp;
  Diagnostics diag;
  const Project p =
      LoadWithSettings(tmp, "name: shop\nstate_dir: /var/lib/sluice/shop\nrun:\nlog:\n", &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.state_dir, "/var/lib/sluice/shop");
  EXPECT_EQ(p.warehouse.path, "/var/lib/sluice/shop/warehouse.duckdb");
}

TEST(LoadProject, MissingFolder) {
  Diagnostics diag;
  const Project p = LoadProject("/nonexistent/sluice/project", &diag);
  ASSERT_EQ(diag.items().size(), 1u);
  EXPECT_EQ(diag.items()[0].ToString(),
            "error: project folder /nonexistent/sluice/project does not exist (run 'sluice init "
            "/nonexistent/sluice/project' to create a project, or pass the project folder)");
  EXPECT_TRUE(p.name.empty());
}

TEST(LoadProject, MissingSluiceYaml) {
  TempDir tmp;
  tmp.Write("sources/a.yaml", "type: generator\n");
  Diagnostics diag;
  (void)LoadProject(tmp.path(), &diag);
  ASSERT_EQ(diag.items().size(), 1u) << diag.ToString();
  EXPECT_EQ(diag.items()[0].ToString(),
            "error: no sluice.yaml in " + tmp.path() + " (run 'sluice init " + tmp.path() +
                "' to create a project, or pass the project folder)");
}

TEST(LoadProject, SluiceYmlGetsARenameHint) {
  TempDir tmp;
  tmp.Write("sluice.yml", "name: shop\n");
  Diagnostics diag;
  (void)LoadProject(tmp.path(), &diag);
  EXPECT_EQ(ErrorText(diag, "sluice.yaml"),
            "sluice.yml: error: the project file must be named sluice.yaml (rename sluice.yml to "
            "sluice.yaml)");
}

TEST(LoadProject, FolderIsAFile) {
  TempDir tmp;
  tmp.Write("file", "x");
  Diagnostics diag;
  (void)LoadProject(tmp.path() + "/file", &diag);
  EXPECT_NE(ErrorText(diag, "is a file").find("not a project folder"), std::string::npos);
}

TEST(LoadProject, UnknownKeyWithSuggestion) {
  TempDir tmp;
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\nwarehous:\n  type: duckdb\n", &diag);
  ASSERT_EQ(diag.items().size(), 1u) << diag.ToString();
  EXPECT_EQ(diag.items()[0].ToString(),
            "sluice.yaml:2:1: error: unknown key 'warehous' (did you mean 'warehouse'?)");
}

TEST(LoadProject, UnknownNestedKeyWithSuggestion) {
  TempDir tmp;
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\nrun:\n  batch_sise: 10\n", &diag);
  EXPECT_EQ(ErrorText(diag, "unknown key"),
            "sluice.yaml:3:3: error: unknown key 'batch_sise' (did you mean 'batch_size'?)");
}

TEST(LoadProject, FolderNamesAsKeys) {
  TempDir tmp;
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\nsinks:\n  - console\n", &diag);
  ASSERT_EQ(diag.items().size(), 1u) << diag.ToString();
  EXPECT_EQ(diag.items()[0].ToString(),
            "sluice.yaml:2:1: error: 'sinks' does not go in sluice.yaml (write one file per entry "
            "in the sinks/ folder of the project)");
}

TEST(LoadProject, WrongType) {
  TempDir tmp;
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\nrun:\n  batch_size: lots\n", &diag);
  EXPECT_EQ(ErrorText(diag, "batch_size"),
            "sluice.yaml:3:15: error: 'batch_size' must be an integer, found 'lots'");
  EXPECT_EQ(p.run.batch_size, 2048);
}

TEST(LoadProject, OutOfRange) {
  TempDir tmp;
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\nrun:\n  batch_size: 100000\n", &diag);
  EXPECT_EQ(ErrorText(diag, "batch_size"),
            "sluice.yaml:3:15: error: 'batch_size' is 100000, outside the allowed range (use a "
            "value from 1 to 65536)");
}

TEST(LoadProject, SectionThatIsNotAMap) {
  TempDir tmp;
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\nwarehouse: duckdb\n", &diag);
  EXPECT_EQ(ErrorText(diag, "warehouse"),
            "sluice.yaml:2:12: error: 'warehouse' must be a map (type, path, url), found a value "
            "(write the settings indented under 'warehouse:')");
}

TEST(LoadProject, PostgresWarehouse) {
  TempDir tmp;
  Diagnostics diag;
  setenv("SLUICE_TEST_PG_URL", "postgresql://app:s3cret@127.0.0.1:5432/shop", 1);
  Project p = LoadWithSettings(
      tmp, "name: shop\nwarehouse:\n  type: postgres\n  url: ${SLUICE_TEST_PG_URL}\n", &diag);
  EXPECT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.warehouse.type, "postgres");
  EXPECT_EQ(p.warehouse.url, "postgresql://app:s3cret@127.0.0.1:5432/shop");
  EXPECT_TRUE(p.warehouse.path.empty());

  Diagnostics missing;
  (void)LoadWithSettings(tmp, "name: shop\nwarehouse:\n  type: postgres\n  path: x.db\n", &missing);
  EXPECT_EQ(ErrorText(missing, "url"),
            "sluice.yaml:3:3: error: missing required key 'url' (e.g. url: ${SHOP_WAREHOUSE_URL} "
            "with postgresql://user:password@host:5432/db)");
  EXPECT_EQ(ErrorText(missing, "path"),
            "sluice.yaml:4:9: error: 'path' is for a duckdb warehouse (a postgres warehouse is "
            "reached through 'url')");

  Diagnostics literal;
  (void)LoadWithSettings(
      tmp, "name: shop\nwarehouse:\n  type: postgres\n  url: postgresql://app:pw@db/shop\n",
      &literal);
  EXPECT_EQ(ErrorText(literal, "password"),
            "sluice.yaml:4:8: error: the warehouse URL contains a password written in the file (put "
            "the URL in an environment variable and write url: ${SHOP_WAREHOUSE_URL})");
  Diagnostics no_password;
  (void)LoadWithSettings(
      tmp, "name: shop\nwarehouse:\n  type: postgres\n  url: postgresql://app@db/shop\n",
      &no_password);
  EXPECT_FALSE(no_password.has_errors()) << no_password.ToString();
}

TEST(LoadProject, BadValuesOfEverySetting) {
  TempDir tmp;
  Diagnostics diag;
  (void)LoadWithSettings(tmp,
                         "name: Shop-1\n"                  // 1
                         "version: 2\n"                    // 2
                         "state_dir: \"\"\n"               // 3
                         "warehouse:\n"                    // 4
                         "  type: postgress\n"             // 5
                         "run:\n"                          // 6
                         "  flush_interval: 0s\n"          // 7
                         "  status_interval: soon\n"       // 8
                         "log:\n"                          // 9
                         "  level: verbose\n"              // 10
                         "  format: jsn\n"                 // 11
                         "metrics:\n"                      // 12
                         "  addr: localhost\n",            // 13
                         &diag);
  EXPECT_EQ(ErrorText(diag, "project name"),
            "sluice.yaml:1:7: error: project name 'Shop-1' is not valid (use lower-case letters, "
            "digits and '_', starting with a letter, e.g. 'shop')");
  EXPECT_EQ(ErrorText(diag, "version"),
            "sluice.yaml:2:10: error: project format version 2 is not supported by this sluice "
            "(this sluice reads version 1; upgrade sluice or write 'version: 1')");
  EXPECT_PRED2(StartsWith, ErrorText(diag, "state_dir"),
               "sluice.yaml:3:12: error: 'state_dir' is empty");
  EXPECT_EQ(ErrorText(diag, "postgress"),
            "sluice.yaml:5:9: error: unknown warehouse type 'postgress' (did you mean 'postgres'?)");
  EXPECT_EQ(ErrorText(diag, "flush_interval"),
            "sluice.yaml:7:19: error: 'flush_interval' must be longer than 0 (e.g. '1s' or "
            "'500ms')");
  EXPECT_PRED2(StartsWith, ErrorText(diag, "status_interval"),
               "sluice.yaml:8:20: error: 'status_interval': invalid duration 'soon'");
  EXPECT_EQ(ErrorText(diag, "'level'"),
            "sluice.yaml:10:10: error: 'level' has unknown value 'verbose' (expected one of: "
            "trace, debug, info, warn, error)");
  EXPECT_EQ(ErrorText(diag, "'format'"),
            "sluice.yaml:11:11: error: 'format' has unknown value 'jsn' (did you mean 'json'?)");
  EXPECT_EQ(ErrorText(diag, "'addr'"),
            "sluice.yaml:13:9: error: 'addr' must be host:port, found 'localhost' (e.g. "
            "127.0.0.1:9464; leave it empty to turn metrics off)");
  EXPECT_EQ(diag.items().size(), 9u) << diag.ToString();
}

TEST(LoadProject, CheckpointInterval) {
  {
    TempDir tmp;
    Diagnostics diag;
    const Project p = LoadWithSettings(tmp, "name: shop\n", &diag);
    EXPECT_EQ(p.run.checkpoint_interval_us, 10000000);
  }
  for (const auto& [text, micros] : {std::pair<std::string, int64_t>{"0", 0}, {"250ms", 250000}, {"1m", 60000000}}) {
    TempDir tmp;
    Diagnostics diag;
    const Project p = LoadWithSettings(tmp, "name: shop\nrun:\n  checkpoint_interval: " + text + "\n", &diag);
    EXPECT_FALSE(diag.has_errors()) << text << ": " << diag.ToString();
    EXPECT_EQ(p.run.checkpoint_interval_us, micros) << text;
  }
  TempDir tmp;
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\nrun:\n  checkpoint_interval: sometimes\n", &diag);
  EXPECT_PRED2(StartsWith, ErrorText(diag, "checkpoint_interval"),
               "sluice.yaml:3:24: error: 'checkpoint_interval': invalid duration 'sometimes'");
}

TEST(LoadProject, MissingName) {
  TempDir tmp;
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "# settings\ndescription: x\n", &diag);
  EXPECT_EQ(ErrorText(diag, "name"),
            "sluice.yaml:2:1: error: missing required key 'name' (name the project, e.g. 'name: "
            "shop')");
  EXPECT_TRUE(p.name.empty());
}

TEST(LoadProject, EmptyOrNonMapSluiceYaml) {
  {
    TempDir tmp;
    Diagnostics diag;
    (void)LoadWithSettings(tmp, "", &diag);
    EXPECT_EQ(ErrorText(diag, "empty"),
              "sluice.yaml:1:1: error: sluice.yaml is empty (write at least the project name, "
              "e.g. 'name: shop')");
  }
  {
    TempDir tmp;
    Diagnostics diag;
    (void)LoadWithSettings(tmp, "- name: shop\n", &diag);
    EXPECT_NE(ErrorText(diag, "must be a map").find("sluice.yaml:1:1"), std::string::npos);
  }
}

TEST(LoadProject, MalformedSluiceYamlStillLoadsTheRest) {
  TempDir tmp;
  tmp.Write("sources/a.yaml", "type: generator\n");
  tmp.Write("sinks/b.yaml", "type: [console\n");
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\nrun: {batch_size: 1\n", &diag);
  EXPECT_EQ(ErrorText(diag, "never closed"),
            "sluice.yaml:2:6: error: '{' is never closed (add the closing '}')");
  EXPECT_EQ(ErrorText(diag, "'['"),
            "sinks/b.yaml:1:7: error: '[' is never closed (add the closing ']')");
  EXPECT_EQ(diag.items().size(), 2u) << diag.ToString();
  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_TRUE(p.sinks.empty());
}

TEST(LoadProject, MissingTypeAndBadNames) {
  TempDir tmp;
  tmp.Write("sources/no_type.yaml", "# a source without a type\nseed: 1\n");
  tmp.Write("sources/bad-stem.yaml", "type: generator\n");
  tmp.Write("sources/named.yaml", "name: 1abc\ntype: generator\n");
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\n", &diag);
  EXPECT_EQ(ErrorText(diag, "'type'"),
            "sources/no_type.yaml:2:1: error: missing required key 'type' (say what kind of source "
            "this is, e.g. 'type: generator')");
  EXPECT_EQ(ErrorText(diag, "bad-stem"),
            "sources/bad-stem.yaml: error: the file name 'bad-stem' is not a valid source name "
            "(rename the file (letters, digits and '_', starting with a letter) or set 'name:' "
            "in it)");
  EXPECT_PRED2(StartsWith, ErrorText(diag, "1abc"),
               "sources/named.yaml:1:7: error: source name '1abc' is not a valid name");
  EXPECT_EQ(diag.items().size(), 3u) << diag.ToString();
  // The source without a type is kept (the registry reports nothing more for it);
  // the badly named ones are not.
  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_EQ(p.sources[0].name, "no_type");
}

TEST(LoadProject, NameAndTypeOfTheWrongShape) {
  TempDir tmp;
  tmp.Write("sources/a.yaml", "name: [x]\ntype: generator\n");
  tmp.Write("sources/b.yaml", "type: {x: 1}\n");
  tmp.Write("sources/c.yaml", "type:\nname:\n");
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\n", &diag);
  EXPECT_EQ(ErrorText(diag, "'name'"),
            "sources/a.yaml:1:7: error: 'name' must be a single value, found a list");
  EXPECT_EQ(ErrorText(diag, "'type' must"),
            "sources/b.yaml:1:7: error: 'type' must be a single value, found a map");
  EXPECT_EQ(ErrorText(diag, "'type' is empty"),
            "sources/c.yaml:1:1: error: 'type' is empty (say what kind of source this is, e.g. "
            "'type: generator')");
  EXPECT_EQ(ErrorText(diag, "source name ''"),
            "sources/c.yaml:2:1: error: source name '' is not a valid name (use letters, digits "
            "and '_', starting with a letter; it is the table name in SQL)");
  EXPECT_EQ(diag.items().size(), 4u) << diag.ToString();
}

TEST(LoadProject, ByteOrderMarkAndCrLf) {
  TempDir tmp;
  tmp.Write("sources/a.yaml", "\xEF\xBB\xBFtype: \"generator\"\r\nseed: '7'\r\n");
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\r\nrun:\r\n  batch_size: 16\r\n", &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.run.batch_size, 16);
  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_EQ(p.sources[0].type, "generator");
  EXPECT_EQ(p.sources[0].options.Find("seed")->scalar, "7");
}

TEST(LoadProject, DuplicateSourceNames) {
  TempDir tmp;
  tmp.Write("sources/a.yaml", "name: orders\ntype: generator\n");
  tmp.Write("sources/orders.yml", "type: file\n");
  tmp.Write("sources/z.yaml", "type: file\nname: Orders\n");
  tmp.Write("sinks/orders.yaml", "type: console\n");  // sinks are a separate namespace
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\n", &diag);
  ASSERT_EQ(diag.items().size(), 2u) << diag.ToString();
  EXPECT_EQ(diag.items()[0].ToString(),
            "sources/orders.yml: error: source 'orders' is already defined in sources/a.yaml "
            "(names must be unique among sources (case does not matter); rename one of them)");
  EXPECT_PRED2(StartsWith, diag.items()[1].ToString(),
               "sources/z.yaml:2:7: error: source 'Orders' is already defined in sources/a.yaml");
  ASSERT_EQ(p.sources.size(), 1u);
  ASSERT_EQ(p.sinks.size(), 1u);
}

TEST(LoadProject, FolderContents) {
  TempDir tmp;
  tmp.Write("sources/.a.yaml.swp", "junk");   // hidden: ignored
  tmp.Write("sources/notes.txt", "hello");    // reported
  tmp.Write("sources/sub/x.yaml", "type: file\n");  // reported
  tmp.Write("streams/q.sql", "SELECT 1;");
  tmp.Write("streams/q.sql.bak", "SELECT 1;");
  tmp.Write("models/m.sql", "select 1");       // reserved: not read
  tmp.Write("seeds/s.csv", "a\n1\n");
  tmp.Write("sinks", "not a folder");
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\n", &diag);
  EXPECT_EQ(ErrorText(diag, "notes.txt"),
            "sources/notes.txt: error: 'notes.txt' is not read: sources/ holds one .yaml file per "
            "source (rename it to end in .yaml or .yml, or move it out of sources/)");
  EXPECT_EQ(ErrorText(diag, "subfolders"),
            "sources/sub/: error: subfolders of sources/ are not read (sources/ holds one .yaml "
            "file per source; move 'sub/' out of it)");
  EXPECT_NE(ErrorText(diag, "q.sql.bak").find("rename it to end in .sql"), std::string::npos);
  EXPECT_EQ(ErrorText(diag, "sinks is a file"),
            "sinks: error: sinks is a file; it must be a folder holding one .yaml file per sink "
            "(move the file away and create the folder sinks/)");
  EXPECT_EQ(diag.items().size(), 4u) << diag.ToString();
  EXPECT_EQ(p.streams.size(), 1u);
}

TEST(LoadProject, EmptyAndNonMapConnectorFiles) {
  TempDir tmp;
  tmp.Write("sources/empty.yaml", "# nothing yet\n");
  tmp.Write("sinks/list.yaml", "- type: console\n");
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\n", &diag);
  EXPECT_EQ(ErrorText(diag, "empty"),
            "sources/empty.yaml:1:1: error: the file is empty (a source needs at least 'type:')");
  EXPECT_EQ(ErrorText(diag, "must be a map"),
            "sinks/list.yaml:1:1: error: a sink file must be a map of options, found a list (write "
            "'key: value' lines, starting with 'type: ...')");
}

TEST(LoadProject, EnvSecretsAreCollected) {
  ScopedEnv token("SLUICE_TEST_SHOP_TOKEN", "tok-123");
  ScopedEnv unset("SLUICE_TEST_SHOP_MISSING", nullptr);
  TempDir tmp;
  tmp.Write("sources/api.yaml", "type: rest_api\ntoken: ${SLUICE_TEST_SHOP_TOKEN}\n");
  tmp.Write("sinks/db.yaml", "type: postgres\nuser: app\npassword: ${SLUICE_TEST_SHOP_MISSING}\n");
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\n", &diag);
  ASSERT_EQ(diag.items().size(), 1u) << diag.ToString();
  EXPECT_EQ(diag.items()[0].ToString(),
            "sinks/db.yaml:3:11: error: environment variable SLUICE_TEST_SHOP_MISSING is not set "
            "(export it or remove the reference)");
  EXPECT_EQ(p.secrets, std::vector<std::string>{"tok-123"});
  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_EQ(p.sources[0].options.Find("token")->scalar, "tok-123");
  EXPECT_TRUE(p.sources[0].options.Find("token")->secret);
}

TEST(LoadProject, LiteralSecretInASinkFile) {
  TempDir tmp;
  tmp.Write("sinks/db.yaml", "type: postgres\npassword: hunter2\n");
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\n", &diag);
  EXPECT_PRED2(StartsWith, ErrorText(diag, "secret"),
               "sinks/db.yaml:2:11: error: 'password' looks like a secret written in the file");
}

TEST(LoadProject, EscapedDollarBrace) {
  TempDir tmp;
  tmp.Write("sinks/out.yaml", "type: file\npath: \"out/$${date}.ndjson\"\n");
  Diagnostics diag;
  const Project p = LoadWithSettings(tmp, "name: shop\n", &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.sinks[0].options.Find("path")->scalar, "out/${date}.ndjson");
  EXPECT_TRUE(p.secrets.empty());
}

TEST(LoadProject, EveryProblemIsReported) {
  ScopedEnv unset("SLUICE_TEST_NOPE", nullptr);
  TempDir tmp;
  tmp.Write("sources/a.yaml", "type: generator\nseed: ${SLUICE_TEST_NOPE}\n");
  tmp.Write("sources/b.yaml", "name: a\ntype: file\n");
  tmp.Write("sinks/c.yaml", "type: console\ntype: file\n");
  tmp.Write("sinks/d.yaml", "type: [\n");
  Diagnostics diag;
  (void)LoadWithSettings(tmp, "name: shop\nwarehous: {}\nrun:\n  batch_size: lots\n", &diag);
  const std::string all = diag.ToString();
  EXPECT_EQ(diag.items().size(), 6u) << all;
  for (const char* where : {"sluice.yaml:2:1:", "sluice.yaml:4:15:", "sources/a.yaml:2:7:",
                            "sources/b.yaml:1:7:", "sinks/c.yaml:2:1:", "sinks/d.yaml:1:7:"}) {
    EXPECT_NE(all.find(where), std::string::npos) << where << " missing in\n" << all;
  }
}

}  // namespace
}  // namespace sluice::project
