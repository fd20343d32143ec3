#include "bench_setup.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

#include "connectors/generator_source.h"
#include "core/config.h"
#include "core/diagnostics.h"

namespace sluice::bench {

Result<std::unique_ptr<connectors::Source>> OpenGenerator(const std::string& generator,
                                                          uint64_t seed, int64_t max_events,
                                                          const std::string& name) {
  ConfigValue opts = ConfigValue::Map();
  opts.Set("generator", ConfigValue::Scalar(generator));
  opts.Set("seed", ConfigValue::Scalar(std::to_string(static_cast<int64_t>(seed))));
  if (max_events >= 0) opts.Set("max_events", ConfigValue::Scalar(std::to_string(max_events)));
  Diagnostics diag;
  OptionReader reader(opts, &diag);
  connectors::ConnectorContext ctx;
  ctx.name = name;
  std::unique_ptr<connectors::Source> source = connectors::MakeGeneratorSource(reader, ctx);
  reader.Finish();
  if (!source || diag.has_errors()) return diag.ToStatus();
  SLUICE_RETURN_NOT_OK(source->Open(ctx));
  return source;
}

Result<std::unique_ptr<ScratchDir>> ScratchDir::Make(const std::string& root,
                                                     const std::string& prefix) {
  const std::string base = root.empty() ? std::filesystem::temp_directory_path().string() : root;
  std::string tmpl = (std::filesystem::path(base) / (prefix + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError("cannot create a temporary folder under " + base + "; check --tmp-dir");
  }
  return std::unique_ptr<ScratchDir>(new ScratchDir(tmpl));
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace sluice::bench
