// Environment: what every template rendered with it can see — globals, host functions and
// macros loaded from macro files (dbt's macros/ folder) — plus the limits a render obeys.
//
// Built-in globals: range(), dict(), namespace(); `return(value)` is recognised inside macros
// (dbt's way for a macro to return a non-string value).
//
// Thread safety: fill the environment first (SetGlobal, AddFunction, LoadMacros), then any
// number of threads may render with it concurrently, provided the host functions are safe to
// call concurrently and global list/dict values are not mutated by the templates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "transform/jinja_value.h"

namespace sluice::transform {

struct RenderLimits {
  // Macro calls nested deeper than this fail ("maximum macro call depth exceeded"), which
  // stops runaway recursion long before the C++ stack is at risk.
  int max_call_depth = 100;
  // range() producing more elements than this fails.
  int64_t max_range_length = 100000;
  // Total for-loop iterations per render; bounds nested loops over large inputs.
  int64_t max_loop_iterations = 10000000;
  // Rendered output (and any string built on the way) longer than this fails.
  size_t max_output_bytes = size_t{64} << 20;
};

class Environment {
 public:
  explicit Environment(RenderLimits limits = {});

  // Defines (or replaces) a global variable.
  void SetGlobal(std::string name, Value value);
  // Defines (or replaces) a global function; `name` is also its name in error messages.
  void AddFunction(std::string name, HostFunction fn);
  // Parses `source` and defines each top-level {% macro %} as a global. Other top-level content
  // is ignored (as dbt does with macro files). Errors: parse errors (kParseError, with file:
  // line:col), a macro name already loaded (kAlreadyExists, naming both places). On error
  // nothing from this file is defined.
  Status LoadMacros(std::string_view source, const std::string& file);

  // The global `name` (variable, function or macro), or nullptr.
  const Value* FindGlobal(std::string_view name) const;
  // Every global name, sorted (for did-you-mean hints).
  std::vector<std::string> GlobalNames() const;
  const RenderLimits& limits() const { return limits_; }

 private:
  RenderLimits limits_;
  std::map<std::string, Value, std::less<>> globals_;
  std::map<std::string, SourceLocation, std::less<>> macro_origins_;
};

}  // namespace sluice::transform
