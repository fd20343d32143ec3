// Table names as users write them in project files ("orders", "analytics.orders") and
// their safe SQL spelling. Database-neutral.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice::warehouse {

struct TableName {
  std::string schema;  // empty = the database's default schema
  std::string table;

  // Quoted SQL spelling: "analytics"."orders".
  std::string ToSql() const;
  // As written: analytics.orders.
  std::string ToString() const;
};

// Parses "name" or "schema.name", where each part is an identifier: a letter or '_'
// followed by letters, digits or '_' (at most 63 bytes). Fails with a message that
// quotes the text and says what a valid name looks like.
Result<TableName> ParseTableName(std::string_view text);

// `name` as a double-quoted SQL identifier, with embedded quotes doubled.
std::string QuoteIdentifier(std::string_view name);

// `text` as a single-quoted SQL string literal, with embedded quotes doubled.
std::string QuoteLiteral(std::string_view text);

}  // namespace sluice::warehouse
