#include "orchestrate/project_plan.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

#include "connectors/multi_source.h"
#include "connectors/warehouse_sink.h"
#include "core/time.h"
#include "connectors/registry.h"
#include "connectors/schema_registry.h"
#include "orchestrate/lookup_tables.h"
#include "sql/sql.h"
#include "sql/plan.h"
#include "stream/query_graph.h"
#include "warehouse/changelog.h"

namespace sluice::orchestrate {

namespace {

// The continuous query as a pipeline step.
class SelectTransform final : public stream::BatchTransform {
 public:
  explicit SelectTransform(std::shared_ptr<sql::CompiledSelect> select)
      : select_(std::move(select)) {}
  const SchemaPtr& output_schema() const override { return select_->output_schema(); }
  Result<RecordBatchPtr> Apply(const RecordBatch& input) override {
    return select_->Evaluate(input);
  }

 private:
  std::shared_ptr<sql::CompiledSelect> select_;
};

// The upsert key of a materialized view over an aggregate query: its GROUP BY columns,
// each selected as a plain column that can never be NULL (the warehouse refuses NULL
// keys) and is not DOUBLE.
Result<std::vector<std::string>> UpsertKey(const sql::CompiledAggregate& q, const std::string& view) {
  const Schema& out = *q.output_schema();
  if (q.num_keys() == 0) {
    return Status::NotImplemented("materialized view '" + view + "': an aggregate without GROUP BY "
                                  "(one global row) cannot be a materialized view yet; group by a "
                                  "column");
  }
  std::vector<std::string> key;
  for (int k = 0; k < q.num_keys(); ++k) {
    const Field& group = q.frame_schema()->field(k);
    int column = -1;
    for (size_t c = 0; c < q.key_output().size(); ++c) {
      if (q.key_output()[c] == k) column = static_cast<int>(c);
    }
    if (column < 0) {
      return Status::Invalid("materialized view '" + view + "': GROUP BY " + group.name +
                             " must be selected as a column; it is the table's key");
    }
    const Field& f = out.field(column);
    if (std::string why = warehouse::KeyTypeError(f.type); !why.empty()) {
      return Status::Invalid("materialized view '" + view + "': key column '" + f.name + "': " + why);
    }
    if (group.nullable) {
      return Status::Invalid("materialized view '" + view + "': key column '" + f.name +
                             "' may be NULL, and a table key cannot be; group by "
                             "COALESCE(" + group.name + ", <a value>) AS " + f.name +
                             " or declare the source column NOT NULL (nullable: false)");
    }
    key.push_back(f.name);
  }
  return key;
}

// The upsert key of a materialized view whose rows change: an aggregate's GROUP BY
// columns (UpsertKey), else the key the planner derived (a top-N's partition columns and
// rank, a join of keyed inputs).
Result<std::vector<std::string>> PlanUpsertKey(const sql::PlanNode& root, const std::string& view) {
  if (root.aggregate) return UpsertKey(*root.aggregate, view);
  if (root.unique_key.empty()) {
    return Status::Invalid("materialized view '" + view + "': its rows change (updates and deletes "
                           "flow out of the query) but no selected column identifies a row, so the "
                           "table could not apply them; select the GROUP BY or PARTITION BY columns "
                           "(and the ROW_NUMBER() column) as plain columns; for an OVER aggregate, "
                           "select the columns that identify a row of its input (the GROUP BY "
                           "columns of an aggregate, the key of a top-N) - over a plain stream "
                           "there are none, so aggregate the stream first (GROUP BY) and take the OVER "
                           "aggregate over that");
  }
  std::vector<std::string> key;
  for (int c : root.unique_key) {
    const Field& f = root.schema->field(c);
    if (std::string why = warehouse::KeyTypeError(f.type); !why.empty()) {
      return Status::Invalid("materialized view '" + view + "': key column '" + f.name + "': " + why);
    }
    if (f.nullable) {
      return Status::Invalid("materialized view '" + view + "': key column '" + f.name +
                             "' may be NULL, and a table key cannot be; select COALESCE(" + f.name +
                             ", <a value>) AS " + f.name + " or declare the source column NOT NULL");
    }
    key.push_back(f.name);
  }
  return key;
}

// Every windowed aggregate of a plan.
void CollectWindows(const sql::PlanNode& n, std::vector<const sql::PlanNode*>* out) {
  if (n.kind == sql::PlanKind::kWindowAggregate) out->push_back(&n);
  for (const sql::PlanPtr& in : n.inputs) CollectWindows(*in, out);
}

struct StreamRef {
  int source = 0;  // index into sources
  int stream = 0;  // index into that source's streams()
};

// The sources' streams as SQL tables: "source" for a single unnamed stream, otherwise
// "source.stream".
class SourceCatalog final : public sql::Catalog {
 public:
  void Add(const std::string& name, SchemaPtr schema, StreamRef ref) {
    names_.push_back(name);
    tables_.emplace_back(name, Entry{std::move(schema), ref});
  }
  SchemaPtr FindTable(std::string_view name) const override {
    const Entry* e = Find(name);
    return e ? e->schema : nullptr;
  }
  std::vector<std::string> TableNames() const override { return names_; }
  // A source whose file has errors has no known streams; queries over it say so.
  void AddBroken(const std::string& source, std::string file) {
    broken_.emplace_back(source, std::move(file));
  }
  std::string ExplainMissing(std::string_view name) const override {
    const std::string_view source = name.substr(0, name.find('.'));
    for (const auto& [s, file] : broken_) {
      if (EqualsIgnoreCase(s, source)) {
        return "source '" + s + "' has errors (see " + file + " above)";
      }
    }
    return "";
  }
  // Lookup joins read warehouse tables and the project's materialized views.
  void SetLookupTables(std::shared_ptr<WarehouseLookupTables> t) { lookups_ = std::move(t); }
  Result<SchemaPtr> FindLookupTable(std::string_view name) const override {
    if (!lookups_) return SchemaPtr();
    return lookups_->Find(name);
  }
  const StreamRef* Ref(std::string_view name) const {
    const Entry* e = Find(name);
    return e ? &e->ref : nullptr;
  }

 private:
  struct Entry {
    SchemaPtr schema;
    StreamRef ref;
  };
  const Entry* Find(std::string_view name) const {
    for (const auto& [n, e] : tables_) {
      if (EqualsIgnoreCase(n, name)) return &e;
    }
    return nullptr;
  }
  std::vector<std::string> names_;
  std::vector<std::pair<std::string, Entry>> tables_;
  std::vector<std::pair<std::string, std::string>> broken_;  // (source, its file)
  std::shared_ptr<WarehouseLookupTables> lookups_;
};

connectors::ConnectorContext CreateContext(const project::Project& p, const std::string& name) {
  connectors::ConnectorContext ctx;
  ctx.name = name;
  ctx.project_dir = p.dir;
  ctx.state_dir = p.state_dir;
  ctx.batch_size = p.run.batch_size;
  ctx.collector_listen = p.collector_listen;
  return ctx;
}

// Reads the keys every connector file has, so the registry reports only unknown ones.
void MarkCommonKeys(OptionReader* r) {
  (void)r->String("name", "");
  (void)r->String("type", "");
  (void)r->String("description", "");
}

// A CREATE SOURCE statement as the connector spec a sources/*.yaml file would give:
// WITH options become the options (`connector` is the type), the columns `columns`, and
// WATERMARK FOR `watermark: {column, delay}`.
project::ConnectorSpec SqlSourceSpec(const sql::Statement& st, const std::string& file,
                                     Diagnostics* diag) {
  const SourceLocation where{file, st.line, st.column};
  project::ConnectorSpec spec;
  spec.name = st.target;
  spec.name_location = SourceLocation{file, st.target_pos.line, st.target_pos.column};
  spec.file = file;
  spec.options = ConfigValue::Map(where);
  const sql::Statement::Option* idle_timeout = nullptr;
  for (const sql::Statement::Option& o : st.options) {
    const SourceLocation at{file, o.pos.line, o.pos.column};
    if (o.key == "connector" || o.key == "type") {
      spec.type = o.value;
      spec.type_location = at;
      spec.options.Set("type", ConfigValue::Scalar(o.value, at));
      continue;
    }
    if (o.key == "idle_timeout") {  // WATERMARK FOR's `watermark.idle_timeout`
      idle_timeout = &o;
      continue;
    }
    spec.options.Set(o.key, ConfigValue::Scalar(o.value, at));
  }
  if (spec.type.empty()) {
    diag->Error(where, "CREATE SOURCE " + st.target + " names no connector",
                "add WITH (connector = 'file', ...) (or 'generator', 'http')");
  }
  if (!st.columns.empty()) {
    ConfigValue list;
    list.kind = ConfigValue::Kind::kList;
    list.location = where;
    for (const sql::Statement::SourceColumn& c : st.columns) {
      const SourceLocation at{file, c.pos.line, c.pos.column};
      ConfigValue col = ConfigValue::Map(at);
      col.Set("name", ConfigValue::Scalar(c.name, at));
      col.Set("type", ConfigValue::Scalar(c.type.ToString(), at));
      col.Set("nullable", ConfigValue::Scalar(c.nullable ? "true" : "false", at));
      list.items.push_back(std::move(col));
    }
    spec.options.Set("columns", std::move(list));
  }
  if (!st.watermark_column.empty()) {
    const SourceLocation at{file, st.watermark_pos.line, st.watermark_pos.column};
    ConfigValue wm = ConfigValue::Map(at);
    wm.Set("column", ConfigValue::Scalar(st.watermark_column, at));
    wm.Set("delay", ConfigValue::Scalar(FormatDuration(st.watermark_delay_us), at));
    if (idle_timeout != nullptr) {
      wm.Set("idle_timeout", ConfigValue::Scalar(idle_timeout->value, SourceLocation{file, idle_timeout->pos.line,
                                                                                    idle_timeout->pos.column}));
    }
    spec.options.Set("watermark", std::move(wm));
  } else if (idle_timeout != nullptr) {
    diag->Error(SourceLocation{file, idle_timeout->pos.line, idle_timeout->pos.column},
                "idle_timeout advances the watermark of an idle source, but CREATE SOURCE " + st.target +
                    " declares no watermark",
                "add WATERMARK FOR ts AS ts - INTERVAL '4' SECOND to its columns");
  }
  return spec;
}

bool SameShape(const Schema& a, const Schema& b) {
  if (a.num_fields() != b.num_fields()) return false;
  for (int i = 0; i < a.num_fields(); ++i) {
    if (!EqualsIgnoreCase(a.field(i).name, b.field(i).name) ||
        !(a.field(i).type == b.field(i).type)) {
      return false;
    }
  }
  return true;
}

}  // namespace

ProjectPlan PlanProject(const std::string& dir, Diagnostics* diag) {
  ProjectPlan plan;
  plan.project = project::LoadProject(dir, diag);
  const project::Project& p = plan.project;
  if (p.name.empty() && diag->has_errors()) return plan;  // no usable sluice.yaml

  // Every streams/*.sql parsed once; CREATE SOURCE statements join the YAML sources.
  std::vector<std::vector<sql::Statement>> scripts(p.streams.size());
  for (size_t f = 0; f < p.streams.size(); ++f) {
    const project::StreamFile& file = p.streams[f];
    Result<std::vector<sql::Statement>> stmts = sql::ParseScript(file.text, file.path);
    if (!stmts.ok()) {
      diag->AddFormatted(stmts.status().message());
      continue;
    }
    scripts[f] = std::move(stmts).value();
    for (const sql::Statement& stmt : scripts[f]) {
      if (stmt.kind != sql::Statement::kCreateSource) continue;
      const SourceLocation where{file.path, stmt.line, stmt.column};
      bool duplicate = false;
      for (const project::ConnectorSpec& other : p.sources) {
        if (!EqualsIgnoreCase(other.name, stmt.target)) continue;
        diag->Error(where, "source '" + stmt.target + "' is already declared in " + other.file,
                    "give one of them another name");
        duplicate = true;
      }
      if (!duplicate) plan.project.sources.push_back(SqlSourceSpec(stmt, file.path, diag));
    }
  }

  // Sources and sinks through the registry.
  std::vector<std::unique_ptr<connectors::Source>> sources(p.sources.size());
  SourceCatalog catalog;
  auto lookup_tables = std::make_shared<WarehouseLookupTables>(p);
  catalog.SetLookupTables(lookup_tables);
  struct SourceWatermark {
    std::string column;  // empty = none declared
    int64_t delay = 0;
    int64_t idle_timeout = 0;  // 0 = never advance on idleness
    SourceLocation location;
  };
  std::vector<SourceWatermark> watermarks(p.sources.size());
  for (size_t i = 0; i < p.sources.size(); ++i) {
    const project::ConnectorSpec& spec = p.sources[i];
    OptionReader r(spec.options, diag);
    MarkCommonKeys(&r);
    const connectors::SchemaCompatibility compat = connectors::ReadSchemaCompatibility(&r);
    if (const ConfigValue* wm = r.Node("watermark")) {
      // watermark: {column: ts, delay: 4s}: how far event time may run out of order.
      OptionReader w(*wm, diag);
      watermarks[i].column = w.RequiredString("column", "the TIMESTAMP column windows use");
      watermarks[i].delay = w.Duration("delay", 0);
      watermarks[i].idle_timeout = w.Duration("idle_timeout", 0);  // refuses negative ones
      watermarks[i].location = r.LocationOf("watermark");
      w.Finish();
    }
    sources[i] = connectors::CreateSource(spec.type, spec.type_location, r, CreateContext(p, spec.name));
    if (!sources[i]) {
      catalog.AddBroken(spec.name, spec.file);
      continue;
    }
    const auto& streams = sources[i]->streams();
    for (size_t s = 0; s < streams.size(); ++s) {
      const std::string table =
          streams[s].name.empty() ? spec.name : spec.name + "." + streams[s].name;
      catalog.Add(table, streams[s].schema, StreamRef{static_cast<int>(i), static_cast<int>(s)});
      // Versions the schema in <state_dir>/schemas; an incompatible change is an error.
      if (!diag->has_errors()) {
        connectors::RegisterSourceSchema(p.state_dir, table, *streams[s].schema, compat,
                                         r.location(), diag);
      }
    }
  }
  std::vector<std::unique_ptr<connectors::Sink>> sinks(p.sinks.size());
  std::vector<std::string> sink_names;
  for (size_t i = 0; i < p.sinks.size(); ++i) {
    const project::ConnectorSpec& spec = p.sinks[i];
    OptionReader r(spec.options, diag);
    MarkCommonKeys(&r);
    sinks[i] = connectors::CreateSink(spec.type, spec.type_location, r, CreateContext(p, spec.name));
    sink_names.push_back(spec.name);
  }

  // Every query planned once (in file order, so a lookup join sees the views before it).
  struct PlannedStatement {
    sql::PlanOptions options;
    sql::PlanPtr root;  // null: not planned (reported)
  };
  std::vector<std::vector<PlannedStatement>> planned_stmts(p.streams.size());
  for (size_t f = 0; f < p.streams.size(); ++f) {
    const project::StreamFile& file = p.streams[f];
    for (const sql::Statement& stmt : scripts[f]) {
      PlannedStatement& ps = planned_stmts[f].emplace_back();
      if (stmt.kind == sql::Statement::kCreateSource) continue;
      const sql::ErrorContext ctx{file.text, file.path};
      Result<sql::PlanOptions> options = sql::ReadPlanOptions(stmt, ctx);
      if (!options.ok()) {
        diag->AddFormatted(options.status().message());
        continue;
      }
      ps.options = *options;
      Result<sql::PlanPtr> planned = sql::PlanQuery(*stmt.select, catalog, *options, ctx);
      if (!planned.ok()) {
        diag->AddFormatted(planned.status().message());
        continue;
      }
      ps.root = *planned;
      if (stmt.kind == sql::Statement::kCreateMaterializedView) lookup_tables->AddView(stmt.target, ps.root->schema);
    }
  }

  // Pipelines: one per set of sources that queries read together (a join or union of
  // two sources' streams) or whose queries write one sink; one per source otherwise.
  std::vector<size_t> group(p.sources.size());
  for (size_t i = 0; i < group.size(); ++i) group[i] = i;
  const auto find = [&group](size_t i) {
    while (group[i] != i) i = group[i] = group[group[i]];
    return i;
  };
  const auto unite = [&](size_t a, size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) group[std::max(a, b)] = std::min(a, b);
  };
  {
    std::map<std::string, size_t> sink_first;  // INSERT INTO target (lower case) -> a source
    for (size_t f = 0; f < p.streams.size(); ++f) {
      for (size_t k = 0; k < scripts[f].size(); ++k) {
        const sql::PlanPtr& root = planned_stmts[f][k].root;
        if (!root) continue;
        std::vector<const sql::PlanNode*> scans;
        root->CollectScans(&scans);
        int first = -1;
        for (const sql::PlanNode* scan : scans) {
          const StreamRef* r = catalog.Ref(scan->table);
          if (r == nullptr || !sources[static_cast<size_t>(r->source)]) continue;
          if (first < 0) first = r->source;
          unite(static_cast<size_t>(first), static_cast<size_t>(r->source));
        }
        if (first < 0 || scripts[f][k].kind != sql::Statement::kInsertInto) continue;
        std::string target = scripts[f][k].target;
        for (char& c : target) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto [it, fresh] = sink_first.emplace(std::move(target), static_cast<size_t>(first));
        if (!fresh) unite(it->second, static_cast<size_t>(first));
      }
    }
  }
  // Per source: its pipeline (the group's smallest source index) and the index of its
  // first stream among the pipeline's streams (members in source order).
  std::vector<size_t> pipeline_of(p.sources.size());
  std::vector<int> stream_offset(p.sources.size(), 0);
  {
    std::vector<int> streams_so_far(p.sources.size(), 0);
    for (size_t i = 0; i < p.sources.size(); ++i) {
      pipeline_of[i] = find(i);
      if (!sources[i]) continue;
      int& next = streams_so_far[pipeline_of[i]];
      stream_offset[i] = next;
      next += static_cast<int>(sources[i]->streams().size());
    }
  }
  const auto pipeline_name = [&](size_t pipeline) {
    std::string name;
    for (size_t i = 0; i < p.sources.size(); ++i) {
      if (pipeline_of[i] != pipeline || !sources[i]) continue;
      name += (name.empty() ? "" : "+") + p.sources[i].name;
    }
    return name;
  };
  const auto stream_index = [&](const StreamRef& r) {
    return stream_offset[static_cast<size_t>(r.source)] + r.stream;
  };

  // Queries, grouped by pipeline (indexed by its smallest source).
  std::vector<stream::PipelineSpec> by_source(p.sources.size());
  std::map<std::string, std::string> view_location;
  std::map<std::string, std::pair<size_t, int>> sink_slot;  // sink key -> (pipeline, slot)
  for (size_t f = 0; f < p.streams.size(); ++f) {
    const project::StreamFile& file = p.streams[f];
    for (size_t k = 0; k < scripts[f].size(); ++k) {
      const sql::Statement& stmt = scripts[f][k];
      if (stmt.kind == sql::Statement::kCreateSource) continue;
      const SourceLocation where{file.path, stmt.line, stmt.column};
      const sql::ErrorContext ctx{file.text, file.path};
      const sql::PlanOptions* options = &planned_stmts[f][k].options;
      const sql::PlanPtr& root = planned_stmts[f][k].root;
      if (!root) continue;
      std::vector<const sql::PlanNode*> scans;
      root->CollectScans(&scans);
      std::vector<const StreamRef*> refs;
      bool usable = true;
      for (const sql::PlanNode* scan : scans) {
        const StreamRef* r = catalog.Ref(scan->table);
        if (r == nullptr || !sources[static_cast<size_t>(r->source)]) usable = false;
        refs.push_back(r);
      }
      if (!usable || refs.empty()) continue;
      const StreamRef* ref = refs.front();
      const size_t pipeline = pipeline_of[static_cast<size_t>(ref->source)];
      const bool is_view = stmt.kind == sql::Statement::kCreateMaterializedView;
      const std::string& target = stmt.target;
      std::vector<std::string> upsert_key;
      if (!root->append_only || root->aggregate) {
        if (!is_view) {
          diag->Error(where, "INSERT INTO '" + target + "': this query updates or deletes rows it "
                             "emitted (an aggregate, a top-N, an outer join, an OVER aggregate), "
                             "which an append-only "
                             "sink cannot apply",
                      "write it as CREATE MATERIALIZED VIEW name AS SELECT ...");
          continue;
        }
        Result<std::vector<std::string>> key = PlanUpsertKey(*root, target);
        if (!key.ok()) {
          diag->Error(where, key.status().message(), "");
          continue;
        }
        upsert_key = std::move(key).value();
      }
      std::unique_ptr<connectors::Sink> sink;
      if (is_view) {
        auto [it, fresh] = view_location.emplace(target, where.ToString());
        if (!fresh) {
          diag->Error(where, "materialized view '" + target + "' is already defined at " + it->second,
                      "give one of them another name");
          continue;
        }
        for (const auto& n : sink_names) {
          if (EqualsIgnoreCase(n, target)) {
            diag->Error(where, "materialized view '" + target + "' has the same name as a sink",
                        "rename the view or the sink");
          }
        }
        sink = connectors::NewWarehouseTableSink(target, upsert_key);
        plan.tables.push_back(target);
      } else {
        size_t si = 0;
        while (si < sink_names.size() && !EqualsIgnoreCase(sink_names[si], target)) ++si;
        if (si == sink_names.size()) {
          diag->Error(where, "INSERT INTO '" + target + "': no sink of that name",
                      sink_names.empty() ? "declare it in sinks/" + target + ".yaml"
                                         : SuggestionHint(target, sink_names));
          continue;
        }
        // Several queries may share a sink (they run in one pipeline): the first takes
        // it, the others find its slot below.
        if (sinks[si]) sink = std::move(sinks[si]);
      }
      stream::PipelineSpec& ps = by_source[pipeline];
      int slot;
      const std::string sink_key = (is_view ? "view:" : "sink:") + target;
      auto existing = sink_slot.find(sink_key);
      const SchemaPtr out_schema = root->schema;
      if (existing != sink_slot.end()) {
        slot = existing->second.second;
        const SchemaPtr& have = ps.sinks[static_cast<size_t>(slot)].schema;
        if (!SameShape(*have, *out_schema)) {
          diag->Error(where, "this query writes (" + out_schema->ToString() + ") into sink '" +
                                 target + "', which another query fills with (" + have->ToString() + ")",
                      "select the same columns with the same types");
          continue;
        }
      } else {
        if (!sink) continue;  // creation failed and was reported
        slot = static_cast<int>(ps.sinks.size());
        ps.sinks.push_back(stream::PipelineSink{target, std::move(sink), out_schema});
        sink_slot[sink_key] = {pipeline, slot};
      }
      stream::PipelineQuery q;
      q.name = is_view ? target : "insert into " + target;
      q.location = where.ToString();
      q.sql = stmt.text;
      q.stream = stream_index(*ref);
      // The query's watermark delay: its sources' largest. A window's event time must be
      // the watermark column of one of its sources (when they declare one).
      int64_t delay = 0;
      std::vector<const SourceWatermark*> declared;
      for (const StreamRef* r : refs) {
        const SourceWatermark& wm = watermarks[static_cast<size_t>(r->source)];
        delay = std::max(delay, wm.delay);
        if (!wm.column.empty() && std::find(declared.begin(), declared.end(), &wm) == declared.end()) {
          declared.push_back(&wm);
        }
      }
      std::vector<const sql::PlanNode*> windows;
      CollectWindows(*root, &windows);
      bool window_ok = true;
      for (const sql::PlanNode* w : windows) {
        const sql::WindowInfo& window = w->aggregate->window();
        if (window.processing_time || declared.empty()) continue;  // no event-time check
        const std::string& ts = window.source_schema->field(window.time_column).name;
        bool matches = false;
        for (const SourceWatermark* wm : declared) matches = matches || EqualsIgnoreCase(wm->column, ts);
        if (!matches) {
          const SourceWatermark& wm = *declared.front();
          diag->Error(where, "the window's event time is '" + ts + "' but " + wm.location.ToString() +
                                 " declares the watermark on '" + wm.column + "'",
                      "window by the watermark column, or change `watermark: column:`");
          window_ok = false;
        }
      }
      if (!window_ok) continue;
      if (root->kind == sql::PlanKind::kSelect && root->inputs[0]->kind == sql::PlanKind::kScan) {
        q.transform = std::make_unique<SelectTransform>(root->select);
      } else {
        stream::QueryGraphOptions go;
        go.watermark_delay_us = delay;
        go.error_context = ctx;
        go.lookup_tables = lookup_tables->NewProvider();
        // run.state_backend, or the query's own WITH (state_backend = ...): GROUP BY and join
        // state in memory or spilled to <state_dir>/state/<source>/<n>_<query>/ (n: the
        // query's index in its pipeline).
        const std::string& backend =
            options->state_backend.empty() ? p.run.state_backend : options->state_backend;
        const int64_t budget = options->state_memory_budget_bytes > 0
                                   ? options->state_memory_budget_bytes
                                   : p.run.state_memory_budget_bytes;
        if (backend != "rocksdb" && options->state_memory_budget_bytes > 0) {
          diag->Error(where, "state_memory_budget is the rocksdb state backend's budget, but this "
                             "query keeps its state in memory",
                      "add state_backend = 'rocksdb' to its WITH (...), or drop state_memory_budget");
          continue;
        }
        if (backend == "rocksdb") {
          std::string dir_name = std::to_string(ps.queries.size()) + "_" + q.name;
          for (char& c : dir_name) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
          }
          go.state.backend = stream::StateBackendKind::kRocksDb;
          go.state.memory_budget_bytes = budget;
          go.state.dir = p.state_dir + "/state/" + pipeline_name(pipeline) +
                         "/" + dir_name;
        }
        Result<std::unique_ptr<stream::QueryGraph>> graph = stream::QueryGraph::Make(root, go);
        if (!graph.ok()) {
          diag->Error(where, graph.status().message(), "");
          continue;
        }
        // The graph numbers its inputs itself: port i reads input_tables()[i].
        for (const std::string& table : (*graph)->input_tables()) {
          q.input_streams.push_back(stream_index(*catalog.Ref(table)));
        }
        q.op = std::move(graph).value();
      }
      q.sink = slot;
      ps.queries.push_back(std::move(q));
    }
  }

  for (size_t i = 0; i < p.sources.size(); ++i) {
    if (!sources[i]) continue;
    if (by_source[i].queries.empty()) {
      plan.notes.push_back("source '" + p.sources[i].name + "' feeds no query; it will not run");
      continue;
    }
    by_source[i].name = pipeline_name(i);
    std::vector<connectors::MultiSource::Member> members;
    for (size_t m = i; m < p.sources.size(); ++m) {
      if (pipeline_of[m] == i && sources[m]) members.push_back({p.sources[m].name, std::move(sources[m])});
    }
    // Per stream: its watermark column (-1: none); the pipeline's idle timeout: the
    // smallest one its sources set.
    for (const auto& m : members) {
      size_t src = 0;
      while (p.sources[src].name != m.name) ++src;
      const SourceWatermark& wm = watermarks[src];
      for (const connectors::StreamInfo& info : m.source->streams()) {
        int column = -1;
        if (!wm.column.empty()) {
          const int f = info.schema->FieldIndex(wm.column);
          if (f >= 0 && info.schema->field(f).type.id == TypeId::kTimestamp) column = f;
        }
        by_source[i].watermark_columns.push_back(column);
      }
      if (wm.idle_timeout > 0 && (by_source[i].idle_timeout_us == 0 || wm.idle_timeout < by_source[i].idle_timeout_us)) {
        by_source[i].idle_timeout_us = wm.idle_timeout;
      }
    }
    if (members.size() == 1) {
      by_source[i].source = std::move(members[0].source);
    } else {
      by_source[i].source = std::make_unique<connectors::MultiSource>(std::move(members));
    }
    plan.pipelines.push_back(std::move(by_source[i]));
  }
  for (size_t i = 0; i < sinks.size(); ++i) {
    if (sinks[i]) plan.notes.push_back("sink '" + p.sinks[i].name + "' is not written by any query");
  }
  if (p.streams.empty()) {
    plan.notes.push_back("no streams/*.sql: nothing to run yet");
  }
  return plan;
}

}  // namespace sluice::orchestrate
