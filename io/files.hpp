#pragma once
// Whole files in and out, for the savers: a write is atomic and durable, a read takes it all.
#include <string>

namespace minidl::io {

// Replaces `path` with `bytes` through a temporary file beside it, flushed and fsync'ed, then
// renamed over it: a crash leaves the old file or the new one, whole. `caller` names the
// operation in errors.
void write_atomically(const std::string& path, const std::string& bytes, const char* caller);
// The file's bytes; InvalidArgument naming `caller` and the path when it cannot be opened.
std::string read_whole_file(const std::string& path, const char* caller);

}  // namespace minidl::io
