#include "project/yaml_reader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string_view>

namespace sluice::project {

namespace {

bool IsEnvNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsEnvNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool ValidEnvName(std::string_view name) {
  if (name.empty() || !IsEnvNameStart(name[0])) return false;
  return std::all_of(name.begin(), name.end(), IsEnvNameChar);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = IsEnvNameChar(c) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  }
  return out;
}

// False when the quoted scalar starting at byte `pos` of `text` has no closing quote.
// Unknown positions (not at a quote) count as closed.
bool QuoteIsClosed(std::string_view text, int pos) {
  if (pos < 0 || static_cast<size_t>(pos) >= text.size()) return true;
  const char quote = text[static_cast<size_t>(pos)];
  if (quote != '"' && quote != '\'') return true;
  for (size_t i = static_cast<size_t>(pos) + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escaped character
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside a single-quoted string
      } else {
        return true;
      }
    }
  }
  return false;
}

// Builds the ConfigValue tree from yaml-cpp's parse events. One instance per document.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view text, const std::string& file, Diagnostics* diag,
              std::vector<std::string>* secrets)
      : text_(text), file_(file), diag_(diag), secrets_(secrets) {}

  bool has_root() const { return has_root_; }
  // Where a quoted string that yaml-cpp accepted is left open (line 0 if none): the tree
  // after it is not what the user wrote.
  const SourceLocation& unclosed_quote() const { return unclosed_quote_; }
  ConfigValue TakeRoot() { return std::move(root_); }
  const SourceLocation& document_start() const { return document_start_; }

  // Where the innermost unclosed `[...]` or `{...}` starts, if any: yaml-cpp reports an
  // unclosed flow collection without a usable position.
  const SourceLocation* OpenFlowCollection() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->flow) return &it->value.location;
    }
    return nullptr;
  }

  SourceLocation Where(const YAML::Mark& mark) const {
    if (mark.is_null()) return SourceLocation{file_, 0, 0};
    return SourceLocation{file_, mark.line + 1, mark.column + 1};
  }

  void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = Where(mark); }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    ConfigValue v;
    v.location = Where(mark);
    Emit(std::move(v), anchor, /*literal=*/false);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {  // an alias of a collection that is still open
      diag_->Error(Where(mark), "this alias refers to a map or list that contains it",
                   "copy the values instead of using '*'");
      OnNull(mark, 0);
      return;
    }
    // The copy keeps the locations where the values were written.
    Emit(it->second, 0, /*literal=*/false);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    ConfigValue v = ConfigValue::Scalar(value, Where(mark));
    if (tag == "!" && !QuoteIsClosed(text_, mark.pos)) {
      // yaml-cpp accepts a quoted string left open at the end of the file once a line
      // break follows the quote; it then swallows every line after it.
      diag_->Error(v.location, "a quoted string is never closed", "add the closing quote");
      unclosed_quote_ = v.location;
    }
    if (InKeyPosition()) {
      Emit(std::move(v), anchor, /*literal=*/true);
      return;
    }
    EnvExpansion exp = ExpandEnvReferences(value);
    for (auto& problem : exp.errors) {
      diag_->Error(v.location, std::move(problem.message), std::move(problem.hint));
    }
    if (!exp.values.empty()) {
      v.secret = true;
      for (auto& s : exp.values) {
        if (s.empty() || !secrets_) continue;
        if (std::find(secrets_->begin(), secrets_->end(), s) == secrets_->end()) {
          secrets_->push_back(std::move(s));
        }
      }
    }
    v.scalar = std::move(exp.text);
    Emit(std::move(v), anchor, /*literal=*/exp.references == 0);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t anchor, YAML::EmitterStyle::value style) override {
    Open(ConfigValue::Kind::kList, mark, anchor, style);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    Open(ConfigValue::Kind::kMap, mark, anchor, style);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    ConfigValue value;
    YAML::anchor_t anchor = 0;
    bool flow = false;
    bool has_key = false;   // a key was read; its value comes next
    bool drop_value = false;  // the key was bad: drop the value that follows
    std::string key;
    SourceLocation key_location;
  };

  bool InKeyPosition() const {
    return !stack_.empty() && stack_.back().value.is_map() && !stack_.back().has_key;
  }

  void Open(ConfigValue::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor,
            YAML::EmitterStyle::value style) {
    Frame f;
    f.value.kind = kind;
    f.value.location = Where(mark);
    f.anchor = anchor;
    f.flow = style == YAML::EmitterStyle::Flow;
    stack_.push_back(std::move(f));
  }

  void Close() {
    if (stack_.empty()) return;  // unbalanced events: yaml-cpp throws before this matters
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Emit(std::move(f.value), f.anchor, /*literal=*/false);
  }

  // Places a finished value: as the root, a list item, a map key, or a map value.
  // `literal`: a scalar written without any ${...} reference.
  void Emit(ConfigValue v, YAML::anchor_t anchor, bool literal) {
    if (anchor != 0) anchors_[anchor] = v;
    if (stack_.empty()) {
      root_ = std::move(v);
      has_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_list()) {
      top.value.items.push_back(std::move(v));
      return;
    }
    if (!top.has_key) {
      top.has_key = true;
      top.drop_value = false;
      if (v.is_scalar()) {
        top.key = std::move(v.scalar);
        top.key_location = std::move(v.location);
      } else {
        diag_->Error(v.location, std::string("a key must be a plain name, found ") + v.KindName(),
                     "write 'name: value'");
        top.drop_value = true;
      }
      return;
    }
    top.has_key = false;
    if (top.drop_value) return;
    for (const auto& e : top.value.entries) {
      if (e.key == top.key) {
        diag_->Error(top.key_location, "duplicate key '" + top.key + "'",
                     "it is already set at line " + std::to_string(e.key_location.line) +
                         "; keep one of them");
        return;
      }
    }
    if (v.is_null()) v.location = top.key_location;
    if (literal && v.is_scalar() && !v.scalar.empty() && LooksLikeSecretKey(top.key)) {
      diag_->Error(v.location, "'" + top.key + "' looks like a secret written in the file",
                   "keep secrets out of project files: export it as an environment variable and "
                   "write '" + top.key + ": ${" + Upper(top.key) + "}'");
    }
    top.value.entries.push_back(ConfigEntry{top.key, top.key_location, std::move(v)});
  }

  std::string_view text_;
  const std::string& file_;
  Diagnostics* diag_;
  std::vector<std::string>* secrets_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, ConfigValue> anchors_;
  ConfigValue root_;
  bool has_root_ = false;
  SourceLocation document_start_;
  SourceLocation unclosed_quote_;
};

struct Explained {
  std::string message;
  std::string hint;
};

// yaml-cpp's messages in plain words, with what to do.
Explained ExplainParserError(const std::string& msg) {
  namespace E = YAML::ErrorMsg;
  if (msg == E::END_OF_MAP_FLOW) return {"'{' is never closed", "add the closing '}'"};
  if (msg == E::END_OF_SEQ_FLOW) return {"'[' is never closed", "add the closing ']'"};
  if (msg == E::END_OF_MAP) {
    return {"bad indentation: this line does not line up with the keys above it",
            "indent the keys of one map by the same number of spaces"};
  }
  if (msg == E::END_OF_SEQ) {
    return {"bad indentation in a list", "indent every '- ' item of one list the same"};
  }
  if (msg == E::MAP_VALUE) {
    return {"unexpected ':'",
            "check the indentation of this line, or quote a value that contains ': '"};
  }
  if (msg == E::BLOCK_ENTRY) {
    return {"unexpected '- ' list item",
            "check the indentation: a list goes under a key, each item indented the same"};
  }
  if (msg == E::FLOW_END) {
    return {"unexpected closing bracket", "remove it, or add the matching '[' or '{' before it"};
  }
  if (msg == E::EOF_IN_SCALAR) {
    return {"a quoted string is never closed", "add the closing quote"};
  }
  if (msg.rfind(E::INVALID_ESCAPE, 0) == 0) {
    return {"unknown escape '\\" + msg.substr(std::string_view(E::INVALID_ESCAPE).size()) +
                "' in a double-quoted string",
            "write '\\\\' for a backslash, or use single quotes"};
  }
  if (msg == E::UNKNOWN_ANCHOR || msg == E::ALIAS_NOT_FOUND) {
    return {"'*' refers to an anchor that is not defined", "define it with '&name' first"};
  }
  if (msg == E::TAB_IN_INDENTATION) {
    return {"tab character in indentation", "indent with spaces; YAML does not allow tabs"};
  }
  if (msg == E::MAP_KEY) return {"unexpected '?'", "write keys as 'name: value'"};
  return {"invalid YAML: " + msg, ""};
}

// The first tab in the indentation of lines 1..last_line (1-based), or line 0.
SourceLocation FindIndentTab(std::string_view text, const std::string& file, int last_line) {
  int line = 1;
  size_t i = 0;
  while (i < text.size() && line <= last_line) {
    int col = 1;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      if (text[i] == '\t') return SourceLocation{file, line, col};
      ++i;
      ++col;
    }
    while (i < text.size() && text[i] != '\n') ++i;
    ++i;
    ++line;
  }
  return SourceLocation{file, 0, 0};
}

bool StartsWithAt(std::string_view text, int line0, std::string_view prefix) {
  size_t i = 0;
  for (int l = 0; l < line0 && i < text.size(); ++i) {
    if (text[i] == '\n') ++l;
  }
  return text.substr(std::min(i, text.size())).substr(0, prefix.size()) == prefix;
}

}  // namespace

EnvExpansion ExpandEnvReferences(std::string_view text) {
  EnvExpansion out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '$' && text.substr(i, 3) == "$${") {
      out.text += "${";
      i += 3;
      continue;
    }
    if (c != '$' || text.substr(i, 2) != "${") {
      out.text += c;
      ++i;
      continue;
    }
    ++out.references;
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out.errors.push_back({"'${' is not closed with '}'",
                            "write '${NAME}', or '$${' for a literal '${'"});
      out.text += text.substr(i);
      break;
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    i = close + 1;
    if (!ValidEnvName(name)) {
      out.errors.push_back({"'${" + name + "}' is not a valid environment variable reference",
                            "names use letters, digits and '_'; write '$${' for a literal '${'"});
      continue;
    }
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      out.errors.push_back({"environment variable " + name + " is not set",
                            "export it or remove the reference"});
      continue;
    }
    out.text += value;
    out.values.emplace_back(value);
  }
  return out;
}

bool LooksLikeSecretKey(std::string_view key) {
  static const char* const kExact[] = {"password",   "passwd",      "token",
                                       "secret",     "api_key",     "apikey",
                                       "access_key", "secret_key",  "private_key",
                                       "client_secret", "credentials"};
  static const char* const kSuffixes[] = {"_password",   "_token",      "_secret",
                                          "_api_key",    "_access_key", "_secret_key",
                                          "_private_key"};
  const std::string k = Lower(key);
  for (const char* e : kExact) {
    if (k == e) return true;
  }
  for (const char* s : kSuffixes) {
    const std::string_view suffix(s);
    if (k.size() > suffix.size() &&
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

Result<ConfigValue> ParseYaml(std::string_view text, const std::string& file_for_messages,
                              Diagnostics* diag, std::vector<std::string>* secrets) {
  std::istringstream in{std::string(text)};
  TreeBuilder builder(text, file_for_messages, diag, secrets);
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(builder);
    TreeBuilder extra(text, file_for_messages, diag, nullptr);
    if (parser.HandleNextDocument(extra)) {
      const SourceLocation& at = extra.document_start();
      if (StartsWithAt(text, at.line - 1, "---")) {
        diag->Error(at, "a second YAML document ('---'); a sluice file holds one",
                    "remove the '---' line and what follows, or move it to its own file");
      } else {
        diag->Error(at, "unexpected text after the end of the file's map or list",
                    "check the indentation of this line");
      }
    }
  } catch (const YAML::DeepRecursion& e) {
    const SourceLocation at = builder.Where(e.mark);
    const std::string msg = "lists and maps are nested too deeply";
    diag->Error(at, msg, "a sluice file needs only a few levels");
    return Status::ParseError(at.ToString() + ": " + msg);
  } catch (const YAML::Exception& e) {
    Explained why = ExplainParserError(e.msg);
    SourceLocation at = builder.Where(e.mark);
    if (e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW || e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
      if (const SourceLocation* open = builder.OpenFlowCollection()) at = *open;
    }
    const int last_line = at.line > 0 ? at.line : 1 << 30;
    const SourceLocation tab = FindIndentTab(text, file_for_messages, last_line);
    if (tab.line > 0) {
      at = tab;
      why = ExplainParserError(YAML::ErrorMsg::TAB_IN_INDENTATION);
    }
    diag->Error(at, why.message, why.hint);
    Diagnostic d{at, why.message, why.hint};
    return Status::ParseError(d.ToString());
  } catch (const std::exception& e) {
    const SourceLocation at{file_for_messages, 0, 0};
    diag->Error(at, std::string("cannot read YAML: ") + e.what());
    return Status::ParseError(file_for_messages + ": cannot read YAML: " + e.what());
  }
  if (builder.unclosed_quote().line > 0) {
    return Status::ParseError(builder.unclosed_quote().ToString() +
                              ": a quoted string is never closed");
  }
  if (!builder.has_root()) return ConfigValue{};
  return builder.TakeRoot();
}

}  // namespace sluice::project
