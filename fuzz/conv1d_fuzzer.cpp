// Conv1D with arbitrary options and input shapes: every input must either compute (forward, and
// backward to the input and weights) with the shape compute_output_shape promised, or throw one
// of minidl's documented exceptions (InvalidArgument, ShapeError, MemoryError). Anything else —
// another exception, a crash, a sanitizer report — is a bug. A float32 call must also agree with
// the same call in float64: float32 takes its own kernels (register tiles on AVX-512 CPUs), float64
// the BLAS path that gradcheck and the Keras goldens vouch for. (When the float64 twin does not
// fit the harness's allocation limit, its MemoryError ends the run without the comparison.)
#include "fuzz_input.hpp"
#include "../tests/support/compare.hpp"

#include <minidl/minidl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace minidl;

namespace {

// The harness keeps each run small enough for thousands of executions a second; larger requests
// still go through every check up to the allocation.
constexpr std::size_t harness_allocation_limit = std::size_t{64} << 20;
constexpr double largest_computation = 2e7;  // multiply-adds
// On |float32 − float64|, relative to the largest |float64| of the result: float32 sums of n
// products drift by about 1e-7·√n of that, a misplaced or missing term by far more. The floor is
// for results that are all but zero (a softmax over one filter has a gradient of rounding errors);
// inputs, weights and upstream gradients are of order 1.
constexpr double float32_tolerance = 2e-3, float32_floor = 1e-5;

[[noreturn]] void report(const char* what, const std::string& detail) {
  std::fprintf(stderr, "Conv1D: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_close(const char* what, const Tensor& single, const Tensor& reference) {
  const double largest = reference.size() > 0 ? max(abs(reference)).item() : 0.0;
  const std::string difference = testing::compare(single, reference, 0.0, float32_tolerance * largest + float32_floor);
  if (!difference.empty()) report(what, difference + " (float32 against float64)");
}

// y and, when `gradients`, the gradients of <y, upstream> to x and each weight.
std::vector<Tensor> results(layers::Conv1D& conv, const Tensor& x, const Tensor& upstream, bool gradients) {
  const Tensor y = conv(x);
  std::vector<Tensor> all = {y};
  if (!gradients) return all;
  std::vector<Tensor> inputs = {x};
  for (const auto& weight : conv.trainable_weights()) inputs.push_back(weight->value());
  const auto grads = autograd::grad({y}, inputs, {upstream});
  all.insert(all.end(), grads.begin(), grads.end());
  return all;
}

// What the float32 call's results are held to: relu's gradient jumps where float32 and float64
// round a pre-activation near 0 to opposite signs, so there the upstream gradient is zeroed.
Tensor upstream_for(const layers::Conv1DOptions& options, const std::vector<Tensor>& weights, const Tensor& x64) {
  const Shape output_shape = layers::Conv1D(options).compute_output_shape(x64.shape());
  const Tensor upstream = Tensor::uniform(output_shape, -1, 1, DType::float64);
  if (options.activation.name() != "relu") return upstream;
  auto linear_options = options;
  linear_options.activation = "linear";
  layers::Conv1D linear(linear_options);
  linear.build(x64.shape());
  linear.set_weights(weights);
  NoGradGuard no_grad;
  const auto pre_activation = linear(x64).to_vector<double>();
  double largest = 0;
  for (double value : pre_activation) largest = std::max(largest, std::abs(value));
  auto kept = upstream.to_vector<double>();
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (std::abs(pre_activation[i]) <= 1e-4 * largest + 1e-6) kept[i] = 0;
  return Tensor(kept, output_shape);
}

// The float32 layer's call, repeated in float64 on the same input, weights and upstream gradient.
// The weights are drawn anew from U(-1, 1), in values float32 holds exactly, so that the bias is
// not the initializer's zeros.
void check_against_float64(layers::Conv1D& conv, layers::Conv1DOptions options, Tensor x64, const Tensor& x32,
                           bool backward) {
  x64.set_requires_grad(backward);
  options.dtype = "float64";
  std::vector<Tensor> weights32, weights64;
  for (const Tensor& weight : conv.get_weights()) {
    weights32.push_back(Tensor::uniform(weight.shape(), -1, 1, DType::float32));
    weights64.push_back(cast(weights32.back(), DType::float64));
  }
  conv.set_weights(weights32);
  layers::Conv1D twin(options);
  twin.build(x64.shape());
  twin.set_weights(weights64);
  const Tensor upstream = upstream_for(options, weights64, x64);
  const auto single = results(conv, x32, cast(upstream, DType::float32), backward);
  const auto reference = results(twin, x64, upstream, backward);
  const char* names[] = {"y", "grad x", "grad kernel", "grad bias"};
  for (std::size_t i = 0; i < reference.size(); ++i) check_close(names[i], single[i], reference[i]);
}

void run(fuzzing::FuzzInput& in) {
  static const char* const paddings[] = {"valid", "same", "causal", "SAME", "full", ""};
  static const char* const formats[] = {"channels_last", "channels_first", "channels_middle"};
  static const char* const activations[] = {"", "relu", "tanh", "sigmoid", "gelu", "softmax", "linear", "swish", "nope"};
  // Filter and channel counts reach 16, 32, 48, 64 and 80, which the float32 tiles take whole.
  layers::Conv1DOptions options{.filters = in.extent(0, 80),
                                .kernel_size = in.extent(0, 9),
                                .strides = in.extent(0, 4),
                                .padding = in.pick(paddings),
                                .data_format = std::string(in.pick(formats)),
                                .dilation_rate = in.extent(0, 5),
                                .groups = in.extent(0, 4),
                                .activation = std::string(in.pick(activations)),
                                .use_bias = in.flag(),
                                .dtype = in.flag() ? "float64" : "float32"};
  Shape shape(std::size_t(in.byte() % 5));
  for (auto& extent : shape) extent = in.extent(0, 96);
  const bool backward = in.flag();

  layers::Conv1D conv(options);
  const Shape expected = conv.compute_output_shape(shape);
  // Multiply-adds of the call: output elements × taps × channels per group.
  double work = 0;
  if (shape.size() == 3) {
    const double channels = double(options.data_format == "channels_first" ? shape[1] : shape[2]);
    // In doubles: an empty batch may come with extents whose product overflows an int64.
    work = double(options.kernel_size) * channels / double(options.groups);
    for (auto extent : expected) work *= double(extent);
  }
  if (!(work <= largest_computation)) return;
  const Tensor x64 = Tensor::normal(shape, 0.0, 1.0, DType::float64);
  Tensor x = cast(x64, conv.dtype());
  x.set_requires_grad(backward);
  const Tensor y = conv(x);
  if (y.shape() != expected)
    report("output shape", shape_to_string(y.shape()) + ", compute_output_shape said " + shape_to_string(expected));
  if (backward) sum(y).backward();
  if (conv.dtype() == DType::float32) check_against_float64(conv, options, x64, x, backward);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  set_allocation_limit(harness_allocation_limit);
  fuzzing::FuzzInput in(data, size);
  try {
    run(in);
  } catch (const InvalidArgument&) {  // ShapeError is one too
  } catch (const MemoryError&) {
  }
  return 0;
}
