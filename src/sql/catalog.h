// Catalog: what the binder can read. Implemented by the caller (the project's
// sources and streams, or a test's tables).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"
#include "core/status.h"

namespace sluice::sql {

class Catalog {
 public:
  virtual ~Catalog() = default;
  // Schema of a stream/table by (possibly dotted, "source.stream") name, or nullptr.
  // Names compare ASCII case-insensitively.
  virtual SchemaPtr FindTable(std::string_view name) const = 0;
  // Every table name, for "did you mean" suggestions and canonical spelling.
  virtual std::vector<std::string> TableNames() const = 0;
  // Why `name` is missing when the catalog knows better than "unknown" (e.g. its source
  // failed to load and was reported already); empty when it has nothing to add.
  virtual std::string ExplainMissing(std::string_view name) const {
    (void)name;
    return "";
  }
  // A bounded table a lookup join can read (JOIN t [FOR SYSTEM_TIME AS OF ...] ON ...): a
  // warehouse table (seed, model, materialized view) by name. Returns its schema, nullptr
  // when there is no such table, or an error when the catalog cannot tell (the warehouse
  // could not be opened). The default knows no tables.
  virtual Result<SchemaPtr> FindLookupTable(std::string_view name) const {
    (void)name;
    return SchemaPtr();
  }
};

}  // namespace sluice::sql
