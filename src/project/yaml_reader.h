// YAML text -> ConfigValue, with the 1-based line and column of every key and value,
// ${ENV} substitution, and the checks every sluice YAML file gets (duplicate keys,
// secrets written in the file). Built on yaml-cpp's event parser; no yaml-cpp exception
// leaves this module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/diagnostics.h"
#include "core/status.h"

namespace sluice::project {

// Parses one YAML document into a ConfigValue tree whose locations name
// `file_for_messages` (the path as the user should see it, e.g. "sources/shop.yaml").
//
// Every problem goes to `diag` with its location, and parsing goes on where it can:
// - malformed YAML: one error at yaml-cpp's position, in plain words; the result is then
//   a ParseError status carrying the same text;
// - a key written twice in one map: error at the second (the first value is kept);
// - a map key that is a list or map; a second document in the file;
// - `${VAR}` in a scalar value is replaced by the environment variable's value; an unset
//   variable or a malformed reference is an error at the value; `$${` is a literal `${`.
//   Values with a substitution are marked `secret`, and each substituted variable value
//   (non-empty, once) is appended to `*secrets` (may be null);
// - a key whose name looks like a credential (see LooksLikeSecretKey) with a literal,
//   non-empty value: error asking for `${ENV_VAR}`.
// Returns the tree (a null value for an empty file) unless the text is not YAML.
Result<ConfigValue> ParseYaml(std::string_view text, const std::string& file_for_messages,
                              Diagnostics* diag, std::vector<std::string>* secrets);

// The result of expanding `${VAR}` references in one scalar.
struct EnvExpansion {
  struct Problem {
    std::string message;  // "environment variable X is not set"
    std::string hint;     // what to do
  };
  std::string text;                 // with every reference replaced ("" for unset ones)
  int references = 0;               // `${...}` references seen, valid or not
  std::vector<std::string> values;  // the substituted values, in order
  std::vector<Problem> errors;      // one per bad reference
};

// Expands `${VAR}` (VAR = [A-Za-z_][A-Za-z0-9_]*) from the process environment;
// `$${` stands for a literal `${`; any other `$` is kept as written.
EnvExpansion ExpandEnvReferences(std::string_view text);

// True for key names that usually hold credentials: password, passwd, token, secret,
// api_key, apikey, access_key, secret_key, private_key, client_secret, credentials, and
// names ending in _password, _token, _secret, _api_key, _access_key, _secret_key or
// _private_key (case-insensitive). Not every `*_key`: primary_key, sort_key and the like
// name columns, not credentials.
bool LooksLikeSecretKey(std::string_view key);

}  // namespace sluice::project
