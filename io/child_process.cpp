#include <minidl/io/child_process.hpp>

#include <minidl/core/errors.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

// Defined only in a sanitized build.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace minidl::io {

namespace {

// A sanitizer's report in the child is minidl's bug, not the file's: the child ends with this
// status instead of the signal a library's crash ends it with.
constexpr int sanitizer_report_status = 86;

// What the child sends: one tag, then the tensors or the error's message.
enum class Outcome : char { tensors = 'T', invalid_argument = 'I', shape_error = 'S', memory_error = 'M', other_error = 'E' };

void append(std::string& message, const void* data, std::size_t size) {
  if (size == 0) return;  // a scalar's extents: `data` may be null
  message.append(static_cast<const char*>(data), size);
}

void append_u64(std::string& message, std::uint64_t value) { append(message, &value, sizeof value); }

std::string encode_tensors(const std::vector<Tensor>& tensors) {
  std::string message(1, char(Outcome::tensors));
  append_u64(message, tensors.size());
  for (const Tensor& tensor : tensors) {
    const Tensor packed = tensor.contiguous();
    message += char(packed.dtype());
    append_u64(message, packed.shape().size());
    append(message, packed.shape().data(), packed.shape().size() * sizeof(std::int64_t));
    dispatch(packed.dtype(), [&]<class T>() { append(message, packed.data<T>(), std::size_t(packed.size()) * sizeof(T)); });
  }
  return message;
}

std::string encode_error(Outcome outcome, const char* what) {
  std::string message(1, char(outcome));
  message += what;
  return message;
}

// Reads the child's message; any inconsistency is minidl's bug, not the file's.
class MessageReader {
 public:
  explicit MessageReader(const std::string& message) : message_(message) {}
  void take(void* out, std::size_t size) {
    if (size > message_.size() - at_) throw std::runtime_error("read_in_child_process: the child's answer is cut short");
    if (size == 0) return;  // a scalar's extents: `out` may be null
    std::memcpy(out, message_.data() + at_, size);
    at_ += size;
  }
  std::uint64_t take_u64() {
    std::uint64_t value;
    take(&value, sizeof value);
    return value;
  }

 private:
  const std::string& message_;
  std::size_t at_ = 1;
};

std::vector<Tensor> decode_tensors(const std::string& message) {
  MessageReader reader(message);
  std::vector<Tensor> tensors(reader.take_u64());
  for (Tensor& tensor : tensors) {
    char dtype;
    reader.take(&dtype, 1);
    Shape shape(reader.take_u64());
    reader.take(shape.data(), shape.size() * sizeof(std::int64_t));
    tensor = Tensor::zeros(shape, DType(dtype));
    dispatch(tensor.dtype(), [&]<class T>() { reader.take(tensor.data<T>(), std::size_t(tensor.size()) * sizeof(T)); });
  }
  return tensors;
}

void write_all(int fd, const std::string& message) {
  for (std::size_t at = 0; at < message.size();) {
    const ssize_t written = ::write(fd, message.data() + at, message.size() - at);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    at += std::size_t(written);
  }
}

std::string read_all(int fd) {
  std::string message;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return message;
    message.append(buffer, std::size_t(got));
  }
}

[[noreturn]] void run_child(int fd, const std::function<std::vector<Tensor>()>& read) {
  // The library's crash must end this process by its signal: sanitizers' and fuzzers' handlers,
  // inherited from the parent, would report it as the parent's.
  for (int signal : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) std::signal(signal, SIG_DFL);
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback([] { ::_exit(sanitizer_report_status); });
  std::string message;
  try {
    message = encode_tensors(read());
  } catch (const ShapeError& error) {
    message = encode_error(Outcome::shape_error, error.what());
  } catch (const InvalidArgument& error) {
    message = encode_error(Outcome::invalid_argument, error.what());
  } catch (const MemoryError& error) {
    message = encode_error(Outcome::memory_error, error.what());
  } catch (const std::exception& error) {
    message = encode_error(Outcome::other_error, error.what());
  }
  write_all(fd, message);
  // No exit handlers or stdio flushes: those belong to the parent.
  ::_exit(0);
}

}  // namespace

std::vector<Tensor> read_in_child_process(const std::string& source, const std::string& library,
                                          const std::function<std::vector<Tensor>()>& read) {
  int channel[2];
  if (::pipe(channel) != 0) throw MemoryError(fmt::format("{}: cannot open a pipe to read it in a child process ({})", source, std::strerror(errno)));
  const pid_t child = ::fork();
  if (child < 0) {
    const int error = errno;
    ::close(channel[0]);
    ::close(channel[1]);
    throw MemoryError(fmt::format("{}: cannot start a child process to read it ({})", source, std::strerror(error)));
  }
  if (child == 0) {
    ::close(channel[0]);
    run_child(channel[1], read);
  }
  ::close(channel[1]);
  const std::string message = read_all(channel[0]);
  ::close(channel[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    throw InvalidArgument(fmt::format("{} is damaged: {} crashed reading it ({}, in the child process minidl reads it in)",
                                      source, library, ::strsignal(WTERMSIG(status))));
  const int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (exit_status != 0 || message.empty())
    throw std::runtime_error(fmt::format("read_in_child_process: the child reading {} ended with status {} before answering{}",
                                         source, exit_status,
                                         exit_status == sanitizer_report_status ? " (a sanitizer's report above says why)" : ""));
  const Outcome outcome = Outcome(message[0]);
  if (outcome == Outcome::tensors) return decode_tensors(message);
  const std::string text = message.substr(1);
  switch (outcome) {
    case Outcome::shape_error: throw ShapeError(text);
    case Outcome::invalid_argument: throw InvalidArgument(text);
    case Outcome::memory_error: throw MemoryError(text);
    case Outcome::other_error: throw std::runtime_error(text);
    case Outcome::tensors: break;
  }
  throw std::runtime_error("read_in_child_process: the child's answer has an unknown tag");
}

}  // namespace minidl::io
