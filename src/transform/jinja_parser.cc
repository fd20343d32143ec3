#include "transform/jinja_parser.h"

#include "transform/jinja_parser_state.h"

namespace sluice::transform {
namespace internal {

namespace {

const std::vector<std::string>& KnownTags() {
  static const std::vector<std::string> kTags = {"if",     "elif",    "else",   "endif", "for",
                                                 "endfor", "set",     "endset", "macro", "endmacro",
                                                 "call",   "endcall", "do",     "raw",   "endraw"};
  return kTags;
}

}  // namespace

std::string DescribeToken(const Token& t) {
  switch (t.kind) {
    case TokenKind::kData:
      return "template text";
    case TokenKind::kVarBegin:
      return "'{{'";
    case TokenKind::kVarEnd:
      return "'}}'";
    case TokenKind::kBlockBegin:
      return "'{%'";
    case TokenKind::kBlockEnd:
      return "'%}'";
    case TokenKind::kName:
      return "'" + t.text + "'";
    case TokenKind::kString:
      return "string " + ReprString(t.text);
    case TokenKind::kInt:
    case TokenKind::kFloat:
      return "number " + t.text;
    case TokenKind::kOperator:
      return "'" + t.text + "'";
    case TokenKind::kEof:
      return "end of template";
  }
  return "token";
}

Status Parser::Subparse(std::initializer_list<std::string_view> ends, const Token* opener,
                        NodeList* out, std::string* end) {
  DepthGuard guard(this);
  SLUICE_RETURN_NOT_OK(CheckDepth());
  while (true) {
    const Token& t = Cur();
    switch (t.kind) {
      case TokenKind::kEof:
        if (opener != nullptr) {
          return ErrorAt(*opener, "'{% " + opener->text + " %}' is never closed",
                         "add '{% " + std::string(*ends.begin()) + " %}'");
        }
        return Status::OK();
      case TokenKind::kData: {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kText;
        n->line = t.line;
        n->column = t.column;
        n->text = t.text;
        out->push_back(std::move(n));
        Advance();
        break;
      }
      case TokenKind::kVarBegin: {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kOutput;
        n->line = t.line;
        n->column = t.column;
        Advance();
        SLUICE_ASSIGN_OR_RETURN(n->expr, ParseTuple(true));
        if (Cur().kind != TokenKind::kVarEnd) return Unexpected("'}}'");
        Advance();
        out->push_back(std::move(n));
        break;
      }
      case TokenKind::kBlockBegin: {
        const Token brace = t;
        Advance();
        if (Cur().kind != TokenKind::kName) return Unexpected("a tag name such as 'if' or 'for'");
        Token tag = Cur();  // located at its '{%', where errors about the block point
        tag.line = brace.line;
        tag.column = brace.column;
        if (std::find(ends.begin(), ends.end(), tag.text) != ends.end()) {
          *end = tag.text;
          Advance();
          return Status::OK();
        }
        SLUICE_RETURN_NOT_OK(ParseStatement(tag, opener, ends, out));
        break;
      }
      default:
        return Unexpected("template text, '{{' or '{%'");
    }
  }
}

Status Parser::ParseStatement(const Token& tag, const Token* opener,
                              std::initializer_list<std::string_view> ends, NodeList* out) {
  auto n = std::make_unique<Node>();
  n->line = tag.line;
  n->column = tag.column;
  const std::string& name = tag.text;
  Advance();
  if (name == "if") {
    SLUICE_RETURN_NOT_OK(ParseIf(tag, n.get()));
  } else if (name == "for") {
    SLUICE_RETURN_NOT_OK(ParseFor(tag, n.get()));
  } else if (name == "set") {
    SLUICE_RETURN_NOT_OK(ParseSet(tag, n.get()));
  } else if (name == "macro") {
    SLUICE_RETURN_NOT_OK(ParseMacro(tag, n.get()));
  } else if (name == "call") {
    SLUICE_RETURN_NOT_OK(ParseCallBlock(tag, n.get()));
  } else if (name == "do") {
    n->kind = NodeKind::kDo;
    SLUICE_ASSIGN_OR_RETURN(n->expr, ParseTuple(true));
    SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
  } else {
    const auto& known = KnownTags();
    if (std::find(known.begin(), known.end(), name) != known.end()) {
      if (opener != nullptr) {
        return ErrorAt(tag, "unexpected '{% " + name + " %}'",
                       "the '{% " + opener->text + " %}' at line " + std::to_string(opener->line) +
                           " column " + std::to_string(opener->column) + " expects '{% " +
                           std::string(*ends.begin()) + " %}' first");
      }
      return ErrorAt(tag, "unexpected '{% " + name + " %}'", "there is no open block it closes");
    }
    return ErrorAt(tag, "unknown tag '" + name + "'", SuggestionHint(name, known));
  }
  out->push_back(std::move(n));
  return Status::OK();
}

Status Parser::ParseIf(const Token& tag, Node* n) {
  n->kind = NodeKind::kIf;
  Token opener = tag;
  IfBranch first;
  SLUICE_ASSIGN_OR_RETURN(first.condition, ParseTuple(true));
  SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
  std::string end;
  SLUICE_RETURN_NOT_OK(Subparse({"endif", "elif", "else"}, &opener, &first.body, &end));
  n->branches.push_back(std::move(first));
  while (end == "elif") {
    IfBranch b;
    SLUICE_ASSIGN_OR_RETURN(b.condition, ParseTuple(true));
    SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
    SLUICE_RETURN_NOT_OK(Subparse({"endif", "elif", "else"}, &opener, &b.body, &end));
    n->branches.push_back(std::move(b));
  }
  if (end == "else") {
    SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
    SLUICE_RETURN_NOT_OK(Subparse({"endif"}, &opener, &n->else_body, &end));
  }
  return ExpectBlockEnd();
}

Status Parser::ParseTargets(std::vector<std::string>* targets) {
  const bool paren = AcceptOp("(");
  do {
    SLUICE_ASSIGN_OR_RETURN(std::string name, ExpectName("a variable name"));
    targets->push_back(std::move(name));
  } while (AcceptOp(","));
  if (paren) SLUICE_RETURN_NOT_OK(ExpectOp(")"));
  return Status::OK();
}

Status Parser::ParseFor(const Token& tag, Node* n) {
  n->kind = NodeKind::kFor;
  SLUICE_RETURN_NOT_OK(ParseTargets(&n->targets));
  if (!IsName("in")) return Unexpected("'in'");
  Advance();
  SLUICE_ASSIGN_OR_RETURN(n->expr, ParseTuple(false));
  if (IsName("if")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(n->condition, ParseExpression(true));
  }
  if (IsName("recursive")) {
    return ErrorAt(Cur(), "recursive for loops are not supported", "use a macro that calls itself");
  }
  SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
  std::string end;
  SLUICE_RETURN_NOT_OK(Subparse({"endfor", "else"}, &tag, &n->body, &end));
  if (end == "else") {
    SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
    SLUICE_RETURN_NOT_OK(Subparse({"endfor"}, &tag, &n->else_body, &end));
  }
  return ExpectBlockEnd();
}

Status Parser::ParseSet(const Token& tag, Node* n) {
  n->kind = NodeKind::kSet;
  SLUICE_ASSIGN_OR_RETURN(std::string first, ExpectName("a variable name"));
  if (AcceptOp(".")) {
    SLUICE_ASSIGN_OR_RETURN(n->attr_target, ExpectName("an attribute name"));
    n->targets.push_back(std::move(first));
  } else {
    n->targets.push_back(std::move(first));
    while (AcceptOp(",")) {
      SLUICE_ASSIGN_OR_RETURN(std::string name, ExpectName("a variable name"));
      n->targets.push_back(std::move(name));
    }
  }
  if (Cur().kind == TokenKind::kBlockEnd && n->targets.size() == 1 && n->attr_target.empty()) {
    n->kind = NodeKind::kSetBlock;
    Advance();
    std::string end;
    SLUICE_RETURN_NOT_OK(Subparse({"endset"}, &tag, &n->body, &end));
    return ExpectBlockEnd();
  }
  SLUICE_RETURN_NOT_OK(ExpectOp("="));
  SLUICE_ASSIGN_OR_RETURN(n->expr, ParseTuple(true));
  return ExpectBlockEnd();
}

Status Parser::ParseParams(std::vector<MacroParam>* params) {
  SLUICE_RETURN_NOT_OK(ExpectOp("("));
  bool seen_default = false;
  while (!IsOp(")")) {
    if (!params->empty()) SLUICE_RETURN_NOT_OK(ExpectOp(","));
    if (IsOp(")")) break;  // trailing comma
    const Token at = Cur();
    MacroParam p;
    SLUICE_ASSIGN_OR_RETURN(p.name, ExpectName("a parameter name"));
    for (const auto& other : *params) {
      if (other.name == p.name) return ErrorAt(at, "duplicate parameter '" + p.name + "'");
    }
    if (AcceptOp("=")) {
      SLUICE_ASSIGN_OR_RETURN(p.default_value, ParseExpression(true));
      seen_default = true;
    } else if (seen_default) {
      return ErrorAt(at, "parameter '" + p.name + "' without a default follows one with a default",
                     "give it a default or move it before the defaulted ones");
    }
    params->push_back(std::move(p));
  }
  Advance();  // ')'
  return Status::OK();
}

Status Parser::ParseMacro(const Token& tag, Node* n) {
  n->kind = NodeKind::kMacro;
  n->macro = std::make_shared<MacroDef>();
  n->macro->line = tag.line;
  n->macro->column = tag.column;
  n->macro->file = file_;
  SLUICE_ASSIGN_OR_RETURN(n->macro->name, ExpectName("the macro's name"));
  SLUICE_RETURN_NOT_OK(ParseParams(&n->macro->params));
  SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
  std::string end;
  SLUICE_RETURN_NOT_OK(Subparse({"endmacro"}, &tag, &n->macro->body, &end));
  return ExpectBlockEnd();
}

Status Parser::ParseCallBlock(const Token& tag, Node* n) {
  n->kind = NodeKind::kCallBlock;
  n->macro = std::make_shared<MacroDef>();
  n->macro->name = "caller";
  n->macro->line = tag.line;
  n->macro->column = tag.column;
  n->macro->file = file_;
  if (IsOp("(")) SLUICE_RETURN_NOT_OK(ParseParams(&n->macro->params));
  const Token at = Cur();
  SLUICE_ASSIGN_OR_RETURN(n->expr, ParseExpression(true));
  if (n->expr->kind != ExprKind::kCall) {
    return ErrorAt(at, "'{% call %}' needs a call such as '{% call my_macro(1) %}'");
  }
  SLUICE_RETURN_NOT_OK(ExpectBlockEnd());
  std::string end;
  SLUICE_RETURN_NOT_OK(Subparse({"endcall"}, &tag, &n->macro->body, &end));
  return ExpectBlockEnd();
}

}  // namespace internal

Result<std::shared_ptr<const TemplateBody>> ParseTemplate(std::string_view source,
                                                          const std::string& file,
                                                          const ParseOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(source, file));
  internal::Parser parser(std::move(tokens), std::make_shared<const std::string>(file), options);
  return parser.Run();
}

}  // namespace sluice::transform
