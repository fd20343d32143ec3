#include "warehouse/table_name.h"

namespace sluice::warehouse {

namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string TableName::ToSql() const {
  return schema.empty() ? QuoteIdentifier(table)
                        : QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
}

std::string TableName::ToString() const { return schema.empty() ? table : schema + "." + table; }

Result<TableName> ParseTableName(std::string_view text) {
  TableName name;
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    name.table = std::string(text);
  } else {
    name.schema = std::string(text.substr(0, dot));
    name.table = std::string(text.substr(dot + 1));
  }
  if ((dot != std::string_view::npos && !IsIdentifier(name.schema)) || !IsIdentifier(name.table)) {
    return Status::Invalid("'" + std::string(text) +
                           "' is not a valid table name: use letters, digits and '_' (not "
                           "starting with a digit), optionally with a schema as in "
                           "'analytics.orders'");
  }
  return name;
}

}  // namespace sluice::warehouse
