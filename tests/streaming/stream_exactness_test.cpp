// A stream's outputs against the model run on the whole sequence: the same bits in float64 and
// within 1e-6 of the largest output in float32, over a sweep of dilations, kernel sizes and
// channel counts, pushed in blocks of random sizes.
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

using namespace minidl;

namespace {

using layers::make;
using layers::SymbolicTensor;

constexpr std::int64_t batch = 2, sequence_steps = 300;

// Pushes `sequence` (batch, steps, features) through `stream` in blocks of sizes drawn from
// {1, 3, 64, 1..20}, and joins the outputs.
Tensor streamed(streaming::Stream& stream, const Tensor& sequence, std::uint32_t seed) {
  std::mt19937 random(seed);
  const std::int64_t sizes[] = {1, 3, 64};
  std::vector<Tensor> pieces;
  for (std::int64_t start = 0; start < sequence.dim(1);) {
    const std::int64_t pick = std::int64_t(random() % 4);
    const std::int64_t size = std::min(pick < 3 ? sizes[pick] : 1 + std::int64_t(random() % 20), sequence.dim(1) - start);
    pieces.push_back(stream.push(slice(sequence, 1, start, start + size)));
    start += size;
  }
  return concat(pieces, 1);
}

// The largest |a − b| over the largest |b|.
double relative_difference(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double difference = 0, largest = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    difference = std::max(difference, std::abs(x[i] - y[i]));
    largest = std::max(largest, std::abs(y[i]));
  }
  return difference / largest;
}

// Elements whose bits differ (−0 and +0 too).
std::int64_t count_different(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  std::int64_t different = 0;
  for (std::size_t i = 0; i < x.size(); ++i) different += std::memcmp(&x[i], &y[i], sizeof(double)) != 0;
  return different;
}

// A residual causal stack over every layer kind a stream takes: lift, two dilated causal Conv1Ds
// (the second grouped when the channels allow), Add, Concatenate, LayerNormalization,
// BatchNormalization, Activation, Dropout and a Dense per step.
std::unique_ptr<models::Functional> residual_stack(std::int64_t channels, std::int64_t kernel_size, std::int64_t dilation,
                                                   const std::string& dtype) {
  const std::int64_t filters = channels % 2 == 0 ? channels : channels + 1;
  SymbolicTensor x = layers::Input({.shape = {sequence_steps, channels}, .dtype = dtype});
  SymbolicTensor lifted = make<layers::Conv1D>({.filters = filters, .kernel_size = 1, .dtype = dtype})(x);
  SymbolicTensor h = make<layers::Conv1D>({.filters = filters, .kernel_size = kernel_size, .padding = "causal",
                                           .dilation_rate = dilation, .activation = "relu", .bias_initializer = "random_normal",
                                           .dtype = dtype})(lifted);
  h = make<layers::Conv1D>({.filters = filters, .kernel_size = kernel_size, .padding = "causal", .dilation_rate = 2 * dilation,
                            .groups = filters % 4 == 0 ? 2 : 1, .activation = "tanh", .dtype = dtype})(h);
  h = make<layers::Add>(layers::AddOptions{.dtype = dtype})({lifted, h});
  h = make<layers::Concatenate>(layers::ConcatenateOptions{.dtype = dtype})({h, lifted});
  h = make<layers::LayerNormalization>({.dtype = dtype})(h);
  h = make<layers::Dropout>({.rate = 0.5, .dtype = dtype})(h);
  const auto normalization = make<layers::BatchNormalization>({.dtype = dtype});
  h = (*normalization)(h);
  h = make<layers::Activation>({.activation = "swish", .dtype = dtype})(h);
  SymbolicTensor y = make<layers::Dense>({.units = 3, .activation = "relu", .dtype = dtype})(h);
  // Moving statistics of a trained model rather than the initial 0 and 1.
  const DType type = parse_dtype(dtype, "test");
  const std::int64_t features = normalization->build_input_shape()->back();
  normalization->set_weights({Tensor::normal({features}, 1.0, 0.2, type), Tensor::normal({features}, 0.0, 0.2, type),
                              Tensor::normal({features}, 0.0, 0.5, type), Tensor::uniform({features}, 0.5, 2.0, type)});
  return std::make_unique<models::Functional>(x, y);
}

}  // namespace

TEST_CASE("a stream equals the whole-sequence pass: float64 bit for bit, float32 to 1e-6, over a sweep") {
  seed_global_generator(7);
  int configurations = 0;
  for (const std::int64_t dilation : {1, 2, 3, 5})
    for (const std::int64_t kernel_size : {1, 2, 3, 5})
      for (const std::int64_t channels : {1, 3, 16, 40}) {
        for (const char* dtype : {"float64", "float32"}) {
          const auto model = residual_stack(channels, kernel_size, dilation, dtype);
          const Tensor sequence = cast(Tensor::normal({batch, sequence_steps, channels}), parse_dtype(dtype, "test"));
          NoGradGuard no_grad;
          const Tensor expected = (*model)(std::vector<Tensor>{sequence})[0];
          streaming::Stream stream(*model, {.batch_size = batch});
          CHECK(stream.receptive_field() == 1 + 3 * dilation * (kernel_size - 1));
          const Tensor outputs = streamed(stream, sequence, std::uint32_t(configurations));
          const std::string description = fmt::format("{} dilation {} kernel_size {} channels {}", dtype, dilation, kernel_size, channels);
          CAPTURE(description);
          REQUIRE(outputs.shape() == expected.shape());
          if (std::string(dtype) == "float64") CHECK(count_different(outputs, expected) == 0);
          else CHECK(relative_difference(outputs, expected) <= 1e-6);
          ++configurations;
        }
      }
  CHECK(configurations == 128);
}
