#include <minidl/models/progress.hpp>

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace minidl::models {

ProgressBar::ProgressBar(std::int64_t steps, int verbose, std::FILE* stream, double interval_seconds)
    : steps_(steps),
      verbose_(verbose),
      stream_(stream),
      interactive_(isatty(fileno(stream)) != 0),
      start_(std::chrono::steady_clock::now()),
      interval_(interval_seconds) {}

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

// Columns a line takes on a terminal: colour escapes take none, a UTF-8 character one.
std::size_t visible_width(const std::string& text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    width += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  }
  return width;
}

// The terminal's columns, 0 when it does not say.
std::size_t terminal_columns(std::FILE* stream) {
  winsize size{};
  return ioctl(fileno(stream), TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
}

std::string per_step(double seconds) {
  return seconds >= 1 ? fmt::format("{:.0f}s/step", seconds) : fmt::format("{:.0f}ms/step", 1000 * seconds);
}

}  // namespace

void ProgressBar::draw(const std::string& head, const std::string& values, bool last) {
  // One column short of the width: a line that fills it wraps on some terminals. The epoch's last
  // line is written once and keeps every value, the validation ones included.
  const std::size_t columns = last ? 0 : terminal_columns(stream_), used = visible_width(head);
  const std::size_t room = columns == 0 ? values.size() : (columns > used + 1 ? columns - used - 1 : 0);
  fmt::print(stream_, "\r{}{}\x1b[K{}", head, values.substr(0, room), last ? "\n" : "");
  std::fflush(stream_);
}

void ProgressBar::update(std::int64_t step, const std::map<std::string, double>& values) {
  last_step_ = step;
  if (verbose_ != 1 || !interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  if (last_draw_ && now - *last_draw_ < interval_) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (steps_ <= 0) {
    draw(fmt::format("{}/Unknown {:.0f}s {}", step, elapsed, per_step(elapsed / double(step))), values_text(values), false);
    return;
  }
  const double remaining = step > 0 ? elapsed / double(step) * double(steps_ - step) : 0.0;
  draw(fmt::format("{}/{} {} {:.0f}s {}", step, steps_, bar(step, steps_), remaining, per_step(step > 0 ? elapsed / double(step) : 0.0)),
       values_text(values), false);
}

void ProgressBar::finish(const std::map<std::string, double>& values) {
  if (verbose_ == 0) return;
  if (steps_ <= 0) steps_ = last_step_;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string timing = per_step(steps_ > 0 ? elapsed / double(steps_) : 0.0);
  if (verbose_ == 1 && interactive_) {
    draw(fmt::format("{}/{} {} {:.0f}s {}", steps_, steps_, bar(steps_, steps_), elapsed, timing), values_text(values), true);
    return;
  }
  fmt::print(stream_, "{}/{} - {:.0f}s - {}{}\n", steps_, steps_, elapsed, timing, values_text(values));
  std::fflush(stream_);
}

}  // namespace minidl::models
