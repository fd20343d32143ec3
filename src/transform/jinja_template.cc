#include "transform/jinja_template.h"

#include "transform/jinja_ast.h"
#include "transform/jinja_evaluator.h"
#include "transform/jinja_parser.h"

namespace sluice::transform {

Result<Template> Template::Parse(std::string_view source, const std::string& file) {
  SLUICE_ASSIGN_OR_RETURN(auto body, ParseTemplate(source, file));
  return Template(std::move(body));
}

Result<std::string> Template::Render(const Environment& env, const Value& context) const {
  Evaluator evaluator(env);
  return evaluator.Render(*body_, context);
}

std::vector<std::string> Template::MacroNames() const {
  std::vector<std::string> out;
  for (const auto& node : body_->nodes) {
    if (node->kind == NodeKind::kMacro) out.push_back(node->macro->name);
  }
  return out;
}

const std::string& Template::file() const { return *body_->file; }

}  // namespace sluice::transform
