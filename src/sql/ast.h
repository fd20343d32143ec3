// The parsed form of a script (AST): statements, SELECTs and expressions, every node
// with its position in the script. Produced by the parser, read by the binder;
// immutable once built.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/types.h"
#include "core/value.h"
#include "sql/sql_error.h"

namespace sluice::sql {

// A name as written: unquoted names compare case-insensitively, "quoted" ones exactly.
struct Identifier {
  std::string name;
  bool quoted = false;
  SourcePos pos;
};

enum class ExprKind {
  kLiteral,    // value (typed) or an untyped NULL
  kColumnRef,  // names: [qualifier.]column
  kUnary,      // op: "-", "+", "NOT"; args[0]
  kBinary,     // op: + - * / % || = <> < <= > >= AND OR; args[0], args[1]
  kIsNull,     // args[0] IS [NOT] NULL
  kIsBool,     // args[0] IS [NOT] TRUE|FALSE; bool_value tells which
  kBetween,    // args[0] [NOT] BETWEEN args[1] AND args[2]
  kInList,     // args[0] [NOT] IN (args[1..])
  kLike,       // args[0] [NOT] LIKE|ILIKE args[1] [ESCAPE args[2]]; op "LIKE"/"ILIKE"
  kCase,       // CASE [operand] WHEN .. THEN .. [ELSE ..] END; see case_operand/has_else
  kCast,       // CAST(args[0] AS cast_type), args[0]::cast_type, TRY_CAST
  kFunction,   // name(args...)
};

struct OverClause;

struct ParsedExpr {
  ExprKind kind = ExprKind::kLiteral;
  SourcePos pos;     // where messages about this expression point
  int begin = 0;     // byte range of the expression's text in the script
  int end = 0;
  std::string op;    // operator, or function name as written
  std::vector<Identifier> names;  // column reference parts
  Value value;       // literal
  bool null_literal = false;  // NULL without a type
  bool negated = false;       // NOT IN / NOT LIKE / NOT BETWEEN / IS NOT
  bool bool_value = false;    // kIsBool: TRUE or FALSE
  bool try_cast = false;
  DataType cast_type;
  // kCase: args = [operand], when0, then0, when1, then1, ..., [else]
  bool case_operand = false;
  bool has_else = false;
  std::vector<std::unique_ptr<ParsedExpr>> args;
  // kFunction: agg(DISTINCT ...) and agg(...) FILTER (WHERE filter); count(*) has no args
  // and star = true.
  bool distinct = false;
  bool star = false;
  std::unique_ptr<ParsedExpr> filter;
  // kFunction with OVER (...): a window function call such as
  // ROW_NUMBER() OVER (PARTITION BY a, b ORDER BY c DESC).
  std::unique_ptr<OverClause> over;
};
using ParsedExprPtr = std::unique_ptr<ParsedExpr>;

// One ORDER BY term: expr [ASC|DESC] [NULLS FIRST|LAST].
struct OrderTerm {
  ParsedExprPtr expr;
  bool descending = false;
  // Where NULLs sort: PostgreSQL's default is NULLS LAST for ASC, NULLS FIRST for DESC.
  bool nulls_first = false;
  bool nulls_explicit = false;
};

// OVER (PARTITION BY ... ORDER BY ... [frame]) of a window function call.
struct OverClause {
  SourcePos pos;  // of OVER
  std::vector<ParsedExprPtr> partition_by;
  std::vector<OrderTerm> order_by;
  // The frame, when written: ROWS|RANGE [BETWEEN] start [AND CURRENT ROW], where start is
  // UNBOUNDED PRECEDING, n PRECEDING or CURRENT ROW (frame_preceding -1, n, 0). The
  // parser refuses FOLLOWING ends, GROUPS and EXCLUDE.
  bool has_frame = false;
  bool frame_range = false;  // RANGE (false: ROWS)
  int64_t frame_preceding = -1;
  SourcePos frame_pos;       // of ROWS/RANGE
  SourcePos frame_start_pos;  // of the frame start
};

struct SelectItem {
  SourcePos pos;
  bool star = false;         // * or qualifier.*
  std::string star_qualifier;  // "t" for t.*; empty for *
  ParsedExprPtr expr;        // unless star
  Identifier alias;          // empty name = none
};

enum class WindowKind { kNone, kTumble, kHop, kSession, kCumulate };

struct SelectStmt;

// What a FROM item is.
enum class TableRefKind {
  kStream,    // a source stream (optionally in a window table function)
  kSubquery,  // (SELECT ...) alias
  kJoin,      // left JOIN right ON condition
};

enum class JoinType { kInner, kLeft };

struct TableRef {
  TableRefKind kind = TableRefKind::kStream;
  SourcePos pos;
  std::vector<Identifier> parts;  // source.stream
  Identifier alias;
  // FROM TUMBLE(src, ts, size) / HOP(src, ts, slide, size), also written Flink's way:
  // TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), size)). The window adds window_start and
  // window_end columns.
  WindowKind window = WindowKind::kNone;
  SourcePos window_pos;
  Identifier time_column;
  // The time column was written PROCTIME(): a processing-time window (time_column is then
  // "proctime", a column the planner computes).
  bool processing_time = false;
  ParsedExprPtr window_size;
  ParsedExprPtr window_slide;  // HOP: slide; CUMULATE: step
  // SESSION(TABLE src PARTITION BY k1, k2, DESCRIPTOR(ts), gap): window_size is the gap;
  // the partition keys as written (empty: the GROUP BY keys other than the window's).
  std::vector<Identifier> window_partition;
  // kSubquery: the query; its alias is `alias` (required).
  std::shared_ptr<const SelectStmt> subquery;
  // kJoin: left and right items, the join type, and ON's condition (null for FROM a, b:
  // the enclosing SELECT's WHERE is the condition).
  JoinType join_type = JoinType::kInner;
  std::shared_ptr<const TableRef> left;
  std::shared_ptr<const TableRef> right;
  ParsedExprPtr join_on;
  // JOIN t FOR SYSTEM_TIME AS OF <expr> [AS alias]: the right side of a lookup join (a
  // bounded table read as of processing time); null when not written.
  ParsedExprPtr system_time;
  SourcePos system_time_pos;  // of FOR
  // "source.stream" as written (quotes removed); a subquery's alias.
  std::string Name() const {
    if (kind == TableRefKind::kSubquery) return alias.name;
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i].name;
    return out;
  }
};

struct SelectStmt {
  SourcePos pos;
  std::vector<SelectItem> items;
  TableRef from;
  ParsedExprPtr where;
  std::vector<ParsedExprPtr> group_by;  // GROUP BY expressions (an integer literal n = item n)
  SourcePos group_by_pos;
  ParsedExprPtr having;
  bool emit_on_window_close = false;  // EMIT ON WINDOW CLOSE
  SourcePos emit_pos;
  // SELECT ... UNION ALL SELECT ...: the following branches (each without its own
  // union_all), in order. All branches must produce the same column types.
  std::vector<std::shared_ptr<const SelectStmt>> union_all;
};

}  // namespace sluice::sql

namespace sluice::sql {

// One statement of a streams/*.sql script.
struct Statement {
  enum Kind { kCreateMaterializedView, kInsertInto, kCreateSource };
  Kind kind = kCreateMaterializedView;
  std::string target;  // view or sink name, quotes removed
  SourcePos target_pos;
  int line = 0;        // of the statement's first token
  int column = 0;
  std::string text;    // the statement's SQL, without the trailing ';'
  // CREATE MATERIALIZED VIEW v WITH (allowed_lateness = '10 seconds', ...) AS ...:
  // options in order as written, keys lowercased; values are the literals' text.
  struct Option {
    std::string key;
    std::string value;
    SourcePos pos;  // of the key
  };
  std::vector<Option> options;
  // CREATE SOURCE name [(col TYPE [NOT NULL], ..., WATERMARK FOR ts AS ts - INTERVAL '4'
  // SECOND)] WITH (connector = 'file', path = '...', ...): `target` is the source name,
  // `options` its connector options (connector = the type), `select` is null.
  struct SourceColumn {
    std::string name;
    DataType type;
    bool nullable = true;
    SourcePos pos;
  };
  std::vector<SourceColumn> columns;
  std::string watermark_column;  // empty: no WATERMARK clause
  SourcePos watermark_pos;
  int64_t watermark_delay_us = 0;
  // The query. Shared so Statement stays copyable; the AST is immutable.
  std::shared_ptr<const SelectStmt> select;
};

}  // namespace sluice::sql
