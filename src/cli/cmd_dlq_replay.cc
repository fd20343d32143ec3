// `sluice dlq replay [DIR] [--source S] [--ids 1,2]`: re-ingests dead letters of file
// sources once they are fixed (docs/dead_letters.md, "Replay").
//
// The mechanism: the raw records (what the source read, byte for byte) are written to
// replay files in <state_dir>/replay/<source>/ in the source's format (a CSV file gets
// the header line of the file the record came from), then the source's pipeline runs
// once over them with the source's own options (path replaced, follow off): the same
// parsing, validation and queries, into the same sinks. Records that fail again become
// new dead letters. The replayed ones get replayed_at, so they are never replayed twice.
// Pipelines with stateful queries (aggregations, windows) are refused: their state lives
// in `sluice run`, and a separate run from empty state would overwrite correct results.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "cli/commands.h"
#include "connectors/registry.h"
#include "core/time.h"
#include "observe/log.h"
#include "orchestrate/project_plan.h"
#include "orchestrate/project_warehouse.h"
#include "stream/bad_record_log.h"
#include "stream/dead_letter_table.h"

namespace sluice::cli {

namespace fs = std::filesystem;

int ReplayDeadLetters(const GlobalOptions& g, const DlqOptions& opts, const std::string& dir);

namespace {

std::string FileOf(const std::string& location) {
  const size_t colon = location.rfind(':');
  return colon == std::string::npos ? location : location.substr(0, colon);
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return "";
  return line;
}

// Sets `key` of a map to `value`, replacing an existing entry.
void SetOption(ConfigValue* map, const std::string& key, const std::string& value) {
  for (ConfigEntry& e : map->entries) {
    if (e.key == key) {
      e.value = ConfigValue::Scalar(value, e.value.location);
      return;
    }
  }
  map->Set(key, ConfigValue::Scalar(value, map->location));
}

bool SameShape(const Schema& a, const Schema& b) {
  if (a.num_fields() != b.num_fields()) return false;
  for (int i = 0; i < a.num_fields(); ++i) {
    if (!EqualsIgnoreCase(a.field(i).name, b.field(i).name) || !(a.field(i).type == b.field(i).type)) {
      return false;
    }
  }
  return true;
}

struct Replayer {
  const project::Project& proj;
  warehouse::Warehouse* wh;
  stream::DeadLetterTable* table;
  stream::BadRecordLog* bad;

  // Replays `rows` (all of source `spec.name`) through `pipeline`. Returns false (after
  // saying why) when nothing was replayed.
  bool Run(stream::PipelineSpec pipeline, const project::ConnectorSpec& spec,
           const std::vector<stream::DeadLetter>& rows) {
    const std::string& name = spec.name;
    if (spec.type != "file") {
      std::cerr << "source '" << name << "' is a '" << spec.type
                << "' source; only file sources can be replayed yet: skipped " << rows.size()
                << " record(s)\n";
      return false;
    }
    for (const auto& q : pipeline.queries) {
      if (q.op) {
        std::cerr << "source '" << name << "' feeds the stateful query " << q.name << " ("
                  << q.location << "); replaying outside `sluice run` would restart its "
                  << "state and overwrite correct results: skipped " << rows.size()
                  << " record(s)\n";
        return false;
      }
    }
    const ConfigValue* fmt = spec.options.Find("format");
    const ConfigValue* header = spec.options.Find("header");
    std::string format = fmt != nullptr && fmt->is_scalar() ? fmt->scalar : "";
    if (format.empty()) {
      format = fs::path(FileOf(rows[0].location)).extension() == ".csv" ? "csv" : "ndjson";
    }
    const bool with_header =
        format == "csv" && !(header != nullptr && header->is_scalar() && header->scalar == "false");

    // One replay file per original file (a CSV one starts with that file's header).
    const std::string stamp = std::to_string(NowMicros());
    const std::string folder = proj.state_dir + "/replay/" + name;
    std::error_code ec;
    fs::create_directories(folder, ec);
    std::map<std::string, std::vector<const stream::DeadLetter*>> by_file;
    for (const auto& r : rows) by_file[FileOf(r.location)].push_back(&r);
    int k = 0;
    for (const auto& [file, recs] : by_file) {
      const std::string path =
          folder + "/replay-" + stamp + "-" + std::to_string(k++) + "." + format;
      std::ofstream out(path, std::ios::binary);
      if (with_header) {
        const std::string h = FirstLine((fs::path(proj.dir) / file).string());
        if (h.empty()) {
          std::cerr << "cannot read the header line of " << file << " (source '" << name
                    << "'): the CSV records cannot be replayed without it\n";
          return false;
        }
        out << h << "\n";
      }
      for (const auto* r : recs) out << r->raw << "\n";
      out.flush();
      if (!out) {
        std::cerr << "cannot write " << path << "\n";
        return false;
      }
    }

    Diagnostics diag;
    ConfigValue options = spec.options;
    const std::string rel = fs::relative(folder, proj.dir, ec).string();
    SetOption(&options, "path", (ec ? folder : rel) + "/replay-" + stamp + "-*." + format);
    SetOption(&options, "follow", "false");
    OptionReader r(options, &diag);
    for (const char* key : {"name", "type", "description", "schema_compatibility"}) {
      (void)r.String(key, "");
    }
    (void)r.Node("watermark");
    connectors::ConnectorContext ctx;
    ctx.name = name;
    ctx.project_dir = proj.dir;
    ctx.state_dir = proj.state_dir;
    ctx.batch_size = proj.run.batch_size;
    std::unique_ptr<connectors::Source> source =
        connectors::CreateSource(spec.type, spec.type_location, r, ctx);
    if (!source || diag.has_errors()) {
      std::cerr << diag.ToString() << "cannot open the replay files of source '" << name << "'\n";
      return false;
    }
    const auto& want = pipeline.source->streams();
    const auto& have = source->streams();
    if (want.size() != have.size() || (!want.empty() && !SameShape(*want[0].schema, *have[0].schema))) {
      std::cerr << "the replayed records of source '" << name << "' give another schema than "
                << "the source's; declare the source's columns (docs/connectors/file.md) so "
                << "replays parse the same way\n";
      return false;
    }
    pipeline.source = std::move(source);
    ctx.warehouse = wh;
    stream::PipelineOptions popts;
    stream::Pipeline p(std::move(pipeline), popts);
    Status st = p.Open(ctx, bad);
    if (st.ok()) st = p.Run();
    bad->Flush();
    if (!st.ok()) {
      std::cerr << "error: replaying source '" << name << "': " << st.message()
                << "\nthe records stay unreplayed; fix the problem and run again\n";
      return false;
    }
    std::vector<int64_t> ids;
    for (const auto& row : rows) ids.push_back(row.id);
    Status marked = table->MarkReplayed(ids, NowMicros());
    if (!marked.ok()) {
      std::cerr << "error: the records of source '" << name << "' were loaded but could not "
                << "be marked replayed (" << marked.message() << "); do not replay them again\n";
      return false;
    }
    const int64_t again = p.stats().bad_records.load();
    std::cout << "source '" << name << "': replayed " << rows.size() << " record(s) from "
              << folder << ": " << p.stats().records_in.load() << " loaded, " << again
              << " failed again" << (again > 0 ? " (new dead letters, see `sluice dlq list`)" : "")
              << "\n";
    return true;
  }
};

}  // namespace

int ReplayDeadLetters(const GlobalOptions& g, const DlqOptions& opts, const std::string& dir) {
  Diagnostics diag;
  orchestrate::ProjectPlan plan = orchestrate::PlanProject(dir, &diag);
  if (diag.has_errors()) {
    std::cerr << diag.ToString() << "the project is not valid; fix the problems above first\n";
    return kExitInvalid;
  }
  const project::Project& proj = plan.project;
  for (const auto& secret : proj.secrets) observe::RegisterSecret(secret);
  if (!SetUpLogging(g, proj.log.level, proj.log.format)) return kExitInvalid;
  Result<std::unique_ptr<warehouse::Warehouse>> wh = orchestrate::OpenProjectWarehouse(proj);
  if (!wh.ok()) {
    std::cerr << "error: " << wh.status().message() << "\n";
    return kExitFailure;
  }
  auto table = stream::DeadLetterTable::Open(wh->get());
  if (!table.ok()) {
    std::cerr << "error: " << table.status().message() << "\n";
    return kExitFailure;
  }
  stream::DeadLetterFilter f;
  f.source = opts.source;
  f.ids = opts.ids;
  auto rows = (*table)->List(f);
  if (!rows.ok()) {
    std::cerr << "error: " << rows.status().message() << "\n";
    return kExitFailure;
  }
  std::set<int64_t> found;
  std::map<std::string, std::vector<stream::DeadLetter>> by_source;
  int skipped = 0;
  for (stream::DeadLetter& d : *rows) {
    found.insert(d.id);
    if (d.replayed_at) {
      if (!opts.ids.empty()) {
        std::cerr << "dead letter " << d.id << " was already replayed at "
                  << FormatTimestamp(*d.replayed_at) << " UTC: skipped\n";
        ++skipped;
      }
      continue;
    }
    if (d.kind != "source") {
      std::cerr << "dead letter " << d.id << " is a " << d.kind << " record (its raw text is "
                << "a row, not source input): only source records can be replayed; skipped\n";
      ++skipped;
      continue;
    }
    if (d.raw.size() >= 4096) {
      std::cerr << "dead letter " << d.id << " holds only the first 4 KiB of its record: "
                << "cannot be replayed faithfully; skipped\n";
      ++skipped;
      continue;
    }
    by_source[d.pipeline].push_back(std::move(d));
  }
  for (int64_t id : opts.ids) {
    if (!found.count(id)) {
      std::cerr << "no dead letter with id " << id
                << (opts.source.empty() ? "" : " for source '" + opts.source + "'") << "\n";
      ++skipped;
    }
  }
  if (by_source.empty()) {
    std::cout << "nothing to replay" << (skipped ? "" : ": every dead letter is replayed already")
              << "\n";
    return skipped ? kExitFailure : kExitOk;
  }
  auto bad = stream::BadRecordLog::Open(proj.state_dir + "/bad_records.ndjson");
  if (!bad.ok()) {
    std::cerr << "error: " << bad.status().message() << "\n";
    return kExitFailure;
  }
  (void)(*bad)->AttachWarehouse(wh->get());
  Replayer replayer{proj, wh->get(), table->get(), bad->get()};
  bool all_ok = skipped == 0;
  for (auto& [source, recs] : by_source) {
    auto spec_it = std::find_if(plan.pipelines.begin(), plan.pipelines.end(),
                                [&](const stream::PipelineSpec& s) { return s.name == source; });
    auto src_it = std::find_if(proj.sources.begin(), proj.sources.end(),
                               [&](const project::ConnectorSpec& s) { return s.name == source; });
    if (spec_it != plan.pipelines.end() && src_it == proj.sources.end() &&
        source.find('+') != std::string::npos) {
      // A pipeline of several sources (a query joins or unions them): not replayable.
      std::cerr << "pipeline '" << source << "' reads several sources together (a query joins "
                << "or unions their streams); replaying its dead letters is not supported: "
                << "skipped " << recs.size() << " record(s)\n";
      all_ok = false;
      continue;
    }
    if (spec_it == plan.pipelines.end() || src_it == proj.sources.end()) {
      std::cerr << "source '" << source << "' no longer feeds a query in this project: skipped "
                << recs.size() << " record(s)\n";
      all_ok = false;
      continue;
    }
    all_ok = replayer.Run(std::move(*spec_it), *src_it, recs) && all_ok;
  }
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace sluice::cli
