#include "transform/generic_test_sql.h"

namespace sluice::transform {

namespace {

std::string Literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

Result<std::string> RelationOf(const Manifest& m, int index, const Node& test) {
  if (index < 0 || static_cast<size_t>(index) >= m.nodes.size()) {
    return Status::Invalid("test '" + test.name + "' is not attached to a node");
  }
  const Node& n = m.nodes[static_cast<size_t>(index)];
  if (n.relation.empty()) {
    return Status::Invalid("test '" + test.name + "' tests " + NodeKindName(n.kind) + " '" +
                           n.name + "', which has no table or view (ephemeral models cannot be "
                           "tested)");
  }
  return n.relation;
}

}  // namespace

Result<std::string> GenericTestSql(const Manifest& m, const Node& test) {
  const GenericTest& g = *test.generic_test;
  SLUICE_ASSIGN_OR_RETURN(std::string rel, RelationOf(m, g.attached_node, test));
  if (!test.config.where.empty()) {
    rel = "(select * from " + rel + " where " + test.config.where + ") dbt_subquery";
  }
  const std::string& col = g.column;
  if (g.test_name == "not_null") {
    return "select *\nfrom " + rel + "\nwhere " + col + " is null";
  }
  if (g.test_name == "unique") {
    return "select " + col + " as unique_field, count(*) as n_records\nfrom " + rel +
           "\nwhere " + col + " is not null\ngroup by " + col + "\nhaving count(*) > 1";
  }
  if (g.test_name == "accepted_values") {
    std::string list;
    for (const std::string& v : g.values) {
      if (!list.empty()) list += ", ";
      list += g.quote ? Literal(v) : v;
    }
    return "with all_values as (\n  select " + col + " as value_field, count(*) as n_records\n"
           "  from " + rel + "\n  group by " + col + "\n)\nselect *\nfrom all_values\n"
           "where value_field not in (" + list + ")";
  }
  if (g.test_name == "relationships") {
    SLUICE_ASSIGN_OR_RETURN(std::string parent, RelationOf(m, g.to_node, test));
    return "with child as (\n  select " + col + " as from_field\n  from " + rel + "\n  where " +
           col + " is not null\n),\nparent as (\n  select " + g.field + " as to_field\n  from " +
           parent + "\n)\nselect from_field\nfrom child\nleft join parent on child.from_field = "
           "parent.to_field\nwhere parent.to_field is null";
  }
  return Status::NotImplemented("generic test '" + g.test_name + "' is not supported");
}

}  // namespace sluice::transform
