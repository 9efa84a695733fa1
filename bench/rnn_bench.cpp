// minidl's half of the recurrent benchmark (bench/torch/rnn_bench_torch.cpp is libtorch's;
// bench/run-rnn.sh runs both and prints the table with this program's --report). Cases: an LSTM and
// a GRU of 64 → 128 units over batches of 32 sequences of 128 steps (the size), and a small
// latency case, an LSTM of 8 → 32 units over one sequence of 32 steps. Passes: forward under
// NoGradGuard, and forward plus backward of the sum of every step's output.
//   rnn_bench --threads N [--min-seconds S]
//   rnn_bench --report results.jsonl
#include <minidl/minidl.hpp>

#include <algorithm>
#include <chrono>
#include <fmt/core.h>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

using namespace minidl;

namespace {

struct Case {
  const char* name;
  const char* cell;
  std::int64_t batch, steps, features, units;
};
constexpr Case cases[] = {{"R1", "LSTM", 32, 128, 64, 128}, {"R2", "GRU", 32, 128, 64, 128}, {"R3", "LSTM", 1, 32, 8, 32}};

// Median, p10 and p90 in milliseconds of `work`, after warm-up, until 10 calls and `seconds` passed.
std::vector<double> measure(const std::function<void()>& work, double seconds) {
  for (int i = 0; i < 3; ++i) work();
  std::vector<double> times;
  double total = 0;
  while (times.size() < 10 || total < seconds) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    times.push_back(elapsed * 1e3);
    total += elapsed;
  }
  std::sort(times.begin(), times.end());
  const auto at = [&](double q) { return times[std::size_t(q * double(times.size() - 1))]; };
  return {at(0.5), at(0.1), at(0.9), double(times.size())};
}

void run(int threads, double seconds) {
  seed_global_generator(0);
  for (const Case& c : cases) {
    auto layer = layers::deserialize({{"class_name", c.cell}, {"config", {{"units", c.units}, {"return_sequences", true}}}});
    const Tensor x = Tensor::normal({c.batch, c.steps, c.features});
    const Tensor input = x.clone().set_requires_grad();
    (*layer)(x);
    const auto forward = measure([&] {
      NoGradGuard no_grad;
      (*layer)(x);
    }, seconds);
    const auto both = measure([&] {
      sum((*layer)(input)).backward();
      for (const auto& weight : layer->trainable_weights()) weight->value().zero_grad();
      input.zero_grad();
    }, seconds);
    for (const auto& [pass, timing] : {std::pair{"forward", forward}, std::pair{"forward+backward", both}}) {
      const nlohmann::json line = {{"framework", "minidl"}, {"threads", threads}, {"case", c.name},        {"cell", c.cell},
                                   {"pass", pass},          {"median_ms", timing[0]}, {"p10_ms", timing[1]}, {"p90_ms", timing[2]}};
      fmt::print("{}\n", line.dump());
      std::fflush(stdout);
    }
  }
}

// The table: each case, pass and thread count, both frameworks' medians (libtorch's best of its
// runs) and minidl's time as a fraction of libtorch's.
int report(const std::string& path) {
  std::ifstream file(path);
  std::map<std::tuple<std::string, std::string, int, std::string>, double> best;  // (case, pass, threads, framework) → ms
  for (std::string text; std::getline(file, text);) {
    if (text.empty() || text[0] != '{') continue;
    const auto line = nlohmann::json::parse(text);
    const auto key = std::tuple{line.at("case").get<std::string>(), line.at("pass").get<std::string>(), line.at("threads").get<int>(),
                                line.at("framework").get<std::string>()};
    const double median = line.at("median_ms");
    if (!best.contains(key) || median < best[key]) best[key] = median;
  }
  fmt::print("| case | pass | threads | minidl ms | libtorch ms | minidl ÷ libtorch |\n|---|---|---|---|---|---|\n");
  for (const Case& c : cases)
    for (const char* pass : {"forward", "forward+backward"})
      for (const int threads : {1, 2}) {
        const auto mine = best.find({c.name, pass, threads, "minidl"}), theirs = best.find({c.name, pass, threads, "libtorch"});
        if (mine == best.end() || theirs == best.end()) continue;
        fmt::print("| {} {} {}×{}→{}, batch {} | {} | {} | {:.3f} | {:.3f} | {:.2f} |\n", c.name, c.cell, c.steps, c.features, c.units, c.batch,
                   pass, threads, mine->second, theirs->second, mine->second / theirs->second);
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
    fmt::print(stderr, "usage: rnn_bench [--threads N] [--min-seconds S] | --report results.jsonl\n");
    return 2;
  }
  if (!report_path.empty()) return report(report_path);
  set_num_threads(threads);
  run(threads, seconds);
  return 0;
}
