// AST of a parsed template: expressions (Expr) and statements (Node). Produced by ParseTemplate,
// read by the Evaluator; immutable once built. Every node records its line and column; the
// file name lives once in TemplateBody.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "transform/jinja_value.h"

namespace sluice::transform {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  kLiteral,    // literal
  kName,       // name
  kList,       // children
  kTuple,      // children
  kDict,       // children: key0, value0, key1, value1, ...
  kAttr,       // children[0] . name
  kSubscript,  // children[0] [ children[1] ]
  kSlice,      // children[0] [ children[1] : children[2] : children[3] ] (null = omitted)
  kCall,       // children[0] ( children[1..] , kwargs )
  kFilter,     // children[0] | name ( children[1..], kwargs )
  kTest,       // children[0] is [not] name ( children[1..], kwargs ); negated
  kNeg,        // - children[0]
  kPos,        // + children[0]
  kNot,        // not children[0]
  kBinary,     // children[0] op children[1]: + - * / // % ** ~
  kAnd,        // children[0] and children[1]
  kOr,         // children[0] or children[1]
  kCompare,    // children[0] ops[0] children[1] ops[1] children[2] ... (chained, Python style)
  kCond,       // children[1] if children[0] else children[2] (children[2] may be null)
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  int column = 0;
  Value literal;                  // kLiteral
  std::string name;               // kName, kAttr, kFilter, kTest; the operator of kBinary
  std::vector<ExprPtr> children;  // see ExprKind
  std::vector<std::pair<std::string, ExprPtr>> kwargs;  // kCall, kFilter, kTest
  std::vector<std::string> ops;  // kCompare: "==", "!=", "<", "<=", ">", ">=", "in", "not in"
  bool negated = false;          // kTest: `is not`
  int depth = 1;                 // height of this subtree (the parser bounds it)
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using NodeList = std::vector<NodePtr>;

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null = required
};

// A macro (or the body of a call block, which becomes the `caller` macro).
struct MacroDef {
  std::string name;
  std::vector<MacroParam> params;
  NodeList body;
  int line = 0;
  int column = 0;
  std::shared_ptr<const std::string> file;  // file the macro was written in
};

enum class NodeKind {
  kText,       // text
  kOutput,     // {{ expr }}
  kIf,         // branches (cond, body), else_body
  kFor,        // targets in expr [if cond]: body else else_body
  kSet,        // targets = expr; or attr_target set: targets[0].attr = expr
  kSetBlock,   // {% set targets[0] %} body {% endset %}
  kMacro,      // macro
  kCallBlock,  // {% call(args) expr %} body {% endcall %}: expr calls, macro is the caller
  kDo,         // {% do expr %}
};

struct IfBranch {
  ExprPtr condition;
  NodeList body;
};

struct Node {
  NodeKind kind = NodeKind::kText;
  int line = 0;
  int column = 0;
  std::string text;                  // kText
  ExprPtr expr;                      // kOutput, kFor (iterable), kSet, kCallBlock, kDo
  ExprPtr condition;                 // kFor: optional `if` filter
  std::vector<IfBranch> branches;    // kIf
  NodeList body;                     // kFor, kSetBlock
  NodeList else_body;                // kIf, kFor
  std::vector<std::string> targets;  // kFor, kSet, kSetBlock
  std::string attr_target;           // kSet: `{% set ns.attr = ... %}`
  std::shared_ptr<MacroDef> macro;   // kMacro, kCallBlock
};

// A parsed template. Shared (shared_ptr) because macros defined in it outlive the Template
// object once loaded into an Environment or returned as values.
struct TemplateBody {
  std::shared_ptr<const std::string> file;
  NodeList nodes;
};

}  // namespace sluice::transform
