// Helpers shared by the file connector tests: a temporary folder and small file I/O.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::connectors::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-file-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Abs(const std::string& rel) const { return path_ + "/" + rel; }
  void Write(const std::string& rel, const std::string& text, bool append = false) const {
    std::filesystem::create_directories(std::filesystem::path(Abs(rel)).parent_path());
    std::ofstream out(Abs(rel), append ? std::ios::binary | std::ios::app : std::ios::binary);
    out << text;
  }
  std::string Read(const std::string& rel) const {
    std::ifstream in(Abs(rel), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  std::string path_;
};

}  // namespace sluice::connectors::testing
