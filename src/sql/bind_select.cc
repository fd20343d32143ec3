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

Result<int64_t> WindowLength(const ParsedExpr& e, const char* what, const BoundSelect& out,
                             const ErrorContext& ctx) {
  Binder b(ctx, out.source_schema, out.input_table, "");
  SLUICE_ASSIGN_OR_RETURN(BoundExprPtr v, b.Bind(e));
  if (!v->is_constant() || v->type.id != TypeId::kInterval || v->value.is_null()) {
    return ctx.Invalid(e.pos, std::string("the window ") + what +
                                  " must be a constant INTERVAL, e.g. INTERVAL '10' SECOND");
  }
  const Interval iv = v->value.interval_value();
  const int64_t micros = int64_t{iv.days} * 86400 * 1000000 + iv.micros;
  if (iv.months != 0 || micros <= 0) {
    return ctx.Invalid(e.pos, std::string("the window ") + what +
                                  " must be positive and given in days or smaller units "
                                  "(months have no fixed length)");
  }
  return micros;
}

}  // namespace

Status BindWindow(const SelectStmt& select, const ErrorContext& ctx, BoundSelect* out) {
  const TableRef& from = select.from;
  out->window = from.window;
  out->source_schema = out->input_schema;
  const Schema& src = *out->source_schema;
  const int ts = from.time_column.quoted ? -1 : src.FieldIndex(from.time_column.name);
  int index = ts;
  if (from.time_column.quoted) {
    for (int i = 0; i < src.num_fields(); ++i) {
      if (src.field(i).name == from.time_column.name) index = i;
    }
  }
  if (index < 0) {
    std::vector<std::string> names;
    for (const Field& f : src.fields()) names.push_back(f.name);
    std::string msg = "unknown column '" + from.time_column.name + "' in " + out->input_table;
    const std::string hint = SuggestionHint(from.time_column.name, names);
    if (!hint.empty()) msg += " (" + hint + ")";
    return ctx.Invalid(from.time_column.pos, msg);
  }
  if (src.field(index).type.id != TypeId::kTimestamp) {
    return ctx.Invalid(from.time_column.pos, "the window's time column '" + src.field(index).name +
                                                 "' must be TIMESTAMP, not " +
                                                 src.field(index).type.ToString());
  }
  for (const char* reserved : {"window_start", "window_end"}) {
    if (src.FieldIndex(reserved) >= 0) {
      return ctx.Invalid(from.window_pos, std::string("the stream already has a column named ") +
                                              reserved + "; a window adds its own");
    }
  }
  out->time_column = index;
  SLUICE_ASSIGN_OR_RETURN(out->window_size, WindowLength(*from.window_size, "size", *out, ctx));
  out->window_slide = out->window_size;
  if (from.window == WindowKind::kHop) {
    SLUICE_ASSIGN_OR_RETURN(out->window_slide, WindowLength(*from.window_slide, "slide", *out, ctx));
    if (out->window_size % out->window_slide != 0) {
      return ctx.Invalid(from.window_size->pos,
                         "a HOP window's size must be a multiple of its slide");
    }
  }
  std::vector<Field> fields = src.fields();
  fields.push_back(Field{"window_start", DataType::Timestamp(), false});
  fields.push_back(Field{"window_end", DataType::Timestamp(), false});
  out->input_schema = MakeSchema(std::move(fields));
  return Status::OK();
}

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
  if (select.from.window != WindowKind::kNone) {
    SLUICE_RETURN_NOT_OK(BindWindow(select, ctx, &out));
  } else if (select.emit_on_window_close) {
    return ctx.Invalid(select.emit_pos, "EMIT ON WINDOW CLOSE needs a window: FROM TUMBLE(stream, "
                                        "time_column, INTERVAL ...) or HOP(...)");
  }
  Binder binder(ctx, out.input_schema, out.input_table, select.from.alias.name);

  std::vector<std::string> names;
  if (select.where) {
    if (const ParsedExpr* agg = FindAggregateCall(*select.where)) {
      return ctx.Invalid(agg->pos, "aggregate functions are not allowed in WHERE; filter on "
                                   "them with HAVING");
    }
  }
  const bool aggregate = IsAggregateQuery(select);
  if (aggregate) SLUICE_RETURN_NOT_OK(BindAggregateQuery(select, binder, ctx, &out, &names));
  for (const SelectItem& item : select.items) {
    if (aggregate) break;
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
      const Schema& read = aggregate ? *out.frame_schema : *out.input_schema;
      f.nullable = read.field(out.items[i]->column).nullable;
    }
    fields.push_back(std::move(f));
  }
  out.output_schema = MakeSchema(std::move(fields));
  if (select.where) {
    SLUICE_ASSIGN_OR_RETURN(out.where, binder.BindBoolean(*select.where, "WHERE condition"));
  }
  if (out.window != WindowKind::kNone) {
    const int start = out.source_schema->num_fields();
    for (size_t k = 0; k < out.group_keys.size(); ++k) {
      const BoundExpr& key = *out.group_keys[k];
      if (key.op == BoundOp::kColumn && key.column == start) out.window_start_key = static_cast<int>(k);
    }
    if (!aggregate || out.window_start_key < 0) {
      return ctx.Invalid(select.from.window_pos,
                         "a windowed query must aggregate and GROUP BY window_start (e.g. "
                         "SELECT window_start, window_end, count(*) ... GROUP BY window_start, "
                         "window_end)");
    }
    out.emit_on_window_close = select.emit_on_window_close;
  }
  return out;
}

}  // namespace sluice::sql
