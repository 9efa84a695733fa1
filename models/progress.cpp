#include <minidl/models/progress.hpp>

#include <fmt/format.h>
#include <unistd.h>

namespace minidl::models {

ProgressBar::ProgressBar(std::int64_t steps, int verbose, std::FILE* stream)
    : steps_(steps),
      verbose_(verbose),
      stream_(stream),
      interactive_(isatty(fileno(stream)) != 0),
      start_(std::chrono::steady_clock::now()) {}

std::string ProgressBar::values_text(const std::map<std::string, double>& values) const {
  std::string text;
  for (const auto& [name, value] : values) text += fmt::format(" - {}: {:.4f}", name, value);
  return text;
}

void ProgressBar::update(std::int64_t step, const std::map<std::string, double>& values) {
  if (verbose_ != 1 || !interactive_) return;
  constexpr int width = 30;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double remaining = step > 0 ? elapsed / double(step) * double(steps_ - step) : 0.0;
  const int done = steps_ > 0 ? int(width * step / steps_) : width;
  std::string bar(std::size_t(done), '=');
  if (done < width) bar += '>' + std::string(std::size_t(width - done - 1), '.');
  fmt::print(stream_, "\r{}/{} [{}] - ETA: {:.0f}s{}\x1b[K", step, steps_, bar, remaining, values_text(values));
  std::fflush(stream_);
}

void ProgressBar::finish(const std::map<std::string, double>& values) {
  if (verbose_ == 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string timing = fmt::format("{:.0f}ms/step", steps_ > 0 ? 1000.0 * elapsed / double(steps_) : 0.0);
  if (verbose_ == 1 && interactive_)
    fmt::print(stream_, "\r{}/{} [{}] - {:.1f}s {}{}\x1b[K\n", steps_, steps_, std::string(30, '='), elapsed, timing,
               values_text(values));
  else
    fmt::print(stream_, "{}/{} - {:.1f}s - {}{}\n", steps_, steps_, elapsed, timing, values_text(values));
  std::fflush(stream_);
}

}  // namespace minidl::models
