#include "project/scaffold.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "project/example_files.h"

namespace sluice::project {

namespace fs = std::filesystem;

namespace {

// Creates `path` exclusively ("x": fails if it exists) and writes `data` to it.
Status WriteNewFile(const fs::path& path, std::string_view data) {
  std::FILE* f = std::fopen(path.c_str(), "wbx");
  if (f == nullptr) {
    return Status::IOError("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  const size_t n = data.empty() ? 0 : std::fwrite(data.data(), 1, data.size(), f);
  const bool ok = n == data.size() && std::fflush(f) == 0;
  const int err = errno;
  std::fclose(f);
  if (!ok) return Status::IOError("cannot write " + path.string() + ": " + std::strerror(err));
  return Status::OK();
}

}  // namespace

Status ScaffoldProject(const std::string& dir_arg, std::vector<std::string>* written) {
  const std::vector<EmbeddedFile>& files = ShopExampleFiles();
  if (files.empty()) {
    return Status::Internal("this sluice was built without the example project (examples/shop/)");
  }
  const fs::path dir(dir_arg.empty() ? "." : dir_arg);
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(st)) {
    return Status::Invalid(dir.string() + " is a file; pass a new or empty folder");
  }
  if (fs::exists(dir / "sluice.yaml", ec)) {
    return Status::AlreadyExists("there is already a sluice project in " + dir.string() +
                                 " (it has a sluice.yaml); choose another folder");
  }
  // Check every target first, so that a refusal writes nothing.
  std::string clashes;
  for (const EmbeddedFile& f : files) {
    if (fs::exists(fs::symlink_status(dir / fs::path(f.path), ec))) {
      clashes += (clashes.empty() ? "" : ", ") + std::string(f.path);
    }
  }
  if (!clashes.empty()) {
    return Status::AlreadyExists(dir.string() + " already has " + clashes +
                                 "; sluice init never overwrites files: choose another folder");
  }
  for (const EmbeddedFile& f : files) {
    const fs::path target = dir / fs::path(f.path);
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return Status::IOError("cannot create folder " + target.parent_path().string() + ": " +
                             ec.message());
    }
    SLUICE_RETURN_NOT_OK(WriteNewFile(target, f.data));
    if (written) written->emplace_back(f.path);
  }
  return Status::OK();
}

}  // namespace sluice::project
