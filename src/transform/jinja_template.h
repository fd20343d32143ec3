// Template: a parsed Jinja template, ready to render any number of times.
//
//   SLUICE_ASSIGN_OR_RETURN(auto t, Template::Parse(text, "models/orders.sql"));
//   SLUICE_ASSIGN_OR_RETURN(std::string sql, t.Render(env, context));
//
// A Template is immutable after Parse: Render may be called concurrently from several threads
// (see Environment for what that requires of the environment). Copies share the parsed tree.
// The supported language and its differences from Jinja2 are described in docs/jinja.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "transform/jinja_environment.h"
#include "transform/jinja_value.h"

namespace sluice::transform {

struct TemplateBody;

class Template {
 public:
  // Parses `source`; `file` names it in error messages. Errors: kParseError with
  // "file:line:col: error: message (hint)".
  static Result<Template> Parse(std::string_view source, const std::string& file);

  // Renders with `env`'s globals and `context` (a dict of variables; none = no variables).
  // Errors (kInvalid unless noted) carry file:line:col: undefined names with did-you-mean,
  // type errors, bad filter/test/method calls, wrong macro arguments, host function errors,
  // and kOutOfRange for exceeded RenderLimits.
  Result<std::string> Render(const Environment& env, const Value& context = Value::None()) const;

  // Names of the macros defined at the top level of this template, in order.
  std::vector<std::string> MacroNames() const;
  const std::string& file() const;

 private:
  explicit Template(std::shared_ptr<const TemplateBody> body) : body_(std::move(body)) {}
  std::shared_ptr<const TemplateBody> body_;
};

}  // namespace sluice::transform
