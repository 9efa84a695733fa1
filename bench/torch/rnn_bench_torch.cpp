// libtorch's half of the recurrent benchmark (bench/rnn_bench.cpp is minidl's and says what is
// measured): torch::nn::LSTM and GRU, batch first, every step's output.
//   rnn_bench_torch --threads N --onednn on|off [--min-seconds S]
#include "torch_common.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Case {
  const char* name;
  const char* cell;
  long batch, steps, features, units;
};
constexpr Case cases[] = {{"R1", "LSTM", 32, 128, 64, 128}, {"R2", "GRU", 32, 128, 64, 128}, {"R3", "LSTM", 1, 32, 8, 32}};

void print(const Case& c, const char* pass, int threads, const std::string& onednn, const bench_torch::Stats& stats) {
  std::printf("{\"framework\":\"libtorch\",\"threads\":%d,\"case\":\"%s\",\"cell\":\"%s\",\"pass\":\"%s\",\"onednn\":\"%s\","
              "\"median_ms\":%.6f,\"p10_ms\":%.6f,\"p90_ms\":%.6f}\n",
              threads, c.name, c.cell, pass, onednn.c_str(), stats.median_ms, stats.p10_ms, stats.p90_ms);
  std::fflush(stdout);
}

template <class Module>
void run_case(const Case& c, Module module, int threads, const std::string& onednn, double seconds) {
  const torch::Tensor x = torch::randn({c.batch, c.steps, c.features});
  const torch::Tensor input = x.clone().requires_grad_(true);
  print(c, "forward", threads, onednn, bench_torch::time_calls(10, seconds, [] {}, [&] {
          torch::NoGradGuard no_grad;
          std::get<0>(module->forward(x));
        }));
  print(c, "forward+backward", threads, onednn, bench_torch::time_calls(10, seconds, [&] { module->zero_grad(); }, [&] {
          std::get<0>(module->forward(input)).sum().backward();
        }));
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::string onednn = "on";
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--onednn")) onednn = argv[i + 1];
    else if (!std::strcmp(argv[i], "--min-seconds")) seconds = std::stod(argv[i + 1]);
  }
  bench_torch::set_up_libtorch(threads, onednn == "on");
  torch::manual_seed(0);
  for (const Case& c : cases) {
    if (std::string(c.cell) == "LSTM")
      run_case(c, torch::nn::LSTM(torch::nn::LSTMOptions(c.features, c.units).batch_first(true)), threads, onednn, seconds);
    else
      run_case(c, torch::nn::GRU(torch::nn::GRUOptions(c.features, c.units).batch_first(true)), threads, onednn, seconds);
  }
  return 0;
}
