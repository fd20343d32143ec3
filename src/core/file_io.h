// Small durable-file helpers shared by checkpoints, savepoints, sink commit records and
// the schema registry. Errors are IOError naming the path and the system's reason.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

// Writes all of `bytes` to `fd` (retrying short writes and EINTR); `path` names it in errors.
Status WriteAll(int fd, std::string_view bytes, const std::string& path);
// fsyncs a directory, making renames and new entries in it durable.
Status SyncDirectory(const std::string& dir);
// Replaces `path` with `bytes` atomically and durably: a temporary file next to it,
// fsync, rename over `path`, fsync of the directory. A crash leaves the old or the new
// content, never a mix; the temporary file is removed on failure.
Status WriteFileDurably(const std::string& path, std::string_view bytes);
// The whole content of a file.
Result<std::string> ReadWholeFile(const std::string& path);
// Copies `from` to `to` with WriteFileDurably.
Status CopyFileDurably(const std::string& from, const std::string& to);

}  // namespace sluice
