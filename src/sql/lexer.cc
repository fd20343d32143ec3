#include "sql/lexer.h"

#include <cctype>

#include "core/schema.h"

namespace sluice::sql {

bool Token::IsKeyword(std::string_view keyword) const {
  return kind == TokenKind::kIdentifier && EqualsIgnoreCase(text, keyword);
}

std::string Token::Describe() const {
  switch (kind) {
    case TokenKind::kEnd: return "end of input";
    case TokenKind::kIdentifier: return "'" + text + "'";
    case TokenKind::kQuotedIdentifier: return "\"" + text + "\"";
    case TokenKind::kString: return "string '" + text + "'";
    case TokenKind::kOperator: return "'" + text + "'";
    default: return "number " + text;
  }
}

namespace {

bool IsIdentStart(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '_' || u >= 0x80;
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(const ErrorContext& ctx) : ctx_(ctx), s_(ctx.script) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    for (;;) {
      SLUICE_RETURN_NOT_OK(SkipSpaceAndComments());
      Token t;
      t.pos = Pos();
      if (i_ >= s_.size()) {
        t.end = static_cast<int>(i_);
        out.push_back(std::move(t));
        return out;
      }
      SLUICE_RETURN_NOT_OK(Next(&t));
      t.end = static_cast<int>(i_);
      out.push_back(std::move(t));
    }
  }

 private:
  SourcePos Pos() const { return SourcePos{line_, col_, static_cast<int>(i_)}; }
  char Peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void Advance() {
    const char c = s_[i_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++col_;
    }
  }

  Status SkipSpaceAndComments() {
    while (i_ < s_.size()) {
      const char c = Peek();
      if (std::isspace(static_cast<unsigned char>(c))) {
        Advance();
      } else if (c == '-' && Peek(1) == '-') {
        while (i_ < s_.size() && Peek() != '\n') Advance();
      } else if (c == '/' && Peek(1) == '*') {
        const SourcePos start = Pos();
        int depth = 0;
        do {
          if (i_ >= s_.size()) {
            return ctx_.ParseError(start, "unterminated /* comment; close it with */");
          }
          if (Peek() == '/' && Peek(1) == '*') {
            ++depth;
            Advance();
            Advance();
          } else if (Peek() == '*' && Peek(1) == '/') {
            --depth;
            Advance();
            Advance();
          } else {
            Advance();
          }
        } while (depth > 0);
      } else {
        break;
      }
    }
    return Status::OK();
  }

  // Reads a quoted run ending in `quote`, where a doubled quote stands for one.
  Status Quoted(char quote, Token* t, const char* what) {
    const SourcePos start = Pos();
    Advance();
    for (;;) {
      if (i_ >= s_.size()) {
        return ctx_.ParseError(start, std::string("unterminated ") + what + "; close it with " +
                                          quote);
      }
      const char c = Peek();
      Advance();
      if (c == quote) {
        if (Peek() != quote) return Status::OK();
        Advance();
      }
      t->text.push_back(c);
    }
  }

  void Number(Token* t) {
    const size_t b = i_;
    t->kind = TokenKind::kInteger;
    while (IsDigit(Peek())) Advance();
    if (Peek() == '.' && Peek(1) != '.') {
      t->kind = TokenKind::kDecimal;
      Advance();
      while (IsDigit(Peek())) Advance();
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && IsDigit(Peek(2))))) {
      t->kind = TokenKind::kFloat;
      Advance();
      if (Peek() == '+' || Peek() == '-') Advance();
      while (IsDigit(Peek())) Advance();
    }
    t->text.assign(s_.substr(b, i_ - b));
  }

  Status Next(Token* t) {
    const char c = Peek();
    if (IsIdentStart(c)) {
      const size_t b = i_;
      while (i_ < s_.size() && IsIdentChar(Peek())) Advance();
      t->kind = TokenKind::kIdentifier;
      t->text.assign(s_.substr(b, i_ - b));
      return Status::OK();
    }
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
      Number(t);
      return Status::OK();
    }
    if (c == '\'') {
      t->kind = TokenKind::kString;
      return Quoted('\'', t, "string literal");
    }
    if (c == '"') {
      t->kind = TokenKind::kQuotedIdentifier;
      SLUICE_RETURN_NOT_OK(Quoted('"', t, "quoted identifier"));
      if (t->text.empty()) return ctx_.ParseError(t->pos, "zero-length quoted identifier \"\"");
      return Status::OK();
    }
    t->kind = TokenKind::kOperator;
    static constexpr std::string_view kThree[] = {"->>", "!~*"};
    for (std::string_view op : kThree) {
      if (c == op[0] && Peek(1) == op[1] && Peek(2) == op[2]) {
        t->text.assign(op);
        for (int k = 0; k < 3; ++k) Advance();
        return Status::OK();
      }
    }
    static constexpr std::string_view kTwo[] = {"||", "<>", "!=", "<=", ">=", "::", "->", "~*", "!~"};
    for (std::string_view op : kTwo) {
      if (c == op[0] && Peek(1) == op[1]) {
        t->text.assign(op);
        Advance();
        Advance();
        return Status::OK();
      }
    }
    static constexpr std::string_view kOne = "(),.;*+-/%=<>[]^~";
    if (kOne.find(c) != std::string_view::npos) {
      t->text.assign(1, c);
      Advance();
      return Status::OK();
    }
    std::string shown(1, c);
    if (static_cast<unsigned char>(c) < 0x20) shown = "\\x" + std::to_string(static_cast<int>(c));
    return ctx_.ParseError(Pos(), "unexpected character '" + shown + "'");
  }

  const ErrorContext& ctx_;
  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

Result<std::vector<Token>> Tokenize(const ErrorContext& ctx) { return Lexer(ctx).Run(); }

}  // namespace sluice::sql
