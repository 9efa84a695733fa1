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

namespace {

// Keras 3's bar: 20 heavy rules, the done part green and the rest grey.
std::string bar(std::int64_t step, std::int64_t steps) {
  constexpr std::int64_t width = 20;
  const std::int64_t done = steps > 0 ? width * step / steps : width;
  std::string text = "\x1b[32m";
  for (std::int64_t i = 0; i < done; ++i) text += "━";
  text += "\x1b[0m\x1b[37m";
  for (std::int64_t i = done; i < width; ++i) text += "━";
  return text + "\x1b[0m";
}

std::string per_step(double seconds) {
  return seconds >= 1 ? fmt::format("{:.0f}s/step", seconds) : fmt::format("{:.0f}ms/step", 1000 * seconds);
}

}  // namespace

void ProgressBar::update(std::int64_t step, const std::map<std::string, double>& values) {
  last_step_ = step;
  if (verbose_ != 1 || !interactive_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (steps_ <= 0) {
    fmt::print(stream_, "\r{}/Unknown {:.0f}s {}{}\x1b[K", step, elapsed, per_step(elapsed / double(step)), values_text(values));
    std::fflush(stream_);
    return;
  }
  const double remaining = step > 0 ? elapsed / double(step) * double(steps_ - step) : 0.0;
  fmt::print(stream_, "\r{}/{} {} {:.0f}s {}{}\x1b[K", step, steps_, bar(step, steps_), remaining,
             per_step(step > 0 ? elapsed / double(step) : 0.0), values_text(values));
  std::fflush(stream_);
}

void ProgressBar::finish(const std::map<std::string, double>& values) {
  if (verbose_ == 0) return;
  if (steps_ <= 0) steps_ = last_step_;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string timing = per_step(steps_ > 0 ? elapsed / double(steps_) : 0.0);
  if (verbose_ == 1 && interactive_)
    fmt::print(stream_, "\r{}/{} {} {:.0f}s {}{}\x1b[K\n", steps_, steps_, bar(steps_, steps_), elapsed, timing,
               values_text(values));
  else
    fmt::print(stream_, "{}/{} - {:.0f}s - {}{}\n", steps_, steps_, elapsed, timing, values_text(values));
  std::fflush(stream_);
}

}  // namespace minidl::models
