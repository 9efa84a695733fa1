// The libtorch half of the side-by-side Conv1D benchmark: the same shapes and
// the same Keras padding rules as minidl's Conv1D, DepthwiseConv1D and
// Conv1DTranspose, so that each JSON line here can be set against the minidl
// line with the same case and pass.
//
// minidl is channels_last (batch, steps, channels); libtorch is (N, C, L). The
// maths is the same, so each case is built directly in libtorch's own layout
// rather than paying for a transpose that a libtorch user would never do.

#include "torch_common.hpp"

#include <torch/torch.h>

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

enum class Padding { valid, same, causal };
// A convolution (Conv1D, DepthwiseConv1D as groups = channels), a transposed one (Conv1DTranspose),
// or SeparableConv1D's pair: a depthwise conv1d (groups = channels, no bias) and a pointwise one.
enum class Kind { convolution, transposed, separable };

struct Case {
  const char* name;
  int64_t batch, steps, in_channels, filters, kernel, dilation, stride, groups;
  Padding padding;
  // The output length Keras gives; checked so that a padding mistake cannot
  // silently turn the comparison into one of different amounts of work.
  int64_t expected_steps;
  Kind kind = Kind::convolution;
};

const Case kCases[] = {
    {"B1", 32, 1024, 64, 64, 3, 1, 1, 1, Padding::same, 1024},
    {"B2", 32, 1024, 64, 64, 3, 8, 1, 1, Padding::causal, 1024},
    {"B3", 8, 16000, 1, 32, 80, 1, 4, 1, Padding::valid, 3981},
    {"B4", 32, 512, 128, 128, 5, 1, 1, 4, Padding::same, 512},
    {"B5", 64, 128, 16, 32, 7, 1, 2, 1, Padding::same, 64},
    {"B6", 4, 10, 128, 32, 3, 1, 1, 1, Padding::valid, 8},
    // Depthwise: DepthwiseConv1D's work, as conv1d with groups = channels.
    {"D1", 32, 1024, 64, 64, 3, 1, 1, 64, Padding::same, 1024},
    {"D2", 16, 2048, 128, 128, 9, 1, 1, 128, Padding::same, 2048},
    {"D3", 32, 512, 32, 64, 5, 1, 1, 32, Padding::same, 512},
    // Transposed: Conv1DTranspose, upsampling by the stride.
    {"T1", 32, 512, 64, 64, 4, 1, 2, 1, Padding::same, 1024, Kind::transposed},
    {"T2", 16, 256, 32, 16, 8, 1, 4, 1, Padding::same, 1024, Kind::transposed},
    {"T3", 32, 1024, 64, 64, 3, 1, 1, 1, Padding::same, 1024, Kind::transposed},
    // Separable: SeparableConv1D, depthwise then pointwise.
    {"S1", 32, 1024, 64, 64, 5, 1, 1, 64, Padding::same, 1024, Kind::separable},
};

struct Options {
  int threads = 1;
  bool onednn = true;
  std::string case_name = "all";
  long min_repetitions = 20;
  double min_seconds = 1.0;
  bool float64 = false;  // every tensor in float64, as in a gradient check
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr,
               "conv1d_bench_torch: %s\n"
               "usage: conv1d_bench_torch [--threads N] [--onednn on|off]\n"
               "         [--case all|B1..B6|D1..D3|T1..T3|S1|tcn]\n"
               "         [--min-repetitions R] [--min-seconds S] [--dtype float32|float64]\n",
               message.c_str());
  std::exit(2);
}

long parse_positive_long(const std::string& flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || value < 1)
    usage_error(flag + " wants a positive integer, not '" + text + "'");
  return value;
}

double parse_non_negative_double(const std::string& flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !std::isfinite(value) || value < 0)
    usage_error(flag + " wants a non-negative number, not '" + text + "'");
  return value;
}

bool is_known_case(const std::string& name) {
  if (name == "all" || name == "tcn") return true;
  return std::any_of(std::begin(kCases), std::end(kCases),
                     [&](const Case& c) { return name == c.name; });
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag != "--threads" && flag != "--onednn" && flag != "--case" &&
        flag != "--min-repetitions" && flag != "--min-seconds" && flag != "--dtype")
      usage_error("unknown argument '" + flag + "'");
    if (i + 1 >= argc) usage_error(flag + " needs a value");
    const char* value = argv[i + 1];
    if (flag == "--threads") {
      const long threads = parse_positive_long(flag, value);
      if (threads > 1024) usage_error("--threads is implausibly large");
      options.threads = static_cast<int>(threads);
    } else if (flag == "--onednn") {
      const std::string v = value;
      if (v != "on" && v != "off") usage_error("--onednn wants on or off, not '" + v + "'");
      options.onednn = v == "on";
    } else if (flag == "--case") {
      if (!is_known_case(value)) usage_error(std::string("unknown case '") + value + "'");
      options.case_name = value;
    } else if (flag == "--dtype") {
      const std::string v = value;
      if (v != "float32" && v != "float64") usage_error("--dtype wants float32 or float64, not '" + v + "'");
      options.float64 = v == "float64";
    } else if (flag == "--min-repetitions") {
      options.min_repetitions = parse_positive_long(flag, value);
    } else {
      options.min_seconds = parse_non_negative_double(flag, value);
    }
  }
  return options;
}

using bench_torch::Stats;

void print_line(const Options& options, const char* case_name, const char* pass,
                const Stats& stats, const double* peak_rss_mb = nullptr) {
  std::printf(
      "{\"framework\":\"libtorch\",\"onednn\":%s,\"threads\":%d,\"case\":\"%s\","
      "\"pass\":\"%s\",\"median_ms\":%.6g,\"p10_ms\":%.6g,\"p90_ms\":%.6g,"
      "\"repetitions\":%zu",
      options.onednn ? "true" : "false", options.threads, case_name, pass,
      stats.median_ms, stats.p10_ms, stats.p90_ms, stats.repetitions);
  if (peak_rss_mb) std::printf(",\"peak_rss_mb\":%.6g", *peak_rss_mb);
  if (options.float64) std::printf(",\"dtype\":\"float64\"");
  std::printf("}\n");
  // Lines appear as each case finishes, even when stdout is a pipe.
  std::fflush(stdout);
}

struct SidePadding {
  int64_t left, right;
};

SidePadding keras_padding(const Case& c) {
  switch (c.padding) {
    case Padding::valid:
      return {0, 0};
    case Padding::causal:
      return {c.dilation * (c.kernel - 1), 0};
    case Padding::same: {
      const int64_t out = (c.steps + c.stride - 1) / c.stride;
      const int64_t total =
          std::max<int64_t>((out - 1) * c.stride + c.dilation * (c.kernel - 1) + 1 - c.steps, 0);
      return {total / 2, total - total / 2};
    }
  }
  throw std::logic_error("unhandled padding kind");
}

// Keras's transposed output keeps `expected_steps` of the full output
// ((steps − 1)·stride + span), cropped evenly with the odd step from the end:
// conv_transpose1d's padding on both sides, output_padding for the rest.
torch::Tensor keras_conv_transpose1d(const Case& c, const torch::Tensor& x, const torch::Tensor& weight,
                                     const torch::Tensor& bias) {
  const int64_t full = (c.steps - 1) * c.stride + c.dilation * (c.kernel - 1) + 1;
  const int64_t crop = std::max<int64_t>(full - c.expected_steps, 0) / 2;
  const int64_t output_padding = c.expected_steps - (full - 2 * crop);
  return torch::conv_transpose1d(x, weight, bias, c.stride, crop, output_padding, c.groups, c.dilation);
}

// Symmetric padding goes to conv1d itself, which is libtorch at its best;
// lopsided padding cannot, so it is an explicit pad that counts as timed work,
// as it is for a libtorch user who wants Keras' output.
torch::Tensor keras_conv1d(const Case& c, const SidePadding& pad, const torch::Tensor& x,
                           const torch::Tensor& weight, const torch::Tensor& bias) {
  if (c.kind == Kind::transposed) return keras_conv_transpose1d(c, x, weight, bias);
  if (pad.left == pad.right)
    return torch::conv1d(x, weight, bias, c.stride, pad.left, c.dilation, c.groups);
  const int64_t no_padding = 0;
  return torch::conv1d(torch::constant_pad_nd(x, {pad.left, pad.right}), weight, bias, c.stride,
                       no_padding, c.dilation, c.groups);
}

void require_sizes(const torch::Tensor& t, torch::IntArrayRef expected, const std::string& what) {
  if (!t.defined() || t.sizes() != expected) {
    throw std::runtime_error(what + " has sizes " +
                             (t.defined() ? c10::str(t.sizes()) : std::string("(undefined)")) +
                             ", expected " + c10::str(expected));
  }
}

// conv1d's (filters, in / groups, kernel); conv_transpose1d's (in, filters / groups, kernel).
std::vector<int64_t> weight_sizes(const Case& c) {
  if (c.kind == Kind::transposed) return {c.in_channels, c.filters / c.groups, c.kernel};
  return {c.filters, c.in_channels / c.groups, c.kernel};
}

// SeparableConv1D: the depthwise conv1d (c.groups = channels) then the 1×1 one with the bias.
void run_separable_case(const Options& options, const Case& c) {
  const SidePadding pad = keras_padding(c);
  torch::manual_seed(0);
  Case depthwise_case = c;
  depthwise_case.kind = Kind::convolution;
  const auto separable = [&](const torch::Tensor& x, const torch::Tensor& depthwise, const torch::Tensor& pointwise,
                             const torch::Tensor& bias) {
    return torch::conv1d(keras_conv1d(depthwise_case, pad, x, depthwise, {}), pointwise, bias);
  };
  const std::vector<int64_t> y_sizes{c.batch, c.filters, c.expected_steps};
  torch::Tensor x = torch::randn({c.batch, c.in_channels, c.steps});
  torch::Tensor depthwise = torch::randn({c.in_channels, 1, c.kernel});
  torch::Tensor pointwise = torch::randn({c.filters, c.in_channels, 1});
  torch::Tensor bias = torch::randn({c.filters});
  {
    torch::NoGradGuard no_grad;
    require_sizes(separable(x, depthwise, pointwise, bias), y_sizes, std::string(c.name) + " forward output");
    print_line(options, c.name, "forward", bench_torch::time_calls(options.min_repetitions, options.min_seconds, [] {}, [&] { separable(x, depthwise, pointwise, bias); }));
  }
  for (torch::Tensor* t : {&x, &depthwise, &pointwise, &bias}) t->requires_grad_();
  const torch::Tensor g = torch::randn(y_sizes);
  const auto reset_grads = [&] {
    for (torch::Tensor* t : {&x, &depthwise, &pointwise, &bias}) t->mutable_grad().reset();
  };
  const Stats stats =
      bench_torch::time_calls(options.min_repetitions, options.min_seconds, reset_grads, [&] { separable(x, depthwise, pointwise, bias).backward(g); });
  require_sizes(depthwise.grad(), depthwise.sizes(), std::string(c.name) + " depthwise gradient");
  print_line(options, c.name, "forward_backward", stats);
}

void run_conv_case(const Options& options, const Case& c) {
  const SidePadding pad = keras_padding(c);
  // Seeding per case gives `--case Bn` the same tensors as `--case all`.
  torch::manual_seed(0);
  const std::vector<int64_t> y_sizes{c.batch, c.filters, c.expected_steps};

  {
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({c.batch, c.in_channels, c.steps});
    const torch::Tensor weight = torch::randn(weight_sizes(c));
    const torch::Tensor bias = torch::randn({c.filters});
    require_sizes(keras_conv1d(c, pad, x, weight, bias), y_sizes,
                  std::string(c.name) + " forward output");
    const Stats stats = bench_torch::time_calls(
        options.min_repetitions, options.min_seconds, [] {}, [&] { keras_conv1d(c, pad, x, weight, bias); });
    print_line(options, c.name, "forward", stats);
  }

  torch::Tensor x = torch::randn({c.batch, c.in_channels, c.steps}).requires_grad_();
  torch::Tensor weight = torch::randn(weight_sizes(c)).requires_grad_();
  torch::Tensor bias = torch::randn({c.filters}).requires_grad_();
  const torch::Tensor g = torch::randn(y_sizes);
  // Undefined grads make autograd store fresh gradients rather than add into
  // the previous ones, so every call does the same work.
  const auto reset_grads = [&] {
    x.mutable_grad().reset();
    weight.mutable_grad().reset();
    bias.mutable_grad().reset();
  };
  const Stats stats = bench_torch::time_calls(options.min_repetitions, options.min_seconds, reset_grads,
                                 [&] { keras_conv1d(c, pad, x, weight, bias).backward(g); });
  require_sizes(x.grad(), x.sizes(), std::string(c.name) + " input gradient");
  require_sizes(weight.grad(), weight.sizes(), std::string(c.name) + " kernel gradient");
  require_sizes(bias.grad(), bias.sizes(), std::string(c.name) + " bias gradient");
  print_line(options, c.name, "forward_backward", stats);
}

// A small TCN, so that Conv1D is also measured inside a whole training step,
// where relu, the loss and Adam are paid for too, not only in isolation.
struct TcnImpl : torch::nn::Module {
  TcnImpl() {
    int64_t in_channels = 1;
    for (const int64_t dilation : {1, 2, 4, 8}) {
      hidden.push_back(register_module(
          "conv" + std::to_string(hidden.size()),
          torch::nn::Conv1d(torch::nn::Conv1dOptions(in_channels, 32, 3).dilation(dilation))));
      in_channels = 32;
    }
    head = register_module("head", torch::nn::Conv1d(torch::nn::Conv1dOptions(32, 1, 1)));
  }

  torch::Tensor forward(torch::Tensor x) {
    for (auto& conv : hidden) {
      const int64_t causal_left =
          (*conv->options.dilation())[0] * ((*conv->options.kernel_size())[0] - 1);
      x = torch::relu(conv->forward(torch::constant_pad_nd(x, {causal_left, 0})));
    }
    return head->forward(x);
  }

  std::vector<torch::nn::Conv1d> hidden;
  torch::nn::Conv1d head{nullptr};
};
TORCH_MODULE(Tcn);

void run_tcn(const Options& options) {
  torch::manual_seed(0);
  Tcn model;
  const torch::Tensor x = torch::randn({32, 1, 1024});
  const torch::Tensor target = torch::randn({32, 1, 1024});
  // eps 1e-7 is Keras' Adam default, which minidl follows.
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3).eps(1e-7));

  require_sizes(model->forward(x), target.sizes(), "tcn output");
  const Stats stats = bench_torch::time_calls(
      options.min_repetitions, options.min_seconds, [] {},
      [&] {
        optimizer.zero_grad();
        const torch::Tensor loss = torch::mse_loss(model->forward(x), target);
        loss.backward();
        optimizer.step();
      });

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  // ru_maxrss is in KiB on Linux.
  const double peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  print_line(options, "tcn", "train_step", stats, &peak_rss_mb);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  try {
    bench_torch::set_up_libtorch(options.threads, options.onednn);
    // randn and the modules then make every tensor float64.
    if (options.float64) torch::set_default_dtype(caffe2::TypeMeta::Make<double>());

    if (options.case_name == "tcn") {
      run_tcn(options);
    } else {
      for (const Case& c : kCases) {
        if (options.case_name != "all" && options.case_name != c.name) continue;
        if (c.kind == Kind::separable) run_separable_case(options, c);
        else run_conv_case(options, c);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conv1d_bench_torch: %s\n", e.what());
    return 1;
  }
  return 0;
}
