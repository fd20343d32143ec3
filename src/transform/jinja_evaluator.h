// Evaluator: walks a TemplateBody and renders it (internal to the transform module; callers
// use Template). One Evaluator per render; not thread safe, not reusable across renders.
//
// Scoping follows Jinja2: the template's top level is one scope (seeded with the context);
// `if` does not open a scope; each for-loop iteration and each macro call does, so a `set`
// inside them does not leak out. Macros see their parameters, then the scope they were
// defined in (looked up at call time), then the environment's globals.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "transform/jinja_ast.h"
#include "transform/jinja_environment.h"
#include "transform/jinja_value.h"

namespace sluice::transform {

// One scope: variables set in it and the scope it is nested in.
struct Frame {
  std::vector<std::pair<std::string, Value>> vars;
  std::shared_ptr<Frame> parent;

  // The variable `name` here or in an enclosing frame, or nullptr.
  const Value* Find(std::string_view name) const;
  // Sets `name` in this frame.
  void Set(const std::string& name, Value v);
};

class Evaluator {
 public:
  explicit Evaluator(const Environment& env);

  // Renders `body` with `context` (a dict of variables, or none). Errors are Status values
  // with "file:line:col: error: ..." messages.
  Result<std::string> Render(const TemplateBody& body, const Value& context);

 private:
  // ---- statements ----
  Status RenderNodes(const NodeList& nodes, std::string* out);
  Status RenderNode(const Node& node, std::string* out);
  Status RenderIf(const Node& node, std::string* out);
  Status RenderFor(const Node& node, std::string* out);
  Status RenderSet(const Node& node);
  Status RenderCallBlock(const Node& node, std::string* out);
  Status Assign(const std::vector<std::string>& targets, const Value& v, int line, int column);

  // ---- expressions ----
  // May return an undefined Value (missing name, key or attribute).
  Result<Value> Eval(const Expr& e);
  // Like Eval, but an undefined result is an error.
  Result<Value> EvalDefined(const Expr& e);
  Result<Value> EvalName(const Expr& e);
  Result<Value> EvalAttr(const Expr& e);
  Result<Value> EvalSubscript(const Expr& e);
  Result<Value> EvalSlice(const Expr& e);
  Result<Value> EvalCall(const Expr& e);
  Result<Value> EvalFilter(const Expr& e);
  Result<Value> EvalTest(const Expr& e);
  Result<Value> EvalCompare(const Expr& e);
  Result<CallArgs> EvalArgs(const Expr& e, size_t first_positional);

  // Calls a callable value; `caller` is set for {% call %} blocks.
  Result<Value> CallValue(const Value& callee, const CallArgs& args, int line, int column,
                          const Value* caller = nullptr);
  Result<Value> CallMacro(const Callable& c, const CallArgs& args, int line, int column,
                          const Value* caller);

  // ---- errors ----
  SourceLocation Loc(int line, int column) const { return SourceLocation{*file_, line, column}; }
  Status Fail(int line, int column, const std::string& message, const std::string& hint = "",
              StatusCode code = StatusCode::kInvalid) const;
  // Adds this location to an error from a filter, method or host function.
  Status At(int line, int column, const Status& st, const std::string& what = "") const;
  Status UndefinedError(const Value& undefined) const;
  std::vector<std::string> VisibleNames() const;
  Status CheckOutput(const std::string& out, int line, int column) const;

  const Environment& env_;
  const RenderLimits& limits_;
  std::shared_ptr<Frame> frame_;
  // Scopes that macros or call blocks closed over, kept alive until the render ends.
  std::vector<std::shared_ptr<Frame>> pinned_frames_;
  std::shared_ptr<const std::string> file_;
  int call_depth_ = 0;
  int64_t iterations_ = 0;
  // Set by return(...) inside a macro; unwinds rendering up to the macro call.
  std::optional<Value> return_value_;
};

}  // namespace sluice::transform
