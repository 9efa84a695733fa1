#include <minidl/io/files.hpp>

#include <minidl/core/errors.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace minidl::io {

void write_atomically(const std::string& path, const std::string& bytes, const char* caller) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (descriptor < 0) throw InvalidArgument(fmt::format("{}: cannot create {}: {}", caller, temporary, std::strerror(errno)));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const auto result = ::write(descriptor, bytes.data() + written, bytes.size() - written);
    if (result < 0) {
      ::close(descriptor);
      ::unlink(temporary.c_str());
      throw InvalidArgument(fmt::format("{}: writing {} failed: {}", caller, temporary, std::strerror(errno)));
    }
    written += std::size_t(result);
  }
  const bool synced = ::fsync(descriptor) == 0;
  ::close(descriptor);
  if (!synced || std::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw InvalidArgument(fmt::format("{}: could not commit {}: {}", caller, path, std::strerror(errno)));
  }
}

std::string read_whole_file(const std::string& path, const char* caller) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InvalidArgument(fmt::format("{}: cannot open {}", caller, path));
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace minidl::io
