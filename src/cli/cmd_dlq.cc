// `sluice dlq list|show|replay [DIR]`: the dead-letter table `_sluice_dead_letters`
// (docs/dead_letters.md).
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "connectors/registry.h"
#include "connectors/schema_registry.h"
#include "core/time.h"
#include "observe/log.h"
#include "orchestrate/project_plan.h"
#include "orchestrate/project_warehouse.h"
#include "stream/bad_record_log.h"
#include "stream/dead_letter_table.h"

namespace sluice::cli {

namespace fs = std::filesystem;

CLI::App* AddDlqCommand(CLI::App* app, DlqOptions* o) {
  CLI::App* dlq = app->add_subcommand(
      "dlq", "Dead letters: the bad records kept in the warehouse table _sluice_dead_letters");
  dlq->require_subcommand(1);
  CLI::App* list = dlq->add_subcommand("list", "List dead letters, oldest first");
  list->add_option("dir", o->args, "[DIR] project folder (default .)")->expected(0, 1);
  list->add_option("--source", o->source, "Only records of this source (or connector)");
  list->add_option("--limit", o->limit, "At most N records (0 = all)")->capture_default_str();
  CLI::App* show = dlq->add_subcommand("show", "Show one dead letter in full, raw record included");
  show->add_option("args", o->args, "[DIR] ID")->required()->expected(1, 2);
  CLI::App* replay = dlq->add_subcommand(
      "replay", "Re-ingest fixed dead letters of a file source through its queries, once");
  replay->add_option("dir", o->args, "[DIR] project folder (default .)")->expected(0, 1);
  replay->add_option("--source", o->source, "Only records of this source");
  replay->add_option("--ids", o->ids, "Only these ids (default: every record not replayed yet)")
      ->delimiter(',');
  for (CLI::App* sub : {list, show, replay}) {
    const std::string name = sub->get_name();
    sub->callback([o, name] { o->action = name; });
  }
  return dlq;
}

namespace {

std::string OneLine(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

int64_t CountFileLines(const std::string& path) {
  std::ifstream in(path);
  int64_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

struct Opened {
  project::Project project;
  std::unique_ptr<warehouse::Warehouse> wh;
  std::unique_ptr<stream::DeadLetterTable> table;
  bool exists = false;  // the table existed before
};

// Loads the project and opens its warehouse and the dead-letter table. Prints the error
// and returns an exit code on failure, else -1.
int Open(const GlobalOptions& g, const std::string& dir, Opened* out) {
  Diagnostics diag;
  out->project = project::LoadProject(dir, &diag);
  if (diag.has_errors()) {
    std::cerr << diag.ToString();
    return kExitInvalid;
  }
  for (const auto& secret : out->project.secrets) observe::RegisterSecret(secret);
  if (!SetUpLogging(g, out->project.log.level, out->project.log.format)) return kExitInvalid;
  Result<std::unique_ptr<warehouse::Warehouse>> wh = orchestrate::OpenProjectWarehouse(out->project);
  if (!wh.ok()) {
    std::cerr << "error: " << wh.status().message() << "\n";
    return kExitFailure;
  }
  out->wh = std::move(wh).value();
  auto conn = out->wh->Connect();
  if (conn.ok()) {
    auto exists = (*conn)->TableExists(stream::kDeadLetterTableName);
    out->exists = exists.ok() && *exists;
  }
  if (!out->exists) return -1;
  Result<std::unique_ptr<stream::DeadLetterTable>> t = stream::DeadLetterTable::Open(out->wh.get());
  if (!t.ok()) {
    std::cerr << "error: " << t.status().message() << "\n";
    return kExitFailure;
  }
  out->table = std::move(t).value();
  return -1;
}

// The file keeps a copy of every bad record; more lines there than rows in the table
// means some never reached the table (it was unavailable).
void NoteFallbackFile(const Opened& o) {
  const std::string path = o.project.state_dir + "/bad_records.ndjson";
  const int64_t in_file = CountFileLines(path);
  int64_t in_table = 0;
  if (o.table) {
    Result<int64_t> n = o.table->Count();
    if (n.ok()) in_table = *n;
  }
  if (in_file > in_table) {
    std::cout << "note: the fallback file " << path << " holds " << in_file
              << " bad record(s), the table " << in_table << ": " << in_file - in_table
              << " were written when the dead-letter table was unavailable\n";
  }
}

int List(const Opened& o, const DlqOptions& opts) {
  if (!o.exists) {
    std::cout << "no dead letters (the table " << stream::kDeadLetterTableName
              << " does not exist yet)\n";
    NoteFallbackFile(o);
    return kExitOk;
  }
  stream::DeadLetterFilter f;
  f.source = opts.source;
  f.limit = opts.limit > 0 ? opts.limit : -1;
  Result<std::vector<stream::DeadLetter>> rows = o.table->List(f);
  if (!rows.ok()) {
    std::cerr << "error: " << rows.status().message() << "\n";
    return kExitFailure;
  }
  if (rows->empty()) {
    std::cout << "no dead letters" << (opts.source.empty() ? "" : " for '" + opts.source + "'")
              << "\n";
  } else {
    std::printf("%-6s %-19s %-14s %-6s %-24s %-10s %s\n", "ID", "TIME", "SOURCE", "KIND",
                "LOCATION", "REPLAYED", "ERROR");
    for (const stream::DeadLetter& d : *rows) {
      std::printf("%-6lld %-19s %-14s %-6s %-24s %-10s %s\n", static_cast<long long>(d.id),
                  FormatTimestamp(d.time).substr(0, 19).c_str(),
                  OneLine(d.pipeline, 14).c_str(), d.kind.c_str(),
                  OneLine(d.location, 24).c_str(), d.replayed_at ? "yes" : "no",
                  OneLine(d.error, 70).c_str());
    }
    std::fflush(stdout);
  }
  NoteFallbackFile(o);
  return kExitOk;
}

int Show(const Opened& o, const std::string& id_text) {
  int64_t id = 0;
  try {
    size_t used = 0;
    id = std::stoll(id_text, &used);
    if (used != id_text.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    std::cerr << "error: dead-letter id must be a number, got '" << id_text
              << "' (see `sluice dlq list`)\n";
    return kExitInvalid;
  }
  Result<std::optional<stream::DeadLetter>> d =
      o.table ? o.table->Get(id) : Result<std::optional<stream::DeadLetter>>(std::nullopt);
  if (!d.ok()) {
    std::cerr << "error: " << d.status().message() << "\n";
    return kExitFailure;
  }
  if (!d->has_value()) {
    std::cerr << "error: no dead letter with id " << id << " (see `sluice dlq list`)\n";
    return kExitFailure;
  }
  const stream::DeadLetter& r = **d;
  std::cout << "id:          " << r.id << "\n"
            << "time:        " << FormatTimestamp(r.time) << " UTC\n"
            << "pipeline:    " << r.pipeline << "\n"
            << "connector:   " << r.connector << "\n"
            << "kind:        " << r.kind << "\n"
            << "location:    " << r.location << "\n"
            << "error:       " << r.error << "\n"
            << "replayed_at: " << (r.replayed_at ? FormatTimestamp(*r.replayed_at) + " UTC" : "-")
            << "\n"
            << "checkpoint:  " << (r.checkpoint > 0 ? std::to_string(r.checkpoint) : "-") << "\n"
            << "raw:\n" << r.raw << "\n";
  return kExitOk;
}

}  // namespace

// Replay lives in cmd_dlq_replay.cc.
int ReplayDeadLetters(const GlobalOptions& g, const DlqOptions& opts, const std::string& dir);

int RunDlq(const GlobalOptions& g, const DlqOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  std::string dir = ".";
  std::string id;
  if (o.action == "show") {
    if (o.args.size() == 2) dir = o.args[0];
    id = o.args.back();
  } else if (!o.args.empty()) {
    dir = o.args[0];
  }
  if (o.action == "replay") return ReplayDeadLetters(g, o, dir);
  Opened opened;
  const int rc = Open(g, dir, &opened);
  if (rc >= 0) return rc;
  if (o.action == "show") return Show(opened, id);
  return List(opened, o);
}

}  // namespace sluice::cli
