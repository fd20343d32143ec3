// Runs the data-driven SQL tests: every tests/sql/**/*.test file. The format is
// described in docs/sql.md ("Testing SQL"); in short:
//
//   # comment
//   table events (id INT64, name VARCHAR)
//   rows events
//   1 | alice
//   2 | NULL
//   <blank line>
//   query
//   SELECT id, upper(name) AS n FROM events WHERE id > 1
//   ----
//   2 | NULL
//   <blank line>
//   error
//   SELECT nope FROM events
//   ----
//   unknown column 'nope'
//
// Each query runs twice, over one batch with every row and over one batch per row,
// and both must give the expected rows. A failure names the .test file and line.
//
// Streaming queries (GROUP BY, aggregates) are checked as changelogs:
//
//   rows events
//   1 | a
//   ===            <- batch boundary: the rows above form one input batch
//   2 | a
//   <blank line>
//   changes
//   SELECT name, count(*) FROM events GROUP BY name
//   ----
//   +I | a | 1     <- every change in order: op, then the row
//   -U | a | 1
//   +U | a | 2
//
// The changes come from the batches as declared, then the operator's Finish. The
// runner also checks that one batch per row and one batch for all rows end in the
// same final table (the changelog applied to a multiset of rows).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/schema.h"
#include "core/time.h"
#include "core/value.h"
#include "sql/sql.h"
#include "sql/value_parse.h"
#include "core/time.h"
#include "sql/join_condition.h"
#include "sql/plan.h"
#include "stream/query_graph.h"

namespace sluice::sql {
namespace {

namespace fs = std::filesystem;

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> SplitCells(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t bar = line.find(" | ", start);
    if (bar == std::string::npos) {
      out.push_back(Trim(std::string_view(line).substr(start)));
      return out;
    }
    out.push_back(Trim(std::string_view(line).substr(start, bar - start)));
    start = bar + 3;
  }
}

class TestCatalog final : public Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    for (const auto& [n, t] : tables_) {
      if (EqualsIgnoreCase(n, name)) return t.schema;
    }
    return nullptr;
  }
  std::vector<std::string> TableNames() const override {
    std::vector<std::string> out;
    for (const auto& [n, t] : tables_) out.push_back(n);
    return out;
  }
  struct Table {
    SchemaPtr schema;
    std::vector<std::vector<std::string>> rows;  // cells as written
    std::vector<int> lines;
    std::vector<size_t> batch_ends;  // row counts at "===" lines
  };
  std::map<std::string, Table> tables_;
};

// Parses one input cell into `col`; false if the text does not fit the type.
bool AppendCell(Column* col, const std::string& text) {
  if (text == "NULL") {
    col->AppendNull();
    return true;
  }
  const DataType& t = col->type();
  int64_t v = 0;
  switch (t.id) {
    case TypeId::kVarchar: col->AppendString(text == "(empty)" ? "" : text); return true;
    case TypeId::kBoolean: {
      bool b = false;
      if (!ParseBoolText(text, &b)) return false;
      col->Append<uint8_t>(b);
      return true;
    }
    case TypeId::kInt32:
      if (!ParseInt64Text(text, &v) || v < INT32_MIN || v > INT32_MAX) return false;
      col->Append<int32_t>(static_cast<int32_t>(v));
      return true;
    case TypeId::kInt64:
      if (!ParseInt64Text(text, &v)) return false;
      col->Append<int64_t>(v);
      return true;
    case TypeId::kDouble: {
      double d = 0;
      if (!ParseDoubleText(text, &d)) return false;
      col->Append<double>(d);
      return true;
    }
    case TypeId::kDecimal:
      if (!ParseDecimalText(text, t.precision, t.scale, &v)) return false;
      col->Append<int64_t>(v);
      return true;
    case TypeId::kTimestamp:
      if (!ParseTimestamp(text, &v)) return false;
      col->Append<int64_t>(v);
      return true;
    case TypeId::kDate: {
      int32_t d = 0;
      if (!ParseDate(text, &d)) return false;
      col->Append<int32_t>(d);
      return true;
    }
    case TypeId::kInterval: {
      Interval iv;
      if (!ParseIntervalText(text, &iv)) return false;
      col->Append<Interval>(iv);
      return true;
    }
  }
  return false;
}

std::string FormatRow(const RecordBatch& b, int64_t r) {
  std::string out;
  for (int c = 0; c < b.num_columns(); ++c) {
    if (c) out += " | ";
    const Column& col = b.column(c);
    std::string cell = FormatCell(col, r);
    if (col.type().id == TypeId::kVarchar && col.IsValid(r) && cell.empty()) cell = "(empty)";
    out += cell;
  }
  return out;
}

// One test file being run.
class TestFile {
 public:
  explicit TestFile(fs::path path) : path_(std::move(path)) {
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back(line);
    }
    name_ = fs::relative(path_, fs::path(SLUICE_SOURCE_DIR)).string();
  }

  void Run() {
    while (i_ < lines_.size()) {
      const std::string line = Trim(lines_[i_]);
      const int at = static_cast<int>(i_) + 1;
      ++i_;
      if (line.empty() || line[0] == '#') continue;
      if (line.rfind("table ", 0) == 0) {
        DeclareTable(line.substr(6), at);
      } else if (line.rfind("rows ", 0) == 0) {
        ReadRows(Trim(line.substr(5)), at);
      } else if (line == "query" || line == "error" || line == "schema" ||
                 line.rfind("changes", 0) == 0) {
        std::string sql;
        std::vector<std::string> expected;
        ReadBlock(&sql, &expected);
        delay_ = 0;
        if (line.rfind("changes delay ", 0) == 0) {
          Result<int64_t> d = ParseDuration(Trim(line.substr(14)));
          if (!d.ok()) {
            Fail(at, d.status().message());
            continue;
          }
          delay_ = *d;
        } else if (line.rfind("changes", 0) == 0 && line != "changes") {
          Fail(at, "expected 'changes' or 'changes delay <duration>'");
          continue;
        }
        if (line == "query") RunQuery(sql, expected, at);
        if (line == "error") RunError(sql, expected, at);
        if (line == "schema") RunSchema(sql, expected, at);
        if (line.rfind("changes", 0) == 0) RunChanges(sql, expected, at);
      } else {
        Fail(at, "unknown directive '" + line +
                     "'; expected table, rows, query, error, schema or changes");
      }
    }
  }

 private:
  void Fail(int line, const std::string& msg) {
    ADD_FAILURE() << name_ << ":" << line << ": " << msg;
  }

  void DeclareTable(const std::string& spec, int at) {
    const size_t open = spec.find('(');
    const size_t close = spec.rfind(')');
    if (open == std::string::npos || close == std::string::npos) {
      return Fail(at, "expected: table name (col TYPE, ...)");
    }
    const std::string name = Trim(spec.substr(0, open));
    std::vector<Field> fields;
    std::string body = spec.substr(open + 1, close - open - 1);
    int depth = 0;
    std::string cur;
    auto flush = [&]() {
      const std::string f = Trim(cur);
      cur.clear();
      const size_t sp = f.find(' ');
      if (sp == std::string::npos) return Fail(at, "column '" + f + "' has no type");
      Result<DataType> t = ParseDataType(Trim(f.substr(sp + 1)));
      if (!t.ok()) return Fail(at, t.status().message());
      std::string col = f.substr(0, sp);
      if (col.size() > 1 && col.front() == '"') col = col.substr(1, col.size() - 2);
      fields.push_back(Field{col, *t, true});
    };
    for (char c : body) {
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (c == ',' && depth == 0) {
        flush();
      } else {
        cur += c;
      }
    }
    flush();
    catalog_.tables_[name] = TestCatalog::Table{MakeSchema(std::move(fields)), {}, {}, {}};
  }

  void ReadRows(const std::string& table, int at) {
    auto it = catalog_.tables_.find(table);
    if (it == catalog_.tables_.end()) return Fail(at, "rows for undeclared table '" + table + "'");
    while (i_ < lines_.size() && !Trim(lines_[i_]).empty()) {
      if (Trim(lines_[i_]) == "===") {
        it->second.batch_ends.push_back(it->second.rows.size());
        ++i_;
        continue;
      }
      it->second.rows.push_back(SplitCells(lines_[i_]));
      it->second.lines.push_back(static_cast<int>(i_) + 1);
      ++i_;
    }
    // A block ends a batch: blocks of several tables interleave in file order.
    auto& ends = it->second.batch_ends;
    if (ends.empty() || ends.back() != it->second.rows.size()) ends.push_back(it->second.rows.size());
  }

  // SQL lines up to "----", then expected lines up to a blank line.
  void ReadBlock(std::string* sql, std::vector<std::string>* expected) {
    bool in_expected = false;
    while (i_ < lines_.size()) {
      const std::string& raw = lines_[i_];
      if (in_expected && Trim(raw).empty()) break;
      ++i_;
      if (!in_expected && Trim(raw) == "----") {
        in_expected = true;
        continue;
      }
      if (in_expected) {
        expected->push_back(raw);
      } else {
        if (Trim(raw).empty() && sql->empty()) continue;
        *sql += raw + "\n";
      }
    }
    while (!sql->empty() && sql->back() == '\n') sql->pop_back();
  }

  // Builds the input table's rows as batches of at most `batch_rows` rows (0: as
  // declared with "===" lines).
  // `first_lines` (optional) receives the file line of each batch's first row.
  bool Batches(const TestCatalog::Table& t, int64_t batch_rows, std::vector<RecordBatchPtr>* out,
               std::vector<int>* first_lines = nullptr) {
    const Schema& s = *t.schema;
    BatchBuilder b(t.schema);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (first_lines && b.num_rows() == 0) first_lines->push_back(t.lines[r]);
      const auto& cells = t.rows[r];
      if (static_cast<int>(cells.size()) != s.num_fields()) {
        Fail(t.lines[r], "row has " + std::to_string(cells.size()) + " cells, table has " +
                             std::to_string(s.num_fields()) + " columns");
        return false;
      }
      for (int c = 0; c < s.num_fields(); ++c) {
        if (!AppendCell(b.column(c), cells[static_cast<size_t>(c)])) {
          Fail(t.lines[r], "cell '" + cells[static_cast<size_t>(c)] + "' is not a " +
                               s.field(c).type.ToString());
          return false;
        }
      }
      const bool declared_end =
          batch_rows == 0 &&
          std::find(t.batch_ends.begin(), t.batch_ends.end(), r + 1) != t.batch_ends.end();
      if ((batch_rows > 0 && b.num_rows() >= batch_rows) || declared_end) {
        out->push_back(b.Finish());
      }
    }
    if (b.num_rows() > 0 || out->empty()) {
      if (first_lines && b.num_rows() == 0) first_lines->push_back(0);
      out->push_back(b.Finish());
    }
    return true;
  }

  // Compiles `sql`: a SELECT, or else a script (every statement is compiled, the
  // first one's query is returned).
  Result<std::unique_ptr<CompiledSelect>> CompileQuery(const std::string& sql) {
    const std::string head = Trim(sql.substr(0, 6));
    if (!EqualsIgnoreCase(head, "SELECT") && !EqualsIgnoreCase(Trim(sql.substr(0, 4)), "WITH")) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<Statement> stmts, ParseScript(sql, "query"));
      std::unique_ptr<CompiledSelect> first;
      for (const Statement& s : stmts) {
        SLUICE_ASSIGN_OR_RETURN(auto q, Compile(s, catalog_, sql, "query"));
        if (!first) first = std::move(q);
      }
      if (!first) return Status::Invalid("script has no statements");
      return first;
    }
    SLUICE_ASSIGN_OR_RETURN(auto select, ParseSelect(sql, "query"));
    return CompileSelect(*select, catalog_, sql, "query");
  }

  // Compiles any query (stateless or aggregate) as the planner does.
  Result<CompiledQuery> CompileAny(const std::string& sql) {
    const std::string head = Trim(sql.substr(0, 6));
    if (!EqualsIgnoreCase(head, "SELECT") && !EqualsIgnoreCase(Trim(sql.substr(0, 4)), "WITH")) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<Statement> stmts, ParseScript(sql, "query"));
      if (stmts.empty()) return Status::Invalid("script has no statements");
      return sql::CompileQuery(stmts[0], catalog_, sql, "query");
    }
    SLUICE_ASSIGN_OR_RETURN(auto select, ParseSelect(sql, "query"));
    return CompileSelectQuery(*select, catalog_, sql, "query");
  }

  struct ChangeCollector final : stream::ChangeSink {
    Status Emit(const warehouse::ChangeBatch& changes) override {
      if (changes.rows->num_rows() != static_cast<int64_t>(changes.ops.size())) {
        return Status::Invalid("ops and rows differ in length");
      }
      for (int64_t r = 0; r < changes.rows->num_rows(); ++r) {
        lines.push_back(std::string(warehouse::ChangeOpName(changes.ops[static_cast<size_t>(r)])) +
                        " | " + FormatRow(*changes.rows, r));
      }
      return Status::OK();
    }
    std::vector<std::string> lines;
  };

  // Plans a streaming query (a SELECT, or the first statement of a script) as `sluice
  // run` does.
  Result<sql::PlanPtr> PlanAny(const std::string& sql) {
    const ErrorContext ctx{sql, "query"};
    const std::string head = Trim(sql.substr(0, 6));
    if (!EqualsIgnoreCase(head, "SELECT") && !EqualsIgnoreCase(Trim(sql.substr(0, 4)), "WITH")) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<Statement> stmts, ParseScript(sql, "query"));
      if (stmts.empty()) return Status::Invalid("script has no statements");
      SLUICE_ASSIGN_OR_RETURN(sql::PlanOptions options, sql::ReadPlanOptions(stmts[0], ctx));
      return sql::PlanQuery(*stmts[0].select, catalog_, options, ctx);
    }
    SLUICE_ASSIGN_OR_RETURN(auto select, ParseSelect(sql, "query"));
    return sql::PlanQuery(*select, catalog_, sql::PlanOptions{}, ctx);
  }

  static bool DependsOnWatermarks(const sql::PlanNode& n) {
    if (n.kind == sql::PlanKind::kWindowAggregate) return true;
    if (n.kind == sql::PlanKind::kJoin &&
        (n.join->has_time_bounds || n.left_expiry >= 0 || n.right_expiry >= 0)) {
      return true;
    }
    for (const auto& in : n.inputs) {
      if (DependsOnWatermarks(*in)) return true;
    }
    return false;
  }

  // Runs a streaming query over the tables' batches (batch_rows as in Batches), the
  // batches of every table it reads interleaved in file order; the changes as "op |
  // cells" lines, refused rows as "late | cells" (or "refused | cells").
  Result<std::vector<std::string>> ExecuteChanges(const std::string& sql, int64_t batch_rows) {
    SLUICE_ASSIGN_OR_RETURN(sql::PlanPtr plan, PlanAny(sql));
    windowed_ = DependsOnWatermarks(*plan);
    stream::QueryGraphOptions options;
    options.watermark_delay_us = delay_;
    options.error_context = ErrorContext{sql, "query"};
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<stream::QueryGraph> graph,
                            stream::QueryGraph::Make(plan, options));
    struct Arrival {
      int line;
      int port;
      RecordBatchPtr batch;
    };
    std::vector<Arrival> arrivals;
    for (int port = 0; port < graph->num_inputs(); ++port) {
      const std::string& table = graph->input_tables()[static_cast<size_t>(port)];
      auto it = catalog_.tables_.find(table);
      if (it == catalog_.tables_.end()) return Status::Invalid("no rows for " + table);
      std::vector<RecordBatchPtr> batches;
      std::vector<int> lines;
      if (!Batches(it->second, batch_rows, &batches, &lines)) return Status::Invalid("bad input rows");
      for (size_t b = 0; b < batches.size(); ++b) arrivals.push_back({lines[b], port, batches[b]});
    }
    std::stable_sort(arrivals.begin(), arrivals.end(),
                     [](const Arrival& a, const Arrival& b) { return a.line < b.line; });
    ChangeCollector out;
    auto refused = [&]() {
      for (;;) {
        stream::RefusedRows r = graph->TakeRefusedRows();
        if (r.rows == nullptr) return;
        for (int64_t i = 0; i < r.rows->num_rows(); ++i) {
          const bool late = r.reasons[static_cast<size_t>(i)].rfind("late", 0) == 0;
          out.lines.push_back(std::string(late ? "late | " : "refused | ") + FormatRow(*r.rows, i));
        }
      }
    };
    for (const Arrival& a : arrivals) {
      SLUICE_RETURN_NOT_OK(graph->ApplyInput(a.port, *a.batch, &out));
      refused();
    }
    SLUICE_RETURN_NOT_OK(graph->Finish(&out));
    refused();
    return out.lines;
  }

  // The table a changelog leaves behind, as sorted rows; "" after an error.
  static std::string FinalTable(const std::vector<std::string>& changes, std::string* error) {
    std::multiset<std::string> rows;
    for (const std::string& c : changes) {
      const std::string op = c.substr(0, 2);
      const std::string row = c.size() > 5 ? c.substr(5) : "";
      if (op == "+I" || op == "+U") {
        rows.insert(row);
      } else {
        auto it = rows.find(row);
        if (it == rows.end()) {
          *error = "change '" + c + "' removes a row that is not in the table";
          return "";
        }
        rows.erase(it);
      }
    }
    std::string out;
    for (const auto& r : rows) out += "  " + r + "\n";
    return out;
  }

  void RunChanges(const std::string& sql, const std::vector<std::string>& expected, int at) {
    Result<std::vector<std::string>> got = ExecuteChanges(sql, 0);
    if (!got.ok()) return Fail(at, "query failed:\n" + sql + "\n" + got.status().message());
    auto norm = [](const std::vector<std::string>& lines) {
      std::vector<std::string> out;
      for (const auto& l : lines) {
        std::string n;
        for (const auto& c : SplitCells(l)) n += (n.empty() ? "" : " | ") + c;
        out.push_back(n);
      }
      return out;
    };
    const std::vector<std::string> want = norm(expected);
    const std::vector<std::string> have = norm(*got);
    if (want != have) {
      std::string msg = "wrong changes for\n" + sql + "\nexpected:\n";
      for (const auto& w : want) msg += "  " + w + "\n";
      msg += "got:\n";
      for (const auto& h : have) msg += "  " + h + "\n";
      return Fail(at, msg);
    }
    std::string error;
    std::vector<std::string> changes_only;
    for (const auto& h : have) {
      if (h.rfind("late", 0) != 0 && h.rfind("refused", 0) != 0) changes_only.push_back(h);
    }
    const std::string final_table = FinalTable(changes_only, &error);
    if (!error.empty()) return Fail(at, error);
    // Watermarks depend on how rows are batched, so windows are checked as declared only.
    if (windowed_) return;
    for (int64_t batch_rows : {int64_t{1}, int64_t{1} << 30}) {
      Result<std::vector<std::string>> other = ExecuteChanges(sql, batch_rows);
      if (!other.ok()) return Fail(at, "query failed with other batches: " + other.status().message());
      std::vector<std::string> other_changes;
      for (const auto& h : norm(*other)) {
        if (h.rfind("late", 0) != 0 && h.rfind("refused", 0) != 0) other_changes.push_back(h);
      }
      const std::string t = FinalTable(other_changes, &error);
      if (!error.empty()) return Fail(at, error);
      if (t != final_table) {
        return Fail(at, "batches of " + std::to_string(batch_rows) + " rows end in\n" + t +
                            "instead of\n" + final_table);
      }
    }
  }

  // Runs the query over the table in batches of `batch_rows`; rows as text.
  Result<std::vector<std::string>> Execute(CompiledSelect* q, int64_t batch_rows) {
    std::vector<std::string> out;
    auto it = catalog_.tables_.find(q->input_table());
    if (it == catalog_.tables_.end()) return Status::Invalid("no rows for " + q->input_table());
    std::vector<RecordBatchPtr> batches;
    if (!Batches(it->second, batch_rows, &batches)) return Status::Invalid("bad input rows");
    for (const RecordBatchPtr& b : batches) {
      SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr r, q->Evaluate(*b));
      if (!(*r->schema() == *q->output_schema())) return Status::Invalid("batch schema differs from output_schema()");
      for (int c = 0; c < r->num_columns(); ++c) {
        if (r->column(c).length() != r->num_rows()) return Status::Invalid("column length differs from num_rows");
      }
      for (int64_t row = 0; row < r->num_rows(); ++row) out.push_back(FormatRow(*r, row));
    }
    return out;
  }

  void RunQuery(const std::string& sql, const std::vector<std::string>& expected, int at) {
    Result<std::unique_ptr<CompiledSelect>> q = CompileQuery(sql);
    if (!q.ok()) return Fail(at, "query failed to compile:\n" + q.status().message());
    for (int64_t batch_rows : {int64_t{1} << 30, int64_t{1}}) {
      Result<std::vector<std::string>> got = Execute(q->get(), batch_rows);
      if (!got.ok()) return Fail(at, "query failed:\n" + sql + "\n" + got.status().message());
      std::vector<std::string> want;
      for (const auto& e : expected) {
        std::string norm;
        for (const auto& c : SplitCells(e)) norm += (norm.empty() ? "" : " | ") + c;
        want.push_back(norm);
      }
      std::vector<std::string> have;
      for (const auto& g : *got) {
        std::string norm;
        for (const auto& c : SplitCells(g)) norm += (norm.empty() ? "" : " | ") + c;
        have.push_back(norm);
      }
      if (want != have) {
        std::string msg = "wrong result" + std::string(batch_rows == 1 ? " (one row per batch)" : "") +
                          " for\n" + sql + "\nexpected:\n";
        for (const auto& w : want) msg += "  " + w + "\n";
        msg += "got:\n";
        for (const auto& h : have) msg += "  " + h + "\n";
        return Fail(at, msg);
      }
    }
  }

  void RunError(const std::string& sql, const std::vector<std::string>& expected, int at) {
    std::string want;
    for (const auto& e : expected) want += (want.empty() ? "" : "\n") + e;
    Status st;
    Result<CompiledQuery> any = CompileAny(sql);
    Result<sql::PlanPtr> plan = PlanAny(sql);
    if (!plan.ok()) {
      st = plan.status();
    } else if (!any.ok() || any->aggregate) {
      Result<std::vector<std::string>> got = ExecuteChanges(sql, int64_t{1} << 30);
      if (got.ok()) return Fail(at, "expected an error containing '" + want + "' but the query ran:\n" + sql);
      st = got.status();
    } else if (Result<std::unique_ptr<CompiledSelect>> q = CompileQuery(sql); !q.ok()) {
      st = q.status();
    } else {
      Result<std::vector<std::string>> got = Execute(q->get(), int64_t{1} << 30);
      if (got.ok()) return Fail(at, "expected an error containing '" + want + "' but the query ran:\n" + sql);
      st = got.status();
    }
    if (st.message().find(want) == std::string::npos) {
      Fail(at, "error message\n" + st.message() + "\ndoes not contain\n" + want);
    }
  }

  void RunSchema(const std::string& sql, const std::vector<std::string>& expected, int at) {
    Result<CompiledQuery> q = CompileAny(sql);
    if (!q.ok()) return Fail(at, "query failed to compile:\n" + q.status().message());
    std::string want;
    for (const auto& e : expected) want += Trim(e);
    const std::string have = q->output_schema()->ToString();
    if (want != have) Fail(at, "schema\n  " + have + "\nexpected\n  " + want);
  }

  fs::path path_;
  std::string name_;
  std::vector<std::string> lines_;
  size_t i_ = 0;
  TestCatalog catalog_;
  int64_t delay_ = 0;       // watermark delay of the current `changes delay ...` block
  bool windowed_ = false;   // the last ExecuteChanges ran a window operator
};

std::vector<std::string> TestFiles() {
  std::vector<std::string> out;
  const fs::path root = fs::path(SLUICE_SOURCE_DIR) / "tests" / "sql";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".test") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class SqlFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlFileTest, Run) { TestFile(GetParam()).Run(); }

INSTANTIATE_TEST_SUITE_P(Files, SqlFileTest, ::testing::ValuesIn(TestFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = fs::path(info.param).stem().string();
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(SqlFileTest, FilesExist) { EXPECT_GE(TestFiles().size(), 5u); }

}  // namespace
}  // namespace sluice::sql
