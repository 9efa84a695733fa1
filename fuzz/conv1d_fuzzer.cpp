// Conv1D with arbitrary options and input shapes: every input must either compute (forward, and
// backward to the input and weights) with the shape compute_output_shape promised, or throw one
// of minidl's documented exceptions (InvalidArgument, ShapeError, MemoryError). Anything else —
// another exception, a crash, a sanitizer report — is a bug.
#include "fuzz_input.hpp"

#include <minidl/minidl.hpp>

#include <cstdio>
#include <cstdlib>

using namespace minidl;

namespace {

// The harness keeps each run small enough for thousands of executions a second; larger requests
// still go through every check up to the allocation.
constexpr std::size_t harness_allocation_limit = std::size_t{64} << 20;
constexpr double largest_computation = 2e7;  // multiply-adds

void run(fuzzing::FuzzInput& in) {
  static const char* const paddings[] = {"valid", "same", "causal", "SAME", "full", ""};
  static const char* const formats[] = {"channels_last", "channels_first", "channels_middle"};
  static const char* const activations[] = {"", "relu", "tanh", "sigmoid", "gelu", "softmax", "linear", "swish", "nope"};
  layers::Conv1DOptions options{.filters = in.extent(0, 12),
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
  for (auto& extent : shape) extent = in.extent(0, 24);
  const bool backward = in.flag();

  layers::Conv1D conv(options);
  const Shape expected = conv.compute_output_shape(shape);
  const Tensor x = Tensor::normal(shape, 0.0, 1.0, conv.dtype()).set_requires_grad(backward);
  // Multiply-adds of the call: output elements × taps × channels per group.
  double work = 0;
  if (shape.size() == 3) {
    const double channels = double(options.data_format == "channels_first" ? shape[1] : shape[2]);
    // In doubles: an empty batch may come with extents whose product overflows an int64.
    work = double(options.kernel_size) * channels / double(options.groups);
    for (auto extent : expected) work *= double(extent);
  }
  if (!(work <= largest_computation)) return;
  const Tensor y = conv(x);
  if (y.shape() != expected) {
    std::fprintf(stderr, "Conv1D: output shape %s, compute_output_shape said %s\n", shape_to_string(y.shape()).c_str(),
                 shape_to_string(expected).c_str());
    std::abort();
  }
  if (backward) sum(y).backward();
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
