#include <minidl/io/files.hpp>

#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace minidl::io {

namespace {

constexpr const char* temporary_suffix = ".tmp-";

// Closes a descriptor on every path out, errors included.
class Descriptor {
 public:
  explicit Descriptor(int descriptor) : descriptor_(descriptor) {}
  ~Descriptor() {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return descriptor_; }
  bool valid() const { return descriptor_ >= 0; }
  // close(2) may report a write the kernel could not complete (on NFS, say).
  bool close() { return ::close(std::exchange(descriptor_, -1)) == 0; }

 private:
  int descriptor_;
};

std::string error_text() { return std::strerror(errno); }

std::filesystem::path folder_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

// After a rename only an fsync of the folder makes the new name survive a power cut.
void sync_folder(const std::string& path, const char* caller) {
  Descriptor directory(::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  // Some file systems cannot open or sync a folder (EINVAL); their renames are as durable as they get.
  if (!directory.valid() || ::fsync(directory.get()) == 0 || errno == EINVAL) return;
  throw InvalidArgument(fmt::format("{}: {} was written, but syncing its folder failed: {}", caller, path, error_text()));
}

}  // namespace

void write_atomically(const std::string& path, const std::string& bytes, const char* caller) {
  const std::string temporary = path + temporary_suffix + std::to_string(::getpid());
  Descriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!file.valid()) throw InvalidArgument(fmt::format("{}: cannot create {}: {}", caller, temporary, error_text()));
  const auto give_up = [&](const char* step) {
    const std::string why = error_text();
    ::unlink(temporary.c_str());
    throw InvalidArgument(fmt::format("{}: {} {} failed, {} is unchanged: {}", caller, step, temporary, path, why));
  };
  for (std::size_t written = 0; written < bytes.size();) {
    const auto result = ::write(file.get(), bytes.data() + written, bytes.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result < 0) give_up("writing");
    written += std::size_t(result);
  }
  if (::fsync(file.get()) != 0) give_up("syncing");
  if (!file.close()) give_up("closing");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) give_up("renaming");
  sync_folder(path, caller);
}

void remove_temporaries(const std::string& path) {
  const std::string prefix = std::filesystem::path(path).filename().string() + temporary_suffix;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder_of(path), error))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) std::filesystem::remove(entry.path(), error);
}

std::string read_whole_file(const std::string& path, const char* caller) {
  Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) throw InvalidArgument(fmt::format("{}: cannot open {}: {}", caller, path, error_text()));
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) throw InvalidArgument(fmt::format("{}: cannot read {}: {}", caller, path, error_text()));
  // A device or a pipe has no size to check and may never end (/dev/zero).
  if (!S_ISREG(status.st_mode)) throw InvalidArgument(fmt::format("{}: {} is not a regular file", caller, path));
  const auto size = std::size_t(status.st_size);
  if (size > allocation_limit())
    throw MemoryError(fmt::format("{}: cannot read {}: its {} bytes are over the allocation limit of {} bytes (set_allocation_limit)",
                                  caller, path, size, allocation_limit()));
  std::string bytes(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const auto result = ::read(file.get(), bytes.data() + done, size - done);
    if (result < 0 && errno == EINTR) continue;
    if (result < 0) throw InvalidArgument(fmt::format("{}: reading {} failed: {}", caller, path, error_text()));
    if (result == 0) break;  // shrunk while being read: the parsers report the truncation
    done += std::size_t(result);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace minidl::io
