#include <minidl/io/files.hpp>

#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <new>
#include <optional>
#include <signal.h>
#include <string_view>
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
  Descriptor(Descriptor&& other) noexcept : descriptor_(std::exchange(other.descriptor_, -1)) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return descriptor_; }
  // Hands the descriptor to another owner (a FILE stream).
  void release() { descriptor_ = -1; }
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
  // Some file systems cannot sync a folder (EINVAL); their renames are as durable as they get.
  if (directory.valid() && (::fsync(directory.get()) == 0 || errno == EINVAL)) return;
  throw InvalidArgument(fmt::format("{}: {} was replaced, but syncing its folder failed, so the new file may not survive a "
                                    "power cut: {}",
                                    caller, path, error_text()));
}

// <path>.tmp-<pid>-<n>: unique to a write in progress, and naming the process that owns it.
std::string temporary_name(const std::string& path) {
  static std::atomic<unsigned long> writes{0};
  return fmt::format("{}{}{}-{}", path, temporary_suffix, ::getpid(), writes++);
}

// The pid in a temporary file's name when it is one of write_atomically's (<pid>-<n>).
std::optional<pid_t> temporary_owner(std::string_view suffix) {
  const auto dash = suffix.find('-');
  const auto digits = [](std::string_view text) {
    return !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (dash == std::string_view::npos || !digits(suffix.substr(0, dash)) || !digits(suffix.substr(dash + 1))) return std::nullopt;
  const long long pid = std::stoll(std::string(suffix.substr(0, dash)));
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return std::nullopt;
  return pid_t(pid);
}

}  // namespace

void write_atomically(const std::string& given_path, const std::string& bytes, const char* caller) {
  // Through a symbolic link, the file it points to is replaced and the link stays, as a plain
  // open-and-write would do.
  std::filesystem::path target = given_path;
  std::error_code link_error;
  for (int hops = 0; std::filesystem::is_symlink(std::filesystem::symlink_status(target, link_error)); ++hops) {
    // (40 is Linux's own limit on links followed in one path, MAXSYMLINKS.)
    if (hops == 40) throw InvalidArgument(fmt::format("{}: cannot follow the link {}: too many levels of links", caller, given_path));
    const std::filesystem::path next = std::filesystem::read_symlink(target, link_error);
    if (link_error) throw InvalidArgument(fmt::format("{}: cannot follow the link {}: {}", caller, given_path, link_error.message()));
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  const std::string path = target.lexically_normal().string();
  remove_temporaries(path);  // what a writer of this path killed mid-write left
  const std::string temporary = temporary_name(path);
  // A new file gets the umask's permissions, as any program's; a replaced one keeps its own.
  Descriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
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
  struct stat replaced {};
  if (::stat(path.c_str(), &replaced) == 0 && ::fchmod(file.get(), replaced.st_mode & 07777) != 0) give_up("setting the permissions of");
  if (::fsync(file.get()) != 0) give_up("syncing");
  if (!file.close()) give_up("closing");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) give_up("renaming");
  sync_folder(path, caller);
}

void remove_temporaries(const std::string& path) {
  const std::string prefix = std::filesystem::path(path).filename().string() + temporary_suffix;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder_of(path), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // Another process's write may be under way: only a dead writer's file goes.
    const auto owner = temporary_owner(std::string_view(name).substr(prefix.size()));
    if (owner && ::kill(*owner, 0) != 0 && errno == ESRCH) std::filesystem::remove(entry.path(), error);
  }
}

namespace {

// Without O_NONBLOCK, opening a named pipe would wait for a writer before fstat could refuse it.
Descriptor open_regular(const std::string& path, const char* caller, struct stat& status) {
  Descriptor file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!file.valid()) throw InvalidArgument(fmt::format("{}: cannot open {}: {}", caller, path, error_text()));
  if (::fstat(file.get(), &status) != 0) throw InvalidArgument(fmt::format("{}: cannot read {}: {}", caller, path, error_text()));
  // A device or a pipe has no size to check and may never end (/dev/zero).
  if (!S_ISREG(status.st_mode)) throw InvalidArgument(fmt::format("{}: {} is not a regular file", caller, path));
  return file;
}

}  // namespace

ReadableFile open_regular_file(const std::string& path, const char* caller) {
  struct stat status {};
  Descriptor file = open_regular(path, caller, status);
  ReadableFile stream(::fdopen(file.get(), "rb"));
  if (!stream) throw InvalidArgument(fmt::format("{}: cannot open {}: {}", caller, path, error_text()));
  file.release();
  return stream;
}

std::string read_whole_file(const std::string& path, const char* caller) {
  struct stat status {};
  const Descriptor file = open_regular(path, caller, status);
  const auto size = std::size_t(status.st_size);
  if (size > allocation_limit())
    throw MemoryError(fmt::format("{}: cannot read {}: its {} bytes are over the allocation limit of {} bytes (set_allocation_limit)",
                                  caller, path, size, allocation_limit()));
  std::string bytes;
  try {
    bytes.resize(size);
  } catch (const std::bad_alloc&) {
    throw MemoryError(fmt::format("{}: cannot read {}: the system refused {} bytes", caller, path, size));
  }
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
