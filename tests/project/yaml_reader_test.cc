#include "project/yaml_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "project/test_util.h"

namespace sluice::project {
namespace {

using testing::FindError;

// Parses `text` as "f.yaml"; expects no problems.
ConfigValue ParseOk(std::string_view text, std::vector<std::string>* secrets = nullptr) {
  Diagnostics diag;
  Result<ConfigValue> v = ParseYaml(text, "f.yaml", &diag, secrets);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_FALSE(diag.has_errors()) << diag.ToString();
  return v.ok() ? *v : ConfigValue{};
}

// Parses `text`, expects exactly one problem, and returns it as "file:line:col: error: ...".
std::string OneError(std::string_view text) {
  Diagnostics diag;
  (void)ParseYaml(text, "f.yaml", &diag, nullptr);
  EXPECT_EQ(diag.items().size(), 1u) << diag.ToString();
  return diag.items().empty() ? "" : diag.items()[0].ToString();
}

TEST(YamlReader, TreeWithLocations) {
  const ConfigValue v = ParseOk(
      "# comment\n"
      "type: file\n"
      "options:\n"
      "  path: data/x.csv\n"
      "  columns: [a, b]\n"
      "empty:\n"
      "quoted: \"\"\n");
  ASSERT_TRUE(v.is_map());
  EXPECT_EQ(v.location.ToString(), "f.yaml:2:1");
  ASSERT_EQ(v.entries.size(), 4u);
  EXPECT_EQ(v.entries[0].key, "type");
  EXPECT_EQ(v.entries[0].key_location.ToString(), "f.yaml:2:1");
  EXPECT_EQ(v.entries[0].value.scalar, "file");
  EXPECT_EQ(v.entries[0].value.location.ToString(), "f.yaml:2:7");
  const ConfigValue* opts = v.Find("options");
  ASSERT_NE(opts, nullptr);
  ASSERT_TRUE(opts->is_map());
  EXPECT_EQ(opts->Find("path")->scalar, "data/x.csv");
  EXPECT_EQ(opts->Find("path")->location.ToString(), "f.yaml:4:9");
  const ConfigValue* cols = opts->Find("columns");
  ASSERT_TRUE(cols->is_list());
  ASSERT_EQ(cols->items.size(), 2u);
  EXPECT_EQ(cols->items[1].scalar, "b");
  EXPECT_EQ(cols->items[1].location.ToString(), "f.yaml:5:16");
  // A key without a value is null, located at its key.
  EXPECT_TRUE(v.Find("empty")->is_null());
  EXPECT_EQ(v.Find("empty")->location.ToString(), "f.yaml:6:1");
  EXPECT_TRUE(v.Find("quoted")->is_scalar());
  EXPECT_EQ(v.Find("quoted")->scalar, "");
}

TEST(YamlReader, EmptyTextIsNull) {
  EXPECT_TRUE(ParseOk("").is_null());
  EXPECT_TRUE(ParseOk("# only a comment\n").is_null());
}

TEST(YamlReader, AnchorsAndAliasesCopyValues) {
  const ConfigValue v = ParseOk("base: &b {x: 1}\ncopy: *b\n");
  ASSERT_TRUE(v.Find("copy")->is_map());
  EXPECT_EQ(v.Find("copy")->Find("x")->scalar, "1");
}

TEST(YamlReader, UnclosedBracketPointsAtTheBracket) {
  EXPECT_EQ(OneError("a: 1\ncolumns: [a, b\n"),
            "f.yaml:2:10: error: '[' is never closed (add the closing ']')");
  EXPECT_EQ(OneError("opts: {x: 1\n"),
            "f.yaml:1:7: error: '{' is never closed (add the closing '}')");
}

TEST(YamlReader, BadIndentation) {
  const std::string dedent = OneError("run:\n  batch_size: 10\n flush_interval: 1s\n");
  EXPECT_EQ(dedent.rfind("f.yaml:3:2: error: bad indentation", 0), 0u) << dedent;
  const std::string indent = OneError("run:\n  batch_size: 10\n    flush_interval: 1s\n");
  EXPECT_EQ(indent.rfind("f.yaml:3:", 0), 0u) << indent;
  EXPECT_NE(indent.find("check the indentation"), std::string::npos) << indent;
}

TEST(YamlReader, TabIndentation) {
  const std::string e = OneError("run:\n\tbatch_size: 10\n");
  EXPECT_EQ(e, "f.yaml:2:1: error: tab character in indentation (indent with spaces; YAML does "
               "not allow tabs)");
}

TEST(YamlReader, OtherSyntaxErrorsAreReadable) {
  EXPECT_EQ(OneError("a: \"abc"), "f.yaml:1:8: error: a quoted string is never closed (add "
                                  "the closing quote)");
  // yaml-cpp alone would accept these, swallowing the lines after the quote.
  EXPECT_EQ(OneError("a: \"abc\nb: 1\n"),
            "f.yaml:1:4: error: a quoted string is never closed (add the closing quote)");
  EXPECT_EQ(OneError("a: 'it''s\n"),
            "f.yaml:1:4: error: a quoted string is never closed (add the closing quote)");
  (void)ParseOk("a: \"x\\\"y\"\nb: 'it''s'\nc: \"multi\n  line\"\n");
  Diagnostics diag;
  EXPECT_FALSE(ParseYaml("a: 'open\nb: 1\n", "f.yaml", &diag, nullptr).ok());
  EXPECT_NE(OneError("a: b: c\n").find("unexpected ':'"), std::string::npos);
  EXPECT_NE(OneError("a: ]\n").find("unexpected closing bracket"), std::string::npos);
  EXPECT_NE(OneError("x: \"\\q\"\n").find("unknown escape '\\q'"), std::string::npos);
}

TEST(YamlReader, MalformedYamlIsAParseErrorStatus) {
  Diagnostics diag;
  Result<ConfigValue> v = ParseYaml("a: [1\n", "f.yaml", &diag, nullptr);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kParseError);
  EXPECT_NE(v.status().message().find("f.yaml:1:4"), std::string::npos) << v.status().message();
}

TEST(YamlReader, GarbageNeverThrows) {
  const char* inputs[] = {"{{{{",       "]]]",        "- - - -",    "\xff\xfe\x00",
                          "&a [*a]",    "*x",         "? [a]\n: 1", "a: |\n  x\n b",
                          "%YAML 9.9\n---\na: 1",      "!!binary x", ":",
                          "'",          "a:\n- b\nc"};
  for (const char* in : inputs) {
    Diagnostics diag;
    Result<ConfigValue> v = ParseYaml(in, "f.yaml", &diag, nullptr);
    if (!v.ok()) {
      EXPECT_TRUE(diag.has_errors()) << in;
    }
  }
}

TEST(YamlReader, DeepNestingIsRefused) {
  const std::string deep = "a: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_NE(OneError(deep).find("nested too deeply"), std::string::npos);
}

TEST(YamlReader, DuplicateKeyIsReportedAtTheSecond) {
  Diagnostics diag;
  Result<ConfigValue> v = ParseYaml("name: a\ntype: x\nname: b\n", "f.yaml", &diag, nullptr);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(diag.items().size(), 1u);
  EXPECT_EQ(diag.items()[0].ToString(),
            "f.yaml:3:1: error: duplicate key 'name' (it is already set at line 1; keep one of "
            "them)");
  EXPECT_EQ(v->Find("name")->scalar, "a");
}

TEST(YamlReader, NonScalarKeyIsReported) {
  EXPECT_NE(OneError("? [a, b]\n: 1\n").find("a key must be a plain name"), std::string::npos);
}

TEST(YamlReader, SecondDocumentIsReported) {
  EXPECT_EQ(OneError("a: 1\n---\nb: 2\n").rfind("f.yaml:2:1: error: a second YAML document", 0),
            0u);
}

TEST(YamlReader, EnvSubstitutionMarksSecrets) {
  testing::ScopedEnv token("SLUICE_TEST_TOKEN", "s3cr3t");
  testing::ScopedEnv host("SLUICE_TEST_HOST", "db.local");
  std::vector<std::string> secrets;
  const ConfigValue v = ParseOk(
      "token: ${SLUICE_TEST_TOKEN}\n"
      "url: http://${SLUICE_TEST_HOST}:80/${SLUICE_TEST_TOKEN}\n"
      "plain: x\n",
      &secrets);
  EXPECT_EQ(v.Find("token")->scalar, "s3cr3t");
  EXPECT_TRUE(v.Find("token")->secret);
  EXPECT_EQ(v.Find("url")->scalar, "http://db.local:80/s3cr3t");
  EXPECT_TRUE(v.Find("url")->secret);
  EXPECT_FALSE(v.Find("plain")->secret);
  EXPECT_EQ(secrets, (std::vector<std::string>{"s3cr3t", "db.local"}));
}

TEST(YamlReader, UnsetEnvVarIsAnErrorAtTheValue) {
  testing::ScopedEnv unset("SLUICE_TEST_UNSET", nullptr);
  EXPECT_EQ(OneError("type: http\nheaders:\n  auth: \"Bearer ${SLUICE_TEST_UNSET}\"\n"),
            "f.yaml:3:9: error: environment variable SLUICE_TEST_UNSET is not set (export it or "
            "remove the reference)");
}

TEST(YamlReader, DollarDollarBraceIsALiteral) {
  const ConfigValue v = ParseOk("template: \"$${not_env} costs $5 and $$\"\n");
  EXPECT_EQ(v.Find("template")->scalar, "${not_env} costs $5 and $$");
  EXPECT_FALSE(v.Find("template")->secret);
}

TEST(YamlReader, MalformedReferences) {
  EXPECT_NE(OneError("a: ${NOT CLOSED\n").find("'${' is not closed"), std::string::npos);
  EXPECT_NE(OneError("a: ${bad-name}\n").find("'${bad-name}' is not a valid"), std::string::npos);
  EXPECT_NE(OneError("a: ${}\n").find("not a valid environment variable reference"),
            std::string::npos);
}

TEST(YamlReader, EveryBadReferenceIsReported) {
  testing::ScopedEnv a("SLUICE_TEST_A", nullptr);
  testing::ScopedEnv b("SLUICE_TEST_B", nullptr);
  Diagnostics diag;
  (void)ParseYaml("x: ${SLUICE_TEST_A}/${SLUICE_TEST_B}\n", "f.yaml", &diag, nullptr);
  EXPECT_EQ(diag.items().size(), 2u) << diag.ToString();
}

TEST(YamlReader, LiteralSecretIsRefused) {
  EXPECT_EQ(OneError("type: postgres\npassword: hunter2\n"),
            "f.yaml:2:11: error: 'password' looks like a secret written in the file (keep secrets "
            "out of project files: export it as an environment variable and write 'password: "
            "${PASSWORD}')");
  EXPECT_NE(OneError("auth:\n  api_key: abc123\n").find("'api_key' looks like a secret"),
            std::string::npos);
  EXPECT_NE(OneError("github_token: ghp_x\n").find("looks like a secret"), std::string::npos);
}

TEST(YamlReader, SecretFromEnvAndNonSecretKeysAreFine) {
  testing::ScopedEnv pw("SLUICE_TEST_PW", "pw");
  const ConfigValue v = ParseOk(
      "password: ${SLUICE_TEST_PW}\n"
      "token: \"\"\n"
      "primary_key: order_id\n"
      "sort_key: ts\n"
      "key: id\n");
  EXPECT_EQ(v.Find("password")->scalar, "pw");
}

TEST(YamlReader, LooksLikeSecretKey) {
  for (const char* k : {"password", "Password", "token", "secret", "api_key", "db_password",
                        "access_token", "aws_secret_key", "client_secret", "private_key"}) {
    EXPECT_TRUE(LooksLikeSecretKey(k)) << k;
  }
  for (const char* k : {"key", "primary_key", "partition_key", "tokens_per_second", "name",
                        "secretary", "_token_"}) {
    EXPECT_FALSE(LooksLikeSecretKey(k)) << k;
  }
}

}  // namespace
}  // namespace sluice::project
