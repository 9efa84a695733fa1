#pragma once
// Whole files in and out, for the savers: a write is atomic and durable, a read takes it all.
#include <cstdio>
#include <memory>
#include <string>

namespace minidl::io {

// Replaces `path` with `bytes` through a temporary file beside it (<path>.tmp-<pid>-<n>, created
// exclusively), written, fsync'ed and renamed over it, then the folder fsync'ed: a crash or kill
// at any moment leaves the old file or the new one, whole, and once this returns the new one
// survives a power cut. It first removes the temporaries of earlier writers of `path` that were
// killed mid-write (remove_temporaries). When a step up to the rename fails, the temporary file is removed and
// `path` is unchanged; when only the folder's sync fails, the new file is in place and the error
// says that it may not survive a power cut. `caller` names the operation in errors. A replaced
// file keeps its permissions (a new one gets the umask's); through a symbolic link, the file it
// points to is replaced and the link stays.
void write_atomically(const std::string& path, const std::string& bytes, const char* caller);
// Removes the temporary files that writes of `path` by processes no longer running left behind
// (killed mid-write); a live process's write in progress is left alone. write_atomically calls it;
// call it before deleting a file that may not be written again.
void remove_temporaries(const std::string& path);
// The file's bytes. InvalidArgument naming `caller` and the path when it cannot be opened or read
// or is not a regular file (a device, a pipe, a folder); MemoryError when it is larger than the
// allocation limit or the system refuses the memory.
std::string read_whole_file(const std::string& path, const char* caller);

struct ReadableFileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using ReadableFile = std::unique_ptr<std::FILE, ReadableFileCloser>;
// The file opened for reading a piece at a time, refused as read_whole_file refuses it when it
// cannot be opened or is not a regular file.
ReadableFile open_regular_file(const std::string& path, const char* caller);

}  // namespace minidl::io
