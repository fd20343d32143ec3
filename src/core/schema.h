// Schema: the ordered, named, typed fields of a stream or table.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace sluice {

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;
  bool operator==(const Field&) const = default;
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  const std::vector<Field>& fields() const { return fields_; }
  const Field& field(int i) const { return fields_[static_cast<size_t>(i)]; }
  int num_fields() const { return static_cast<int>(fields_.size()); }
  // Index of the field named `name` (ASCII case-insensitive, as SQL identifiers), or -1.
  int FieldIndex(std::string_view name) const;
  // "name TYPE, name TYPE NOT NULL, ..."
  std::string ToString() const;
  bool operator==(const Schema& other) const { return fields_ == other.fields_; }

 private:
  std::vector<Field> fields_;
};

// Schemas are immutable once built and shared by every batch of a stream.
using SchemaPtr = std::shared_ptr<const Schema>;

inline SchemaPtr MakeSchema(std::vector<Field> fields) {
  return std::make_shared<const Schema>(std::move(fields));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace sluice
