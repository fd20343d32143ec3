#include "transform/relation_cache.h"

#include "core/value.h"
#include "warehouse/table_name.h"

namespace sluice::transform {

Status RelationCache::Load(warehouse::Connection* conn, const std::set<std::string>& schemas) {
  if (schemas.empty()) return Status::OK();
  std::string in;
  for (const std::string& s : schemas) {
    if (!in.empty()) in += ", ";
    in += warehouse::QuoteLiteral(s);
  }
  SLUICE_ASSIGN_OR_RETURN(
      warehouse::QueryResult r,
      conn->Query("SELECT CAST(table_schema AS VARCHAR), CAST(table_name AS VARCHAR), "
                  "CAST(table_type AS VARCHAR) FROM information_schema.tables WHERE "
                  "table_catalog = current_database() AND table_schema IN (" + in + ")"));
  std::lock_guard<std::mutex> lock(mu_);
  schemas_.insert(schemas.begin(), schemas.end());
  std::string schema, name, type;
  for (const RecordBatchPtr& b : r.batches) {
    for (int64_t row = 0; row < b->num_rows(); ++row) {
      schema.clear();
      name.clear();
      type.clear();
      AppendCellText(b->column(0), row, &schema);
      AppendCellText(b->column(1), row, &name);
      AppendCellText(b->column(2), row, &type);
      relations_[{schema, name}] = type == "VIEW" ? RelationType::kView : RelationType::kTable;
    }
  }
  return Status::OK();
}

std::optional<RelationType> RelationCache::Get(const std::string& schema,
                                               const std::string& identifier) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (schemas_.count(schema) == 0 || forgotten_.count({schema, identifier}) != 0) {
    return std::nullopt;
  }
  const auto it = relations_.find({schema, identifier});
  return it == relations_.end() ? RelationType::kNone : it->second;
}

void RelationCache::Set(const std::string& schema, const std::string& identifier,
                        RelationType type) {
  std::lock_guard<std::mutex> lock(mu_);
  forgotten_.erase({schema, identifier});
  relations_[{schema, identifier}] = type;
}

void RelationCache::Forget(const std::string& schema, const std::string& identifier) {
  std::lock_guard<std::mutex> lock(mu_);
  forgotten_.insert({schema, identifier});
}

}  // namespace sluice::transform
