// BindSelect: FROM resolution, star expansion, output names, WHERE.
#include <set>

#include "core/diagnostics.h"
#include "sql/binder.h"

namespace sluice::sql {

namespace {

// The catalog's spelling of `name`, or "" when it has no such table.
std::string CanonicalName(const Catalog& catalog, const std::string& name) {
  for (const std::string& n : catalog.TableNames()) {
    if (EqualsIgnoreCase(n, name)) return n;
  }
  return name;
}

Status ExpandStar(const SelectItem& item, const BoundSelect& out, const TableRef& from,
                  const ErrorContext& ctx, std::vector<BoundExprPtr>* items,
                  std::vector<std::string>* names) {
  if (!item.star_qualifier.empty()) {
    const std::string table = from.Name();
    const std::string last = from.parts.back().name;
    const bool ok = from.alias.name.empty()
                        ? EqualsIgnoreCase(item.star_qualifier, table) ||
                              EqualsIgnoreCase(item.star_qualifier, last)
                        : EqualsIgnoreCase(item.star_qualifier, from.alias.name);
    if (!ok) {
      return ctx.Invalid(item.pos, "unknown table '" + item.star_qualifier + "' in " +
                                       item.star_qualifier + ".*; the query reads " + table);
    }
  }
  const Schema& s = *out.input_schema;
  for (int i = 0; i < s.num_fields(); ++i) {
    auto b = std::make_unique<BoundExpr>();
    b->op = BoundOp::kColumn;
    b->type = s.field(i).type;
    b->column = i;
    b->pos = item.pos;
    b->text = s.field(i).name;
    items->push_back(std::move(b));
    names->push_back(s.field(i).name);
  }
  return Status::OK();
}

}  // namespace

Result<BoundSelect> BindSelect(const SelectStmt& select, const Catalog& catalog,
                               const ErrorContext& ctx) {
  BoundSelect out;
  const std::string name = select.from.Name();
  out.input_schema = catalog.FindTable(name);
  if (!out.input_schema) {
    if (std::string why = catalog.ExplainMissing(name); !why.empty()) {
      return ctx.Invalid(select.from.pos, "stream '" + name + "' is not available: " + why);
    }
    std::string msg = "unknown stream '" + name + "'";
    const std::vector<std::string> names = catalog.TableNames();
    const std::string hint = SuggestionHint(name, names);
    if (!hint.empty()) msg += " (" + hint + ")";
    if (names.empty()) msg += "; no sources are declared (add one under sources/)";
    return ctx.Invalid(select.from.pos, msg);
  }
  out.input_table = CanonicalName(catalog, name);
  Binder binder(ctx, out.input_schema, out.input_table, select.from.alias.name);

  std::vector<std::string> names;
  for (const SelectItem& item : select.items) {
    if (item.star) {
      SLUICE_RETURN_NOT_OK(ExpandStar(item, out, select.from, ctx, &out.items, &names));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(BoundExprPtr b, binder.Bind(*item.expr));
    if (b->untyped_null) { SLUICE_ASSIGN_OR_RETURN(b, binder.Coerce(std::move(b), DataType::Varchar())); }
    std::string col_name;
    if (!item.alias.name.empty()) {
      col_name = item.alias.name;
    } else if (item.expr->kind == ExprKind::kColumnRef) {
      col_name = out.input_schema->field(b->column).name;
    } else {
      col_name = ExprText(*item.expr, ctx);
    }
    out.items.push_back(std::move(b));
    names.push_back(std::move(col_name));
  }
  // Output tables need distinct column names.
  std::vector<Field> fields;
  for (size_t i = 0; i < out.items.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (EqualsIgnoreCase(names[i], names[j])) {
        return ctx.Invalid(out.items[i]->pos, "duplicate output column name '" + names[i] +
                                                  "'; give one of them an alias with AS");
      }
    }
    Field f{names[i], out.items[i]->type, true};
    if (out.items[i]->op == BoundOp::kColumn) {
      f.nullable = out.input_schema->field(out.items[i]->column).nullable;
    }
    fields.push_back(std::move(f));
  }
  out.output_schema = MakeSchema(std::move(fields));
  if (select.where) {
    SLUICE_ASSIGN_OR_RETURN(out.where, binder.BindBoolean(*select.where, "WHERE condition"));
  }
  return out;
}

}  // namespace sluice::sql
