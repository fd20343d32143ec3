// Value: what a Jinja expression evaluates to. Python-like: none, bool, int (int64), float
// (double), string, list, tuple, dict (insertion ordered), callable (host function, macro or
// built-in method) and undefined (a missing name or key, kept so that `is defined` and
// `default` can look at it; any other use of it is an error).
//
// Lists and dicts have reference semantics, as in Python: copies of a Value share one
// container, so `{% do l.append(x) %}` is seen through every name bound to `l`. Values are
// not thread safe when they share a container; a render works on its own values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/diagnostics.h"
#include "core/status.h"

namespace sluice::transform {

class Value;
struct CallArgs;
struct Callable;
struct MacroDef;
struct Frame;  // evaluator scope (jinja_evaluator.h)

// A host function: receives the evaluated arguments and the call site. Its error Status is
// reported with the call site prefixed ("file:line:col: error: ..."), so its message should
// not repeat the location. Must not throw.
using HostFunction =
    std::function<Result<Value>(const CallArgs& args, const SourceLocation& where)>;

using ValueList = std::vector<Value>;

struct ListData {
  ValueList items;
  bool is_tuple = false;  // printed "(a, b)"; immutable to the template
};

// Insertion-ordered dict. Keys are scalars (string, int, bool, none, float); lookups are linear,
// which suits the small dicts templates build (config, namespace, var maps).
class Dict {
 public:
  const Value* Find(const Value& key) const;
  const Value* Find(std::string_view key) const;
  const Value* Find(const std::string& key) const { return Find(std::string_view(key)); }
  const Value* Find(const char* key) const { return Find(std::string_view(key)); }
  // Inserts or replaces; keeps the position of an existing key.
  void Set(Value key, Value value);
  bool Erase(const Value& key);
  size_t size() const { return entries_.size(); }
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<Value, Value>> entries_;
};

struct UndefinedInfo {
  std::string message;  // "'x' is undefined", "dict has no key 'y'"
  std::string hint;     // did-you-mean; may be empty
  SourceLocation where;
};

class Value {
 public:
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kList, kDict, kCallable, kUndefined };

  Value() = default;                                 // none
  Value(bool b) : v_(b) {}                           // NOLINT: implicit by design
  Value(int v) : v_(int64_t{v}) {}                   // NOLINT
  Value(int64_t v) : v_(v) {}                        // NOLINT
  Value(double v) : v_(v) {}                         // NOLINT
  Value(std::string s) : v_(std::move(s)) {}         // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(const char* s) : v_(std::string(s)) {}       // NOLINT
  static Value None() { return Value(); }
  static Value List(ValueList items = {});
  static Value Tuple(ValueList items);
  static Value EmptyDict();
  static Value Function(std::string name, HostFunction fn);
  static Value FromCallable(std::shared_ptr<const Callable> c);
  static Value Undefined(std::string message, std::string hint, SourceLocation where);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float(); }  // bool is not a number here
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }  // list or tuple
  bool is_tuple() const { return is_list() && list_data().is_tuple; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_callable() const { return kind() == Kind::kCallable; }
  bool is_undefined() const { return kind() == Kind::kUndefined; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // int, float or bool as a double (callers check the kind first).
  double as_double() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const ValueList& as_list() const { return list_data().items; }
  ValueList& mutable_list() const { return std::get<std::shared_ptr<ListData>>(v_)->items; }
  const ListData& list_data() const { return *std::get<std::shared_ptr<ListData>>(v_); }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<Dict>>(v_); }
  Dict& mutable_dict() const { return *std::get<std::shared_ptr<Dict>>(v_); }
  const Callable& as_callable() const { return *std::get<std::shared_ptr<const Callable>>(v_); }
  const UndefinedInfo& undefined_info() const {
    return *std::get<std::shared_ptr<const UndefinedInfo>>(v_);
  }

  // Python truthiness. Undefined is false here; the evaluator rejects it before asking.
  bool Truthy() const;
  // Python str(): "None", "True", "1.5", the string itself, "['a', 1]", "{'k': None}".
  std::string ToString() const;
  // Python repr(): strings quoted ('a'), everything else as ToString.
  std::string Repr() const;
  // "none", "bool", "int", "float", "string", "list", "tuple", "dict", "callable", "undefined".
  std::string_view TypeName() const;
  // Python ==: numbers compare by value (1 == 1.0 == true), containers deeply.
  bool Equals(const Value& other) const;

 private:
  void AppendTo(std::string* out, bool repr, int depth) const;
  bool EqualsAt(const Value& other, int depth) const;

  std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<ListData>,
               std::shared_ptr<Dict>, std::shared_ptr<const Callable>,
               std::shared_ptr<const UndefinedInfo>>
      v_;
};

// Arguments of a call: positional then keyword, as written.
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The keyword argument `name`, or nullptr.
  const Value* Keyword(std::string_view name) const;
};

// One parameter of a signature for BindArgs. A parameter without a default is required.
struct Param {
  std::string_view name;
  std::optional<Value> default_value;
};

// Binds `args` to `params` the way Python does (positional first, then by name), returning
// one Value per parameter. Errors (no location; the caller adds it): too many positional
// arguments, unknown keyword (with did-you-mean), argument given twice, missing required.
Result<ValueList> BindArgs(const CallArgs& args, std::span<const Param> params,
                           std::string_view function_name);

// What a callable Value calls.
struct Callable {
  enum class Kind { kHost, kMacro, kMethod };
  Kind kind = Kind::kHost;
  std::string name;
  HostFunction host;                      // kHost
  std::shared_ptr<const MacroDef> macro;  // kMacro (keeps its template's AST alive)
  // kMacro: the scope it was defined in (null for macros loaded into an Environment, which
  // see only globals). Weak, because that scope holds the macro itself; the evaluator keeps
  // such scopes alive for the whole render.
  std::weak_ptr<Frame> closure;
  bool has_closure = false;
  Value receiver;  // kMethod: the object `name` is called on
};

// True when storing `inserted` inside `container` would make a container contain itself
// (directly or through nested lists/dicts). Such cycles are refused: with reference counting
// they would never be freed, and printing them would not end.
bool WouldCreateCycle(const Value& container, const Value& inserted);

// Python repr of a string: 'it''s' -> "it's" (double quotes when the text holds ' and no ").
std::string ReprString(std::string_view s);
// Python repr of a float: 1.0, 0.1, 1e+16, 1e-05, inf, nan.
std::string FormatFloat(double d);

}  // namespace sluice::transform
