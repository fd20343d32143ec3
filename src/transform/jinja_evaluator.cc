#include "transform/jinja_evaluator.h"

#include <algorithm>

#include "transform/jinja_error.h"
#include "transform/jinja_filters.h"
#include "transform/jinja_methods.h"
#include "transform/jinja_ops.h"

namespace sluice::transform {

namespace {

// Restores a member to its previous value when the scope ends (frames, current file).
template <typename T>
class Restore {
 public:
  explicit Restore(T* slot) : slot_(slot), saved_(*slot) {}
  ~Restore() { *slot_ = std::move(saved_); }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;

 private:
  T* slot_;
  T saved_;
};

// Items a for loop visits.
Result<ValueList> Iterable(const Value& v) {
  if (auto items = IterItems(v)) return std::move(*items);
  return Status::Invalid("cannot loop over a value of type '" + std::string(v.TypeName()) +
                         "' (expected a list, dict or string)");
}

constexpr int kMaxTraceLines = 8;

}  // namespace

const Value* Frame::Find(std::string_view name) const {
  for (const Frame* f = this; f != nullptr; f = f->parent.get()) {
    for (const auto& [k, v] : f->vars) {
      if (k == name) return &v;
    }
  }
  return nullptr;
}

void Frame::Set(const std::string& name, Value v) {
  for (auto& [k, old] : vars) {
    if (k == name) {
      old = std::move(v);
      return;
    }
  }
  vars.emplace_back(name, std::move(v));
}

Evaluator::Evaluator(const Environment& env) : env_(env), limits_(env.limits()) {}

Result<std::string> Evaluator::Render(const TemplateBody& body, const Value& context) {
  file_ = body.file;
  frame_ = std::make_shared<Frame>();
  if (context.is_dict()) {
    for (const auto& [k, v] : context.as_dict().entries()) {
      if (!k.is_string()) {
        return Status::Invalid(*file_ + ": render context keys must be strings, got " + k.Repr());
      }
      frame_->Set(k.as_string(), v);
    }
  } else if (!context.is_none()) {
    return Status::Invalid(*file_ + ": render context must be a dict, got '" +
                           std::string(context.TypeName()) + "'");
  }
  std::string out;
  SLUICE_RETURN_NOT_OK(RenderNodes(body.nodes, &out));
  if (return_value_.has_value()) {
    return Status::Invalid(*file_ + ": error: return() was called outside a macro");
  }
  return out;
}

// ---------------------------------------------------------------- errors

Status Evaluator::Fail(int line, int column, const std::string& message, const std::string& hint,
                       StatusCode code) const {
  return TemplateError(code, Loc(line, column), message, hint);
}

Status Evaluator::At(int line, int column, const Status& st, const std::string& what) const {
  return TemplateError(st.code(), Loc(line, column),
                       what.empty() ? st.message() : what + ": " + st.message());
}

Status Evaluator::UndefinedError(const Value& u) const {
  const UndefinedInfo& info = u.undefined_info();
  std::string hint = info.hint;
  if (hint.empty()) hint = "use '| default(...)' or 'is defined' if it may be missing";
  return TemplateError(StatusCode::kInvalid, info.where, info.message, hint);
}

std::vector<std::string> Evaluator::VisibleNames() const {
  std::vector<std::string> names = env_.GlobalNames();
  for (const Frame* f = frame_.get(); f != nullptr; f = f->parent.get()) {
    for (const auto& [k, unused] : f->vars) names.push_back(k);
  }
  return names;
}

Status Evaluator::CheckOutput(const std::string& out, int line, int column) const {
  if (out.size() > limits_.max_output_bytes) {
    return Fail(
        line, column,
        "rendered output exceeds the " + std::to_string(limits_.max_output_bytes) + "-byte limit",
        "", StatusCode::kOutOfRange);
  }
  return Status::OK();
}

// ---------------------------------------------------------------- statements

Status Evaluator::RenderNodes(const NodeList& nodes, std::string* out) {
  for (const auto& node : nodes) {
    SLUICE_RETURN_NOT_OK(RenderNode(*node, out));
    if (return_value_.has_value()) break;
  }
  return Status::OK();
}

Status Evaluator::RenderNode(const Node& node, std::string* out) {
  switch (node.kind) {
    case NodeKind::kText:
      *out += node.text;
      return CheckOutput(*out, node.line, node.column);
    case NodeKind::kOutput: {
      SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*node.expr));
      *out += v.ToString();
      return CheckOutput(*out, node.line, node.column);
    }
    case NodeKind::kIf:
      return RenderIf(node, out);
    case NodeKind::kFor:
      return RenderFor(node, out);
    case NodeKind::kSet:
      return RenderSet(node);
    case NodeKind::kSetBlock: {
      std::string body;
      SLUICE_RETURN_NOT_OK(RenderNodes(node.body, &body));
      frame_->Set(node.targets[0], Value(std::move(body)));
      return Status::OK();
    }
    case NodeKind::kMacro: {
      auto c = std::make_shared<Callable>();
      c->kind = Callable::Kind::kMacro;
      c->name = node.macro->name;
      c->macro = node.macro;
      c->closure = frame_;
      c->has_closure = true;
      pinned_frames_.push_back(frame_);
      frame_->Set(node.macro->name, Value::FromCallable(std::move(c)));
      return Status::OK();
    }
    case NodeKind::kCallBlock:
      return RenderCallBlock(node, out);
    case NodeKind::kDo:
      return EvalDefined(*node.expr).status();
  }
  return Status::OK();
}

Status Evaluator::RenderIf(const Node& node, std::string* out) {
  for (const auto& branch : node.branches) {
    SLUICE_ASSIGN_OR_RETURN(Value cond, EvalDefined(*branch.condition));
    if (cond.Truthy()) return RenderNodes(branch.body, out);
  }
  return RenderNodes(node.else_body, out);
}

Status Evaluator::Assign(const std::vector<std::string>& targets, const Value& v, int line,
                         int column) {
  if (targets.size() == 1) {
    frame_->Set(targets[0], v);
    return Status::OK();
  }
  if (!v.is_list()) {
    return Fail(line, column,
                "cannot unpack a '" + std::string(v.TypeName()) + "' into " +
                    std::to_string(targets.size()) + " names");
  }
  const ValueList& items = v.as_list();
  if (items.size() != targets.size()) {
    return Fail(line, column,
                "cannot unpack " + std::to_string(items.size()) + " value(s) into " +
                    std::to_string(targets.size()) + " names");
  }
  for (size_t i = 0; i < targets.size(); ++i) frame_->Set(targets[i], items[i]);
  return Status::OK();
}

Status Evaluator::RenderSet(const Node& node) {
  SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*node.expr));
  if (node.attr_target.empty()) return Assign(node.targets, v, node.line, node.column);
  const Value* obj = frame_->Find(node.targets[0]);
  if (obj == nullptr) obj = env_.FindGlobal(node.targets[0]);
  if (obj == nullptr || !obj->is_dict()) {
    return Fail(node.line, node.column,
                "cannot set '" + node.targets[0] + "." + node.attr_target + "': '" +
                    node.targets[0] + "' is not a namespace or dict",
                "create it first: {% set " + node.targets[0] + " = namespace() %}");
  }
  if (WouldCreateCycle(*obj, v)) {
    return Fail(node.line, node.column,
                "cannot set '" + node.targets[0] + "." + node.attr_target +
                    "' to a value that "
                    "contains '" +
                    node.targets[0] + "' itself");
  }
  obj->mutable_dict().Set(Value(node.attr_target), std::move(v));
  return Status::OK();
}

Status Evaluator::RenderFor(const Node& node, std::string* out) {
  SLUICE_ASSIGN_OR_RETURN(Value seq, EvalDefined(*node.expr));
  auto items_or = Iterable(seq);
  if (!items_or.ok()) return At(node.expr->line, node.expr->column, items_or.status());
  ValueList items = std::move(items_or).value();
  Restore<std::shared_ptr<Frame>> restore(&frame_);
  const std::shared_ptr<Frame> outer = frame_;
  if (node.condition) {  // `for x in xs if cond`: filter first, so loop.length counts kept items
    ValueList kept;
    for (auto& item : items) {
      frame_ = std::make_shared<Frame>();
      frame_->parent = outer;
      SLUICE_RETURN_NOT_OK(Assign(node.targets, item, node.line, node.column));
      SLUICE_ASSIGN_OR_RETURN(Value keep, EvalDefined(*node.condition));
      if (keep.Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  const int64_t n = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < n; ++i) {
    if (++iterations_ > limits_.max_loop_iterations) {
      return Fail(node.line, node.column,
                  "more than " + std::to_string(limits_.max_loop_iterations) +
                      " loop iterations in one render (the render limit)",
                  "", StatusCode::kOutOfRange);
    }
    frame_ = std::make_shared<Frame>();
    frame_->parent = outer;
    SLUICE_RETURN_NOT_OK(
        Assign(node.targets, items[static_cast<size_t>(i)], node.line, node.column));
    Value loop = Value::EmptyDict();
    Dict& d = loop.mutable_dict();
    d.Set(Value("index"), Value(i + 1));
    d.Set(Value("index0"), Value(i));
    d.Set(Value("revindex"), Value(n - i));
    d.Set(Value("revindex0"), Value(n - i - 1));
    d.Set(Value("first"), Value(i == 0));
    d.Set(Value("last"), Value(i == n - 1));
    d.Set(Value("length"), Value(n));
    if (i > 0) d.Set(Value("previtem"), items[static_cast<size_t>(i - 1)]);
    if (i + 1 < n) d.Set(Value("nextitem"), items[static_cast<size_t>(i + 1)]);
    d.Set(Value("cycle"),
          Value::Function("loop.cycle",
                          [i](const CallArgs& args, const SourceLocation&) -> Result<Value> {
                            if (args.positional.empty())
                              return Status::Invalid("'loop.cycle' needs at least one value");
                            return args.positional[static_cast<size_t>(i) % args.positional.size()];
                          }));
    frame_->Set("loop", std::move(loop));
    SLUICE_RETURN_NOT_OK(RenderNodes(node.body, out));
    if (return_value_.has_value()) return Status::OK();
  }
  if (n == 0) {
    frame_ = outer;
    return RenderNodes(node.else_body, out);
  }
  return Status::OK();
}

Status Evaluator::RenderCallBlock(const Node& node, std::string* out) {
  const Expr& call = *node.expr;
  SLUICE_ASSIGN_OR_RETURN(Value callee, EvalDefined(*call.children[0]));
  SLUICE_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(call, 1));
  auto c = std::make_shared<Callable>();
  c->kind = Callable::Kind::kMacro;
  c->name = "caller";
  c->macro = node.macro;
  c->closure = frame_;
  c->has_closure = true;
  pinned_frames_.push_back(frame_);
  const Value caller = Value::FromCallable(std::move(c));
  SLUICE_ASSIGN_OR_RETURN(Value result, CallValue(callee, args, call.line, call.column, &caller));
  *out += result.ToString();
  return CheckOutput(*out, node.line, node.column);
}

// ---------------------------------------------------------------- expressions

Result<Value> Evaluator::EvalDefined(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(Value v, Eval(e));
  if (v.is_undefined()) return UndefinedError(v);
  return v;
}

Result<Value> Evaluator::Eval(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.literal;
    case ExprKind::kName:
      return EvalName(e);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      ValueList items;
      for (const auto& c : e.children) {
        SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*c));
        items.push_back(std::move(v));
      }
      return e.kind == ExprKind::kList ? Value::List(std::move(items))
                                       : Value::Tuple(std::move(items));
    }
    case ExprKind::kDict: {
      Value d = Value::EmptyDict();
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        SLUICE_ASSIGN_OR_RETURN(Value k, EvalDefined(*e.children[i]));
        if (k.is_list() || k.is_dict() || k.is_callable()) {
          return Fail(e.children[i]->line, e.children[i]->column,
                      "a '" + std::string(k.TypeName()) + "' cannot be a dict key");
        }
        SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*e.children[i + 1]));
        d.mutable_dict().Set(std::move(k), std::move(v));
      }
      return d;
    }
    case ExprKind::kAttr:
      return EvalAttr(e);
    case ExprKind::kSubscript:
      return EvalSubscript(e);
    case ExprKind::kSlice:
      return EvalSlice(e);
    case ExprKind::kCall:
      return EvalCall(e);
    case ExprKind::kFilter:
      return EvalFilter(e);
    case ExprKind::kTest:
      return EvalTest(e);
    case ExprKind::kNeg:
    case ExprKind::kPos: {
      SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*e.children[0]));
      auto r = UnaryOp(e.kind == ExprKind::kNeg ? "-" : "+", v);
      if (!r.ok()) return At(e.line, e.column, r.status());
      return r;
    }
    case ExprKind::kNot: {
      SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*e.children[0]));
      return Value(!v.Truthy());
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      SLUICE_ASSIGN_OR_RETURN(Value left, EvalDefined(*e.children[0]));
      // Python semantics: the deciding operand itself is the result.
      if (left.Truthy() == (e.kind == ExprKind::kOr)) return left;
      return EvalDefined(*e.children[1]);
    }
    case ExprKind::kBinary: {
      SLUICE_ASSIGN_OR_RETURN(Value a, EvalDefined(*e.children[0]));
      SLUICE_ASSIGN_OR_RETURN(Value b, EvalDefined(*e.children[1]));
      auto r = BinaryOp(e.name, a, b, limits_.max_output_bytes);
      if (!r.ok()) return At(e.line, e.column, r.status());
      return r;
    }
    case ExprKind::kCompare:
      return EvalCompare(e);
    case ExprKind::kCond: {
      SLUICE_ASSIGN_OR_RETURN(Value cond, EvalDefined(*e.children[0]));
      if (cond.Truthy()) return Eval(*e.children[1]);
      if (!e.children[2]) return Value("");  // `a if c` without else renders nothing
      return Eval(*e.children[2]);
    }
  }
  return Status::Internal("unknown expression kind");
}

Result<Value> Evaluator::EvalName(const Expr& e) {
  if (const Value* v = frame_->Find(e.name)) return *v;
  if (const Value* v = env_.FindGlobal(e.name)) return *v;
  const std::string close = ClosestMatch(e.name, VisibleNames());
  return Value::Undefined("'" + e.name + "' is undefined",
                          close.empty() ? "" : "did you mean '" + close + "'?",
                          Loc(e.line, e.column));
}

Result<Value> Evaluator::EvalAttr(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(Value obj, EvalDefined(*e.children[0]));
  if (HasMethod(obj, e.name)) {
    auto c = std::make_shared<Callable>();
    c->kind = Callable::Kind::kMethod;
    c->name = e.name;
    c->receiver = obj;
    return Value::FromCallable(std::move(c));
  }
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().Find(e.name)) return *v;
    std::vector<std::string> keys;
    for (const auto& [k, unused] : obj.as_dict().entries()) {
      if (k.is_string()) keys.push_back(k.as_string());
    }
    const std::string close = ClosestMatch(e.name, keys);
    return Value::Undefined("dict has no key '" + e.name + "'",
                            close.empty() ? "" : "did you mean '" + close + "'?",
                            Loc(e.line, e.column));
  }
  const std::string close = ClosestMatch(e.name, MethodNames(obj));
  std::string hint = close.empty() ? "" : "did you mean '" + close + "'?";
  if (obj.is_tuple() && HasMethod(Value::List(), e.name)) {
    hint = "a tuple cannot be changed; build a list with [...] instead";
  }
  return Value::Undefined("'" + std::string(obj.TypeName()) + "' has no attribute '" + e.name + "'",
                          std::move(hint), Loc(e.line, e.column));
}

Result<Value> Evaluator::EvalSubscript(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(Value obj, EvalDefined(*e.children[0]));
  SLUICE_ASSIGN_OR_RETURN(Value key, EvalDefined(*e.children[1]));
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().Find(key)) return *v;
    return Value::Undefined("dict has no key " + key.Repr(), "", Loc(e.line, e.column));
  }
  if (obj.is_list() || obj.is_string()) {
    if (!key.is_int()) {
      return Fail(e.line, e.column,
                  std::string(obj.TypeName()) + " index must be an int, got '" +
                      std::string(key.TypeName()) + "'");
    }
    if (obj.is_string()) {
      const auto chars = Utf8Chars(obj.as_string());
      int64_t i = key.as_int();
      if (i < 0) i += static_cast<int64_t>(chars.size());
      if (i < 0 || i >= static_cast<int64_t>(chars.size())) {
        return Value::Undefined("string index " + std::to_string(key.as_int()) + " is out of range",
                                "", Loc(e.line, e.column));
      }
      return Value(chars[static_cast<size_t>(i)]);
    }
    const ValueList& items = obj.as_list();
    int64_t i = key.as_int();
    if (i < 0) i += static_cast<int64_t>(items.size());
    if (i < 0 || i >= static_cast<int64_t>(items.size())) {
      return Value::Undefined("list index " + std::to_string(key.as_int()) +
                                  " is out of range (length " + std::to_string(items.size()) + ")",
                              "", Loc(e.line, e.column));
    }
    return items[static_cast<size_t>(i)];
  }
  return Fail(e.line, e.column, "a '" + std::string(obj.TypeName()) + "' cannot be subscripted");
}

Result<Value> Evaluator::EvalSlice(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(Value obj, EvalDefined(*e.children[0]));
  int64_t bounds[3] = {0, 0, 1};
  bool given[3] = {false, false, false};
  for (int k = 0; k < 3; ++k) {
    const auto& c = e.children[static_cast<size_t>(k) + 1];
    if (!c) continue;
    SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*c));
    if (v.is_none()) continue;
    if (!v.is_int()) return Fail(c->line, c->column, "slice bounds must be ints");
    bounds[k] = v.as_int();
    given[k] = true;
  }
  const int64_t step = bounds[2];
  if (step == 0) return Fail(e.line, e.column, "slice step cannot be zero");
  ValueList items;
  std::vector<std::string> chars;
  if (obj.is_string()) {
    chars = Utf8Chars(obj.as_string());
  } else if (obj.is_list()) {
    items = obj.as_list();
  } else {
    return Fail(e.line, e.column, "a '" + std::string(obj.TypeName()) + "' cannot be sliced");
  }
  const int64_t n = static_cast<int64_t>(obj.is_string() ? chars.size() : items.size());
  auto clamp = [&](int64_t v, bool is_given, int64_t dflt) {
    if (!is_given) return dflt;
    if (v < 0) v += n;
    if (step > 0) return std::clamp<int64_t>(v, 0, n);
    return std::clamp<int64_t>(v, -1, n - 1);
  };
  const int64_t start = clamp(bounds[0], given[0], step > 0 ? 0 : n - 1);
  const int64_t stop = clamp(bounds[1], given[1], step > 0 ? n : -1);
  std::string s;
  ValueList out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is_string()) {
      s += chars[static_cast<size_t>(i)];
    } else {
      out.push_back(items[static_cast<size_t>(i)]);
    }
  }
  if (obj.is_string()) return Value(std::move(s));
  return obj.is_tuple() ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
}

Result<CallArgs> Evaluator::EvalArgs(const Expr& e, size_t first_positional) {
  CallArgs args;
  for (size_t i = first_positional; i < e.children.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*e.children[i]));
    args.positional.push_back(std::move(v));
  }
  for (const auto& [k, expr] : e.kwargs) {
    SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*expr));
    args.keyword.emplace_back(k, std::move(v));
  }
  return args;
}

Result<Value> Evaluator::EvalCall(const Expr& e) {
  const Expr& target = *e.children[0];
  // dbt's return(): ends the current macro with a value of any type.
  if (target.kind == ExprKind::kName && target.name == "return" &&
      frame_->Find("return") == nullptr && env_.FindGlobal("return") == nullptr) {
    if (call_depth_ == 0) return Fail(e.line, e.column, "return() used outside a macro");
    SLUICE_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
    if (args.positional.size() != 1 || !args.keyword.empty()) {
      return Fail(e.line, e.column, "return() takes exactly one argument");
    }
    return_value_ = args.positional[0];
    return Value("");
  }
  SLUICE_ASSIGN_OR_RETURN(Value callee, EvalDefined(target));
  if (!callee.is_callable()) {
    const std::string what = target.kind == ExprKind::kName || target.kind == ExprKind::kAttr
                                 ? "'" + target.name + "'"
                                 : "the value";
    return Fail(e.line, e.column,
                what + " is a '" + std::string(callee.TypeName()) + "', not a function or macro");
  }
  SLUICE_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
  return CallValue(callee, args, e.line, e.column);
}

Result<Value> Evaluator::CallValue(const Value& callee, const CallArgs& args, int line, int column,
                                   const Value* caller) {
  if (!callee.is_callable()) {
    return Fail(line, column, "a '" + std::string(callee.TypeName()) + "' is not callable");
  }
  const Callable& c = callee.as_callable();
  switch (c.kind) {
    case Callable::Kind::kMacro:
      return CallMacro(c, args, line, column, caller);
    case Callable::Kind::kMethod: {
      auto r = CallMethod(c.receiver, c.name, args);
      if (!r.ok()) return At(line, column, r.status());
      return r;
    }
    case Callable::Kind::kHost: {
      if (caller != nullptr) {
        return Fail(line, column, "'{% call %}' needs a macro, '" + c.name + "' is a function");
      }
      auto r = c.host(args, Loc(line, column));
      if (!r.ok()) return At(line, column, r.status(), "in '" + c.name + "'");
      if (r->is_undefined())
        return Fail(line, column, "'" + c.name + "' returned an undefined value");
      return r;
    }
  }
  return Status::Internal("unknown callable kind");
}

Result<Value> Evaluator::CallMacro(const Callable& c, const CallArgs& args, int line, int column,
                                   const Value* caller) {
  const MacroDef& def = *c.macro;
  if (call_depth_ >= limits_.max_call_depth) {
    return Fail(line, column,
                "maximum macro call depth (" + std::to_string(limits_.max_call_depth) +
                    ") exceeded calling '" + def.name + "'",
                "does the macro call itself without a stopping condition?",
                StatusCode::kOutOfRange);
  }
  if (args.positional.size() > def.params.size()) {
    return Fail(line, column,
                "macro '" + def.name + "' takes at most " + std::to_string(def.params.size()) +
                    " argument(s), got " + std::to_string(args.positional.size()));
  }
  std::vector<std::string> names;
  for (const auto& p : def.params) names.push_back(p.name);
  for (const auto& [k, unused] : args.keyword) {
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      return Fail(line, column, "macro '" + def.name + "' has no parameter '" + k + "'",
                  names.empty() ? "it takes no parameters" : SuggestionHint(k, names));
    }
  }
  const SourceLocation call_site = Loc(line, column);
  auto frame = std::make_shared<Frame>();
  if (c.has_closure) {
    frame->parent = c.closure.lock();
    if (!frame->parent) {
      return Fail(line, column,
                  "macro '" + def.name +
                      "' was called after the template that "
                      "defined it finished rendering");
    }
  }
  Restore<std::shared_ptr<Frame>> restore_frame(&frame_);
  Restore<std::shared_ptr<const std::string>> restore_file(&file_);
  frame_ = frame;
  file_ = def.file;
  ++call_depth_;
  struct DepthDown {
    int* d;
    ~DepthDown() { --*d; }
  } depth_down{&call_depth_};
  if (caller != nullptr) frame->Set("caller", *caller);
  for (size_t i = 0; i < def.params.size(); ++i) {
    const MacroParam& p = def.params[i];
    const Value* kw = args.Keyword(p.name);
    if (i < args.positional.size()) {
      if (kw != nullptr) {
        return TemplateError(StatusCode::kInvalid, call_site,
                             "macro '" + def.name + "' got parameter '" + p.name + "' twice");
      }
      frame->Set(p.name, args.positional[i]);
    } else if (kw != nullptr) {
      frame->Set(p.name, *kw);
    } else if (p.default_value) {
      // Defaults are evaluated at call time, in the macro's scope (they may use earlier params).
      SLUICE_ASSIGN_OR_RETURN(Value v, EvalDefined(*p.default_value));
      frame->Set(p.name, std::move(v));
    } else {
      return TemplateError(
          StatusCode::kInvalid, call_site,
          "macro '" + def.name + "' is missing required argument '" + p.name + "'");
    }
  }
  std::string out;
  Status st = RenderNodes(def.body, &out);
  if (!st.ok()) {
    const std::string& msg = st.message();
    const std::string trace = "\n  in macro '" + def.name + "' called at " + call_site.ToString();
    // Recursion repeats one frame many times; keep the trace short.
    if (std::count(msg.begin(), msg.end(), '\n') >= kMaxTraceLines || msg.ends_with(trace)) {
      return st;
    }
    return Status(st.code(), msg + trace);
  }
  if (return_value_.has_value()) {
    Value v = std::move(*return_value_);
    return_value_.reset();
    return v;
  }
  return Value(std::move(out));
}

Result<Value> Evaluator::EvalFilter(const Expr& e) {
  FilterFunction f = FindFilter(e.name);
  if (f == nullptr) {
    return Fail(e.line, e.column, "unknown filter '" + e.name + "'",
                SuggestionHint(e.name, FilterNames()));
  }
  const bool accepts_undefined = e.name == "default" || e.name == "d";
  SLUICE_ASSIGN_OR_RETURN(Value in,
                          accepts_undefined ? Eval(*e.children[0]) : EvalDefined(*e.children[0]));
  SLUICE_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
  auto r = f(in, args);
  if (!r.ok()) return At(e.line, e.column, r.status());
  if (r->is_undefined() && r->undefined_info().where.line == 0) {
    return Value::Undefined(r->undefined_info().message, "", Loc(e.line, e.column));
  }
  return r;
}

Result<Value> Evaluator::EvalTest(const Expr& e) {
  TestFunction t = FindTest(e.name);
  if (t == nullptr) {
    return Fail(e.line, e.column, "unknown test '" + e.name + "'",
                SuggestionHint(e.name, TestNames()));
  }
  const bool accepts_undefined = e.name == "defined" || e.name == "undefined";
  SLUICE_ASSIGN_OR_RETURN(Value in,
                          accepts_undefined ? Eval(*e.children[0]) : EvalDefined(*e.children[0]));
  SLUICE_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(e, 1));
  auto r = t(in, args);
  if (!r.ok()) return At(e.line, e.column, r.status());
  return Value(*r != e.negated);
}

Result<Value> Evaluator::EvalCompare(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(Value left, EvalDefined(*e.children[0]));
  for (size_t i = 0; i < e.ops.size(); ++i) {
    const Expr& right_expr = *e.children[i + 1];
    SLUICE_ASSIGN_OR_RETURN(Value right, EvalDefined(right_expr));
    auto r = CompareOp(e.ops[i], left, right);
    if (!r.ok()) return At(e.line, e.column, r.status());
    if (!*r) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

}  // namespace sluice::transform
