// sluice.yaml: the project's own settings.
#include <cctype>
#include <filesystem>
#include <limits>
#include <string>

#include "project/project_internal.h"

namespace sluice::project::internal {

namespace fs = std::filesystem;

namespace {

// The nested map under `key` (e.g. `run:`), or nullptr when absent, empty, or not a map
// (reported).
const ConfigValue* Section(OptionReader* r, std::string_view key, std::string_view keys,
                           Diagnostics* diag) {
  const ConfigValue* v = r->Node(key);
  if (v == nullptr) return nullptr;
  if (!v->is_map()) {
    diag->Error(v->location,
                "'" + std::string(key) + "' must be a map (" + std::string(keys) + "), found " +
                    v->KindName(),
                "write the settings indented under '" + std::string(key) + ":'");
    return nullptr;
  }
  return v;
}

// A path setting resolved against `base` unless it is absolute.
std::string ResolvePath(const fs::path& base, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

int64_t PositiveDuration(OptionReader* r, std::string_view key, int64_t fallback) {
  const int64_t d = r->Duration(key, fallback);
  if (d <= 0) {
    r->Error(key, "'" + std::string(key) + "' must be longer than 0", "e.g. '1s' or '500ms'");
    return fallback;
  }
  return d;
}

// postgresql://user:secret@host/db or key=value conninfo with password=...
bool UrlHasPassword(const std::string& url) {
  if (url.find("password=") != std::string::npos) return true;
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const size_t at = url.find('@', scheme + 3);
  if (at == std::string::npos) return false;
  return url.substr(scheme + 3, at - scheme - 3).find(':') != std::string::npos;
}

void ReadWarehouse(const ConfigValue& map, const fs::path& state_dir, Project* p,
                   Diagnostics* diag) {
  OptionReader r(map, diag);
  const std::string type = r.String("type", "duckdb");
  if (type == "duckdb") {
    p->warehouse.type = type;
    const std::string path = r.String("path", "warehouse.duckdb");
    if (path.empty()) {
      r.Error("path", "'path' is empty", "name the warehouse file, e.g. 'warehouse.duckdb'");
    } else {
      p->warehouse.path = ResolvePath(state_dir, path);
    }
    if (r.Has("url")) {
      (void)r.String("url", "");  // known key, wrong here: reported once, below
      r.Error("url", "'url' is for a postgres warehouse", "remove it, or set type: postgres");
    }
  } else if (type == "postgres" || type == "postgresql") {
    p->warehouse.type = "postgres";
    p->warehouse.path.clear();
    if (r.Has("path")) {
      (void)r.String("path", "");  // known key, wrong here: reported once, below
      r.Error("path", "'path' is for a duckdb warehouse",
              "a postgres warehouse is reached through 'url'");
    }
    const ConfigValue* url = map.is_map() ? map.Find("url") : nullptr;
    p->warehouse.url = r.RequiredString(
        "url", "e.g. url: ${SHOP_WAREHOUSE_URL} with postgresql://user:password@host:5432/db");
    if (url != nullptr && url->is_scalar() && !url->secret && UrlHasPassword(url->scalar)) {
      r.Error("url", "the warehouse URL contains a password written in the file",
              "put the URL in an environment variable and write url: ${SHOP_WAREHOUSE_URL}");
    }
  } else {
    r.Error("type", "unknown warehouse type '" + type + "'",
            SuggestionHint(type, {"duckdb", "postgres"}));
  }
  r.Finish();
}

void ReadRun(const ConfigValue& map, Project* p, Diagnostics* diag) {
  OptionReader r(map, diag);
  p->run.batch_size = r.Int("batch_size", p->run.batch_size, 1, 65536);
  p->run.flush_interval_us = PositiveDuration(&r, "flush_interval", p->run.flush_interval_us);
  p->run.status_interval_us = PositiveDuration(&r, "status_interval", p->run.status_interval_us);
  const int64_t checkpoint = r.Duration("checkpoint_interval", p->run.checkpoint_interval_us);
  if (checkpoint < 0) {
    r.Error("checkpoint_interval", "'checkpoint_interval' must not be negative",
            "e.g. '10s', or 0 to turn checkpoints off");
  } else {
    p->run.checkpoint_interval_us = checkpoint;
  }
  p->run.state_backend = r.Enum("state_backend", p->run.state_backend, {"memory", "rocksdb"});
  if (r.Has("state_memory_budget")) {
    const std::string text = r.String("state_memory_budget", "");
    const int64_t bytes = ParseByteSize(text);
    constexpr int64_t kMinBudget = int64_t{1} << 20;
    if (bytes < 0) {
      r.Error("state_memory_budget", "'state_memory_budget' must be a size, found '" + text + "'",
              "e.g. '256MB' or '2GB' (units B, KB, MB, GB: powers of 1024)");
    } else if (bytes < kMinBudget) {
      r.Error("state_memory_budget",
              "'state_memory_budget' must be at least 1MB, found '" + text + "'", "e.g. '256MB'");
    } else {
      p->run.state_memory_budget_bytes = bytes;
    }
  }
  r.Finish();
}

void ReadLog(const ConfigValue& map, Project* p, Diagnostics* diag) {
  OptionReader r(map, diag);
  p->log.level = r.Enum("level", p->log.level, {"trace", "debug", "info", "warn", "error"});
  p->log.format = r.Enum("format", p->log.format, {"auto", "text", "json"});
  r.Finish();
}

// "host:port" with a port from 1 to 65535 ("[::1]:9464" for IPv6).
bool ValidAddress(const std::string& addr) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == addr.size()) return false;
  int64_t port = 0;
  for (size_t i = colon + 1; i < addr.size(); ++i) {
    if (addr[i] < '0' || addr[i] > '9' || port > 65535) return false;
    port = port * 10 + (addr[i] - '0');
  }
  return port >= 1 && port <= 65535;
}

void ReadMetrics(const ConfigValue& map, Project* p, Diagnostics* diag) {
  OptionReader r(map, diag);
  const std::string addr = r.String("addr", "");
  if (!addr.empty() && !ValidAddress(addr)) {
    r.Error("addr", "'addr' must be host:port, found '" + addr + "'",
            "e.g. 127.0.0.1:9464; leave it empty to turn metrics off");
  } else {
    p->metrics_addr = addr;
  }
  r.Finish();
}

void ReadCollector(const ConfigValue& map, Project* p, Diagnostics* diag) {
  OptionReader r(map, diag);
  const std::string addr = r.String("listen", p->collector_listen);
  // As ValidAddress, but port 0 (any free port) is allowed.
  const size_t colon = addr.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < addr.size() &&
            addr.size() - colon - 1 <= 5;
  int64_t port = 0;
  for (size_t i = colon + 1; ok && i < addr.size(); ++i) {
    ok = addr[i] >= '0' && addr[i] <= '9';
    port = port * 10 + (addr[i] - '0');
  }
  if (!ok || port > 65535) {
    r.Error("listen", "'listen' must be host:port, found '" + addr + "'",
            "e.g. 127.0.0.1:8080 (0.0.0.0:8080 to accept events from other machines)");
  } else {
    p->collector_listen = addr;
  }
  r.Finish();
}

}  // namespace

void ReadSettings(const ConfigValue& root, Project* p, Diagnostics* diag) {
  if (root.is_null()) {
    diag->Error(SourceLocation{"sluice.yaml", 1, 1}, "sluice.yaml is empty",
                "write at least the project name, e.g. 'name: shop'");
    return;
  }
  if (!root.is_map()) {
    diag->Error(root.location, std::string("sluice.yaml must be a map of settings, found ") +
                                   root.KindName(),
                "write 'key: value' lines, starting with 'name: <project name>'");
    return;
  }
  OptionReader r(root, diag);
  const std::string name = r.RequiredString("name", "name the project, e.g. 'name: shop'");
  if (!name.empty() && !IsProjectName(name)) {
    r.Error("name", "project name '" + name + "' is not valid",
            "use lower-case letters, digits and '_', starting with a letter, e.g. 'shop'");
  } else {
    p->name = name;
  }
  const int64_t version = r.Int("version", kProjectFormatVersion,
                                std::numeric_limits<int64_t>::min(),
                                std::numeric_limits<int64_t>::max());
  if (version != kProjectFormatVersion) {
    r.Error("version", "project format version " + std::to_string(version) +
                           " is not supported by this sluice",
            "this sluice reads version " + std::to_string(kProjectFormatVersion) +
                "; upgrade sluice or write 'version: 1'");
  }
  p->description = r.String("description", "");

  const fs::path dir(p->dir);
  const std::string state_dir = r.String("state_dir", ".sluice");
  if (state_dir.empty()) {
    r.Error("state_dir", "'state_dir' is empty", "leave it out for the default '.sluice'");
  } else {
    p->state_dir = ResolvePath(dir, state_dir);
  }
  p->warehouse.path = ResolvePath(p->state_dir, "warehouse.duckdb");

  const ConfigValue* warehouse = Section(&r, "warehouse", "type, path, url", diag);
  if (warehouse) ReadWarehouse(*warehouse, p->state_dir, p, diag);
  const ConfigValue* run = Section(&r, "run", "batch_size, flush_interval, status_interval, checkpoint_interval, state_backend, state_memory_budget", diag);
  if (run) ReadRun(*run, p, diag);
  const ConfigValue* log = Section(&r, "log", "level, format", diag);
  if (log) ReadLog(*log, p, diag);
  const ConfigValue* metrics = Section(&r, "metrics", "addr", diag);
  if (metrics) ReadMetrics(*metrics, p, diag);
  const ConfigValue* collector = Section(&r, "collector", "listen", diag);
  if (collector) ReadCollector(*collector, p, diag);
  // Known top-level folders written as keys by mistake get a pointer to the right place.
  for (const ConfigEntry& e : root.entries) {
    if (e.key != "sources" && e.key != "sinks" && e.key != "streams") continue;
    (void)r.Node(e.key);  // reported here, not again as an unknown key
    diag->Error(e.key_location, "'" + e.key + "' does not go in sluice.yaml",
                "write one file per entry in the " + e.key + "/ folder of the project");
  }
  r.Finish();
}

}  // namespace sluice::project::internal
