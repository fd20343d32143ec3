#include "warehouse/result_printer.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/json.h"
#include "core/time.h"
#include "core/value.h"

namespace sluice::warehouse {

namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Characters on screen, counting each UTF-8 sequence once.
int DisplayWidth(const std::string& s) {
  int w = 0;
  for (char c : s) w += IsContinuationByte(c) ? 0 : 1;
  return w;
}

// Control characters as escapes, so one value stays on one line.
std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string Truncate(std::string s) {
  if (DisplayWidth(s) <= kMaxCellWidth) return s;
  int chars = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if (!IsContinuationByte(s[i]) && ++chars == kMaxCellWidth) break;  // keep width-1 chars
  }
  s.resize(i);
  return s + "…";
}

void Pad(std::ostream& out, int n) {
  for (int i = 0; i < n; ++i) out << ' ';
}

void PrintTable(const Schema& schema, const std::vector<RecordBatchPtr>& batches,
                std::ostream& out) {
  const int ncols = schema.num_fields();
  std::vector<std::vector<std::string>> rows;
  std::vector<int> widths(static_cast<size_t>(ncols));
  std::vector<std::string> header;
  for (int c = 0; c < ncols; ++c) {
    header.push_back(Truncate(Printable(schema.field(c).name)));
    widths[static_cast<size_t>(c)] = DisplayWidth(header.back());
  }
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < ncols; ++c) {
        row.push_back(Truncate(Printable(FormatCell(b->column(c), r))));
        widths[static_cast<size_t>(c)] =
            std::max(widths[static_cast<size_t>(c)], DisplayWidth(row.back()));
      }
      rows.push_back(std::move(row));
    }
  }
  std::string rule = "+";
  for (int w : widths) rule += std::string(static_cast<size_t>(w) + 2, '-') + "+";
  auto print_row = [&](const std::vector<std::string>& cells, bool is_header) {
    out << '|';
    for (int c = 0; c < ncols; ++c) {
      const std::string& cell = cells[static_cast<size_t>(c)];
      const int pad = widths[static_cast<size_t>(c)] - DisplayWidth(cell);
      const bool right = !is_header && schema.field(c).type.IsNumeric();
      out << ' ';
      if (right) Pad(out, pad);
      out << cell;
      if (!right) Pad(out, pad);
      out << " |";
    }
    out << '\n';
  };
  if (ncols > 0) {
    out << rule << '\n';
    print_row(header, true);
    out << rule << '\n';
    for (const auto& row : rows) print_row(row, false);
    out << rule << '\n';
  }
  out << '(' << rows.size() << (rows.size() == 1 ? " row)\n" : " rows)\n");
}

void PrintCsvField(std::ostream& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << s;
    return;
  }
  out << '"';
  for (char c : s) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

void PrintCsv(const Schema& schema, const std::vector<RecordBatchPtr>& batches, std::ostream& out) {
  for (int c = 0; c < schema.num_fields(); ++c) {
    if (c > 0) out << ',';
    PrintCsvField(out, schema.field(c).name);
  }
  out << '\n';
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      for (int c = 0; c < b->num_columns(); ++c) {
        if (c > 0) out << ',';
        const Column& col = b->column(c);
        if (col.IsNull(r)) continue;
        if (col.type().id == TypeId::kVarchar && col.GetString(r).empty()) {
          out << "\"\"";
        } else {
          PrintCsvField(out, FormatCell(col, r));
        }
      }
      out << '\n';
    }
  }
}


void PrintJson(const Schema& schema, const std::vector<RecordBatchPtr>& batches,
               std::ostream& out) {
  std::vector<std::string> keys;
  for (const Field& f : schema.fields()) keys.push_back(JsonString(f.name) + ":");
  bool first = true;
  out << '[';
  std::string line;
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b->num_rows(); ++r) {
      line.clear();
      line += first ? "\n{" : ",\n{";
      first = false;
      for (int c = 0; c < b->num_columns(); ++c) {
        if (c > 0) line += ',';
        line += keys[static_cast<size_t>(c)];
        AppendJsonCell(b->column(c), r, &line);
      }
      line += '}';
      out << line;
    }
  }
  out << (first ? "]\n" : "\n]\n");
}

}  // namespace

void PrintResult(const Schema& schema, const std::vector<RecordBatchPtr>& batches,
                 OutputFormat format, std::ostream& out) {
  switch (format) {
    case OutputFormat::kTable:
      PrintTable(schema, batches, out);
      return;
    case OutputFormat::kCsv:
      PrintCsv(schema, batches, out);
      return;
    case OutputFormat::kJson:
      PrintJson(schema, batches, out);
      return;
  }
}

}  // namespace sluice::warehouse
