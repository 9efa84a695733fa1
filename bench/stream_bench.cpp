// minidl's half of the streaming benchmark (bench/torch/stream_bench_torch.cpp is libtorch's;
// bench/run-streaming.sh runs both and prints the table with this program's --report). The model
// is the TCN: a 1×1 lift to 32 channels, 8 residual blocks h + relu(causal Conv1D(32, 3,
// dilation d)) for d = 1, 2, …, 128, and a Dense(12) per step; its receptive field is 511 steps.
// One new step costs either a stream step, or a forward pass over the last 511 steps
// (recomputation, the only way without a stream).
//   stream_bench --threads N [--min-seconds S]
//   stream_bench --report results.jsonl
#include <minidl/minidl.hpp>

#include <algorithm>
#include <chrono>
#include <fmt/core.h>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

using namespace minidl;

namespace {

std::unique_ptr<models::Functional> tcn(std::int64_t steps) {
  layers::SymbolicTensor x = layers::Input({.shape = {steps, 1}});
  layers::SymbolicTensor h = layers::make<layers::Conv1D>({.filters = 32, .kernel_size = 1})(x);
  for (std::int64_t dilation = 1; dilation <= 128; dilation *= 2)
    h = layers::make<layers::Add>()({h, layers::make<layers::Conv1D>({.filters = 32, .kernel_size = 3, .padding = "causal",
                                                                       .dilation_rate = dilation, .activation = "relu"})(h)});
  return std::make_unique<models::Functional>(x, layers::make<layers::Dense>({.units = 12})(h));
}

struct Timing {
  double median, p10, p90;
  std::size_t repetitions;
};

// Times `work` (which does `calls` steps) until both 20 repetitions and `seconds` have passed;
// the figures are per step, in milliseconds.
Timing measure(const std::function<void()>& work, int calls, double seconds) {
  for (int i = 0; i < 5; ++i) work();
  std::vector<double> times;
  double total = 0;
  while (times.size() < 20 || total < seconds) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    times.push_back(elapsed * 1e3 / calls);
    total += elapsed;
  }
  std::sort(times.begin(), times.end());
  const auto at = [&](double q) { return times[std::size_t(q * double(times.size() - 1))]; };
  return {at(0.5), at(0.1), at(0.9), times.size()};
}

void print(int threads, const char* pass, const Timing& timing) {
  const nlohmann::json line = {{"framework", "minidl"}, {"threads", threads},       {"case", "stream_tcn"},   {"pass", pass},
                               {"median_ms", timing.median}, {"p10_ms", timing.p10}, {"p90_ms", timing.p90}, {"repetitions", timing.repetitions}};
  fmt::print("{}\n", line.dump());
  std::fflush(stdout);
}

void run(int threads, double seconds) {
  seed_global_generator(0);
  const auto model = tcn(511);
  streaming::Stream stream(*model);
  const Tensor window = Tensor::normal({1, 511, 1});
  const Tensor x = Tensor::normal({1, 1});
  Tensor y = Tensor::empty({1, 12});
  constexpr int steps_per_repetition = 256;
  print(threads, "stream", measure([&] {
          for (int i = 0; i < steps_per_repetition; ++i) stream.step(x, y);
        }, steps_per_repetition, seconds));
  print(threads, "recompute", measure([&] {
          NoGradGuard no_grad;
          (*model)(std::vector<Tensor>{window});
        }, 1, seconds));
}

// The table: per thread count, microseconds per step, and the stream's speed-up over both.
int report(const std::string& path) {
  std::ifstream file(path);
  std::map<std::pair<int, std::string>, double> best;  // (threads, "framework pass") → median ms
  for (std::string text; std::getline(file, text);) {
    if (text.empty() || text[0] != '{') continue;
    const auto line = nlohmann::json::parse(text);
    const auto key = std::pair{line.at("threads").get<int>(), line.at("framework").get<std::string>() + " " + line.at("pass").get<std::string>()};
    const double median = line.at("median_ms");
    if (!best.contains(key) || median < best[key]) best[key] = median;
  }
  fmt::print("| threads | minidl stream µs | minidl recompute µs | libtorch recompute µs | stream ÷ minidl recompute | stream ÷ libtorch recompute |\n");
  fmt::print("|---|---|---|---|---|---|\n");
  for (const int threads : {1, 2}) {
    const auto find = [&](const char* what) -> std::optional<double> {
      const auto found = best.find({threads, what});
      return found == best.end() ? std::nullopt : std::optional(found->second * 1e3);
    };
    const auto stream = find("minidl stream"), recompute = find("minidl recompute"), torch = find("libtorch recompute");
    if (!stream || !recompute || !torch) continue;
    fmt::print("| {} | {:.2f} | {:.1f} | {:.1f} | 1/{:.0f} | 1/{:.0f} |\n", threads, *stream, *recompute, *torch, *recompute / *stream,
               *torch / *stream);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  double seconds = 1.0;
  std::string report_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string argument = argv[i], value = argv[i + 1];
    if (argument == "--threads") threads = std::stoi(value);
    else if (argument == "--min-seconds") seconds = std::stod(value);
    else if (argument == "--report") report_path = value;
  }
  if (argc % 2 == 0) {
    fmt::print(stderr, "usage: stream_bench [--threads N] [--min-seconds S] | --report results.jsonl\n");
    return 2;
  }
  if (!report_path.empty()) return report(report_path);
  set_num_threads(threads);
  run(threads, seconds);
  return 0;
}
