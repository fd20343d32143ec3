#include "core/json.h"

#include <cmath>

#include "core/value.h"

namespace sluice {

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of plain bytes
  for (size_t k = 0; k < s.size(); ++k) {
    const unsigned char c = static_cast<unsigned char>(s[k]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, k - run);
    run = k + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendJsonCell(const Column& col, int64_t i, std::string* out) {
  if (col.IsNull(i)) return out->append("null"), void();
  const DataType& t = col.type();
  switch (t.id) {
    case TypeId::kBoolean:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDecimal:
      return AppendCellText(col, i, out);
    case TypeId::kDouble: {
      const double d = col.Get<double>(i);
      if (std::isfinite(d)) return AppendDouble(d, out);
      out->push_back('"');
      AppendDouble(d, out);
      out->push_back('"');
      return;
    }
    case TypeId::kVarchar: return AppendJsonString(out, col.GetString(i));
    case TypeId::kTimestamp:
    case TypeId::kDate:
    case TypeId::kInterval: {
      out->push_back('"');
      AppendCellText(col, i, out);  // no characters that need escaping
      out->push_back('"');
      return;
    }
  }
}

}  // namespace sluice
