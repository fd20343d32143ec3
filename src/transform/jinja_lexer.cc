#include "transform/jinja_lexer.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "transform/jinja_error.h"

namespace sluice::transform {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(std::string source, const std::string& file) : src_(std::move(source)), file_(file) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Result<std::vector<Token>> Run() {
    while (pos_ < src_.size()) {
      SLUICE_RETURN_NOT_OK(LexData());
    }
    FlushData();
    Token eof = MakeToken(TokenKind::kEof, src_.size());
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  Token MakeToken(TokenKind kind, size_t offset) const {
    Token t;
    t.kind = kind;
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line_idx = static_cast<size_t>(it - line_starts_.begin()) - 1;
    t.line = static_cast<int>(line_idx + 1);
    t.column = static_cast<int>(offset - line_starts_[line_idx] + 1);
    return t;
  }

  Status Error(size_t offset, const std::string& message, const std::string& hint = "") const {
    const Token t = MakeToken(TokenKind::kEof, offset);
    return TemplateError(StatusCode::kParseError, SourceLocation{file_, t.line, t.column}, message,
                         hint);
  }

  // Appends literal text, honouring a pending `-%}` strip of leading whitespace.
  void AddData(size_t begin, size_t end) {
    if (strip_next_) {
      while (begin < end && IsSpace(src_[begin])) ++begin;
      if (begin < end) strip_next_ = false;
    }
    if (begin >= end) return;
    if (pending_data_.empty()) pending_offset_ = begin;
    pending_data_.append(src_, begin, end - begin);
  }

  // `{%-` and friends: strip the trailing whitespace of the text before the tag.
  void StripPendingRight() {
    while (!pending_data_.empty() && IsSpace(pending_data_.back())) pending_data_.pop_back();
  }

  void FlushData() {
    if (pending_data_.empty()) return;
    Token t = MakeToken(TokenKind::kData, pending_offset_);
    t.text = std::move(pending_data_);
    pending_data_.clear();
    tokens_.push_back(std::move(t));
  }

  Status LexData() {
    size_t open = src_.find('{', pos_);
    while (open != std::string::npos && open + 1 < src_.size() && src_[open + 1] != '{' &&
           src_[open + 1] != '%' && src_[open + 1] != '#') {
      open = src_.find('{', open + 1);
    }
    if (open == std::string::npos || open + 1 >= src_.size()) {
      AddData(pos_, src_.size());
      pos_ = src_.size();
      return Status::OK();
    }
    AddData(pos_, open);
    strip_next_ = false;  // a `-%}` strip ends at the next tag
    const char kind = src_[open + 1];
    size_t p = open + 2;
    if (p < src_.size() && src_[p] == '-') {
      StripPendingRight();
      ++p;
    } else if (p < src_.size() && src_[p] == '+') {
      ++p;  // `{%+` disables lstrip_blocks, which is off anyway
    }
    if (kind == '#') return LexComment(open, p);
    if (kind == '%' && IsRawTag(p)) return LexRaw(open, p);
    FlushData();
    tokens_.push_back(MakeToken(kind == '{' ? TokenKind::kVarBegin : TokenKind::kBlockBegin, open));
    pos_ = p;
    return LexTag(open, kind == '{');
  }

  Status LexComment(size_t open, size_t p) {
    const size_t close = src_.find("#}", p);
    if (close == std::string::npos) {
      return Error(open, "unclosed comment '{#'", "add '#}' to close it");
    }
    strip_next_ = close > p && src_[close - 1] == '-';
    pos_ = close + 2;
    return Status::OK();
  }

  // True when the tag at `p` (after `{%` and its whitespace control) is `raw`.
  bool IsRawTag(size_t p) const {
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0) return false;
    p += 3;
    return p < src_.size() && (IsSpace(src_[p]) || src_[p] == '-' || src_[p] == '%');
  }

  // Matches `[-+]? \s* <word> \s* [-+]? %}` at p (p just after "{%"); returns the end offset
  // or npos. Sets *strip_before / *strip_after for the '-' markers.
  size_t MatchSimpleTag(size_t p, std::string_view word, bool* strip_before,
                        bool* strip_after) const {
    *strip_before = false;
    *strip_after = false;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) {
      *strip_before = src_[p] == '-';
      ++p;
    }
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (src_.compare(p, word.size(), word) != 0) return std::string::npos;
    p += word.size();
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) {
      *strip_after = src_[p] == '-';
      ++p;
    }
    if (src_.compare(p, 2, "%}") != 0) return std::string::npos;
    return p + 2;
  }

  Status LexRaw(size_t open, size_t p) {
    bool unused = false;
    bool strip_after = false;
    // `p` is past any '-' already; re-match from the start of the tag body.
    const size_t start_end = MatchSimpleTag(p, "raw", &unused, &strip_after);
    if (start_end == std::string::npos) {
      return Error(open, "malformed '{% raw %}' tag", "write it as '{% raw %}'");
    }
    size_t search = start_end;
    while (true) {
      const size_t tag = src_.find("{%", search);
      if (tag == std::string::npos) {
        return Error(open, "unclosed '{% raw %}' block", "add '{% endraw %}'");
      }
      bool strip_before = false;
      bool strip_end_after = false;
      const size_t end = MatchSimpleTag(tag + 2, "endraw", &strip_before, &strip_end_after);
      if (end == std::string::npos) {
        search = tag + 2;
        continue;
      }
      strip_next_ = strip_after;
      size_t body_end = tag;
      size_t body_begin = start_end;
      if (strip_before) {
        while (body_end > body_begin && IsSpace(src_[body_end - 1])) --body_end;
      }
      AddData(body_begin, body_end);
      strip_next_ = strip_end_after;
      pos_ = end;
      return Status::OK();
    }
  }

  // Tokenizes the inside of `{{ ... }}` or `{% ... %}` up to and including its end marker.
  Status LexTag(size_t open, bool is_var) {
    // Open brackets: end markers inside them are operators (`{{ {'a': {}} }}`).
    std::vector<size_t> brackets;
    while (true) {
      while (pos_ < src_.size() && IsSpace(src_[pos_])) ++pos_;
      if (pos_ >= src_.size() && !brackets.empty()) {
        return Error(brackets.back(),
                     std::string("'") + src_[brackets.back()] + "' is never closed",
                     std::string("add '") + Closing(src_[brackets.back()]) + "'");
      }
      if (pos_ >= src_.size()) {
        return Error(open, std::string("unclosed '") + (is_var ? "{{" : "{%") + "'",
                     std::string("add '") + (is_var ? "}}" : "%}") + "' to close it");
      }
      if (brackets.empty()) {
        const std::string_view end = is_var ? "}}" : "%}";
        size_t q = pos_;
        bool strip = false;
        if (src_[q] == '-' || src_[q] == '+') {
          strip = src_[q] == '-';
          ++q;
        }
        if (src_.compare(q, 2, end) == 0) {
          tokens_.push_back(MakeToken(is_var ? TokenKind::kVarEnd : TokenKind::kBlockEnd, pos_));
          pos_ = q + 2;
          strip_next_ = strip;
          return Status::OK();
        }
      }
      const char c = src_[pos_];
      if (IsNameStart(c)) {
        const size_t b = pos_;
        while (pos_ < src_.size() && IsNameChar(src_[pos_])) ++pos_;
        Token t = MakeToken(TokenKind::kName, b);
        t.text = src_.substr(b, pos_ - b);
        tokens_.push_back(std::move(t));
      } else if (IsDigit(c)) {
        SLUICE_RETURN_NOT_OK(LexNumber());
      } else if (c == '\'' || c == '"') {
        SLUICE_RETURN_NOT_OK(LexString());
      } else {
        SLUICE_RETURN_NOT_OK(LexOperator(&brackets));
      }
    }
  }

  Status LexNumber() {
    const size_t b = pos_;
    std::string digits;
    bool is_float = false;
    auto take_digits = [&] {
      while (pos_ < src_.size() && (IsDigit(src_[pos_]) || src_[pos_] == '_')) {
        if (src_[pos_] != '_') digits += src_[pos_];
        ++pos_;
      }
    };
    take_digits();
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && IsDigit(src_[pos_ + 1])) {
      is_float = true;
      digits += '.';
      ++pos_;
      take_digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t q = pos_ + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (q < src_.size() && IsDigit(src_[q])) {
        is_float = true;
        digits += 'e';
        digits.append(src_, pos_ + 1, q - pos_ - 1);
        pos_ = q;
        take_digits();
      }
    }
    Token t = MakeToken(is_float ? TokenKind::kFloat : TokenKind::kInt, b);
    t.text = src_.substr(b, pos_ - b);
    errno = 0;
    if (is_float) {
      t.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      t.int_value = std::strtoll(digits.c_str(), nullptr, 10);
      if (errno == ERANGE) {
        return Error(b, "integer literal " + t.text + " is out of range",
                     "integers are 64-bit; write it as a float or a string");
      }
    }
    tokens_.push_back(std::move(t));
    return Status::OK();
  }

  Status LexString() {
    const size_t b = pos_;
    const char quote = src_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= src_.size()) {
        return Error(b, "unterminated string literal", std::string("add the closing ") + quote);
      }
      const char c = src_[pos_++];
      if (c == quote) break;
      if (c != '\\' || pos_ >= src_.size()) {
        value += c;
        continue;
      }
      const char e = src_[pos_++];
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '0':
          value += '\0';
          break;
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case '\n':
          break;  // line continuation
        case 'x':
        case 'u': {
          const int n = e == 'x' ? 2 : 4;
          uint32_t cp = 0;
          bool ok = pos_ + static_cast<size_t>(n) <= src_.size();
          for (int i = 0; ok && i < n; ++i) {
            const int h = HexValue(src_[pos_ + static_cast<size_t>(i)]);
            if (h < 0) ok = false;
            cp = cp * 16 + static_cast<uint32_t>(h);
          }
          if (!ok) return Error(pos_ - 2, std::string("bad \\") + e + " escape in string");
          pos_ += static_cast<size_t>(n);
          AppendUtf8(&value, cp);
          break;
        }
        default:  // Python keeps unknown escapes as written: '\d' stays backslash-d
          value += '\\';
          value += e;
      }
    }
    Token t = MakeToken(TokenKind::kString, b);
    t.text = std::move(value);
    tokens_.push_back(std::move(t));
    return Status::OK();
  }

  static char Closing(char open) { return open == '(' ? ')' : (open == '[' ? ']' : '}'); }

  Status LexOperator(std::vector<size_t>* brackets) {
    static constexpr std::string_view kTwo[] = {"**", "//", "==", "!=", "<=", ">="};
    static constexpr std::string_view kOne = "+-*/%~<>=()[]{},.:|";
    const size_t b = pos_;
    std::string op;
    for (auto two : kTwo) {
      if (src_.compare(pos_, 2, two) == 0) op = two;
    }
    if (op.empty()) {
      if (kOne.find(src_[pos_]) == std::string_view::npos) {
        return Error(b, std::string("unexpected character '") + src_[pos_] + "' in expression");
      }
      op = src_[pos_];
    }
    if (op == "(" || op == "[" || op == "{") brackets->push_back(b);
    if (op == ")" || op == "]" || op == "}") {
      if (brackets->empty()) {
        return Error(b, "unexpected '" + op + "'", "there is no open bracket it closes");
      }
      if (Closing(src_[brackets->back()]) != op[0]) {  // e.g. `{% macro m( %}`
        return Error(brackets->back(),
                     std::string("'") + src_[brackets->back()] + "' is never closed",
                     std::string("add '") + Closing(src_[brackets->back()]) + "'");
      }
      brackets->pop_back();
    }
    pos_ += op.size();
    Token t = MakeToken(TokenKind::kOperator, b);
    t.text = std::move(op);
    tokens_.push_back(std::move(t));
    return Status::OK();
  }

  std::string src_;
  const std::string& file_;
  std::vector<size_t> line_starts_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
  std::string pending_data_;
  size_t pending_offset_ = 0;
  bool strip_next_ = false;
};

std::string Normalize(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();  // keep_trailing_newline=False
  return out;
}

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view source, const std::string& file) {
  Lexer lexer(Normalize(source), file);
  return lexer.Run();
}

}  // namespace sluice::transform
