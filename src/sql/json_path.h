// JSON paths for json_value / json_extract / -> / ->>, turned into a JSON pointer
// (RFC 6901) once per query.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice::sql {

// '$' then any of '.key', '["key"]', "['key']", '[N]' (N >= 0): e.g. '$.a.b[0]'. A text
// without a leading '$' is one key (as PostgreSQL's `j -> 'key'`). Returns the JSON
// pointer ("/a/b/0"; "" for '$'), or Invalid naming the problem.
Result<std::string> JsonPathToPointer(std::string_view path);
// The pointer for an array index (`j -> 2`); Invalid for a negative index.
Result<std::string> JsonIndexToPointer(int64_t index);

}  // namespace sluice::sql
