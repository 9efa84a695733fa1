// The libtorch half of the streaming benchmark: what one forecast step costs a
// TCN that keeps no state between steps and so must recompute its whole
// receptive field every time a new sample arrives. A streaming TCN, which
// caches each layer's past, is measured against this line.
//
// The model is built in libtorch's own (N, C, L) layout, as a libtorch user
// would write it; see conv1d_bench_torch.cpp for the same choice.

#include "torch_common.hpp"

#include <torch/torch.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int64_t kChannels = 32;
constexpr int64_t kKernel = 3;
constexpr int64_t kHorizon = 12;
constexpr std::array<int64_t, 8> kDilations{1, 2, 4, 8, 16, 32, 64, 128};

// The receptive field, 511: the fewest input steps that still give the last
// output step its full history, so recomputation does no more than it must.
constexpr int64_t receptive_field() {
  int64_t steps = 1;
  for (const int64_t d : kDilations) steps += (kKernel - 1) * d;
  return steps;
}
constexpr int64_t kSteps = receptive_field();
static_assert(kSteps == 511);

struct Options {
  int threads = 1;
  bool onednn = true;
  double min_seconds = 2.0;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr,
               "stream_bench_torch: %s\n"
               "usage: stream_bench_torch [--threads N] [--onednn on|off] [--min-seconds S]\n",
               message.c_str());
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag != "--threads" && flag != "--onednn" && flag != "--min-seconds")
      usage_error("unknown argument '" + flag + "'");
    if (i + 1 >= argc) usage_error(flag + " needs a value");
    const char* text = argv[i + 1];
    char* end = nullptr;
    errno = 0;
    if (flag == "--threads") {
      const long threads = std::strtol(text, &end, 10);
      if (end == text || *end != '\0' || errno != 0 || threads < 1 || threads > 1024)
        usage_error("--threads wants an integer from 1 to 1024, not '" + std::string(text) + "'");
      options.threads = static_cast<int>(threads);
    } else if (flag == "--onednn") {
      const std::string v = text;
      if (v != "on" && v != "off") usage_error("--onednn wants on or off, not '" + v + "'");
      options.onednn = v == "on";
    } else {
      const double seconds = std::strtod(text, &end);
      if (end == text || *end != '\0' || errno != 0 || !std::isfinite(seconds) || seconds < 0)
        usage_error("--min-seconds wants a non-negative number, not '" + std::string(text) + "'");
      options.min_seconds = seconds;
    }
  }
  return options;
}

struct StreamTcnImpl : torch::nn::Module {
  StreamTcnImpl() {
    lift = register_module("lift", torch::nn::Conv1d(torch::nn::Conv1dOptions(1, kChannels, 1)));
    for (const int64_t d : kDilations)
      blocks.push_back(register_module(
          "block" + std::to_string(blocks.size()),
          torch::nn::Conv1d(torch::nn::Conv1dOptions(kChannels, kChannels, kKernel).dilation(d))));
    head = register_module("head", torch::nn::Linear(kChannels, kHorizon));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h = lift->forward(x);
    for (auto& conv : blocks) {
      // Left padding only keeps each output step from seeing the future, and
      // keeps the length at kSteps so the residual sum lines up.
      const int64_t left = (*conv->options.dilation())[0] * (kKernel - 1);
      h = h + torch::relu(conv->forward(torch::constant_pad_nd(h, {left, 0})));
    }
    // Only the newest step's forecast is wanted, so the head sees one step.
    return head->forward(h.select(2, kSteps - 1));
  }

  torch::nn::Conv1d lift{nullptr};
  std::vector<torch::nn::Conv1d> blocks;
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(StreamTcn);

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  try {
    // With oneDNN on, libtorch 1.13 still gives it only the dilation-128 conv:
    // for a batch of 1 with a 1x3 kernel it wants more than 20480 padded input
    // values (32 x 767 here) and keeps the rest on its own im2col + GEMM path.
    bench_torch::set_up_libtorch(options.threads, options.onednn);
    torch::manual_seed(0);
    StreamTcn model;
    model->eval();
    const torch::Tensor x = torch::randn({1, 1, kSteps});
    // Inference mode skips autograd's version counting as well as its graph,
    // which is what a deployed forecaster would run under.
    c10::InferenceMode inference;
    const torch::Tensor y = model->forward(x);
    if (y.sizes() != torch::IntArrayRef{1, kHorizon})
      throw std::runtime_error("output has sizes " + c10::str(y.sizes()) + ", expected [1, " +
                               std::to_string(kHorizon) + "]");

    const bench_torch::Stats stats =
        bench_torch::time_calls(20, options.min_seconds, [] {}, [&] { model->forward(x); });
    std::printf(
        "{\"framework\":\"libtorch\",\"onednn\":%s,\"threads\":%d,\"case\":\"stream_tcn\","
        "\"pass\":\"recompute\",\"median_ms\":%.6g,\"p10_ms\":%.6g,\"p90_ms\":%.6g,"
        "\"repetitions\":%zu}\n",
        options.onednn ? "true" : "false", options.threads, stats.median_ms, stats.p10_ms,
        stats.p90_ms, stats.repetitions);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_bench_torch: %s\n", e.what());
    return 1;
  }
  return 0;
}
