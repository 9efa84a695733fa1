#pragma once
// Keras's progress display for fit/evaluate: on a terminal, a bar redrawn per batch with the step
// count, the time left and the running loss and metrics; elsewhere (a log file, CI) one line per
// epoch.
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

namespace minidl::models {

class ProgressBar {
 public:
  // verbose as fit's: 0 silent, 1 a bar (one line when not a terminal), 2 one line per epoch.
  // steps 0: unknown (a dataset that cannot tell its length), shown as Keras does, "12/Unknown".
  // The bar is redrawn at most every `interval_seconds` (Keras's Progbar interval), and cut to
  // the terminal's width so that long metric names never wrap it onto new lines.
  ProgressBar(std::int64_t steps, int verbose, std::FILE* stream = stdout, double interval_seconds = 0.05);
  void update(std::int64_t step, const std::map<std::string, double>& values);
  // Ends the epoch's display with the final values (including validation ones).
  void finish(const std::map<std::string, double>& values);

 private:
  std::string values_text(const std::map<std::string, double>& values) const;
  // Writes `head` then as much of `values` as the terminal's width leaves room for.
  void draw(const std::string& head, const std::string& values, bool last);
  std::int64_t steps_;
  std::int64_t last_step_ = 0;
  int verbose_;
  std::FILE* stream_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::duration<double> interval_;
  std::optional<std::chrono::steady_clock::time_point> last_draw_;
};

}  // namespace minidl::models
