// Edge cases that must compute as Keras computes them (docs/bad-input.md): an input exactly as
// long as the receptive field, a single step, a batch of 0, NaN and Inf in the input, and a NaN
// loss in fit with TerminateOnNaN.
#include "shared_inputs.hpp"

#include <minidl/minidl.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/models/sequential.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <unistd.h>
#include <vector>

using namespace minidl;
using minidl::testing::dense_model;
using minidl::testing::inf_value;
using minidl::testing::nan_value;

namespace {

// Equal element for element, a NaN matching only a NaN.
bool same_values(const std::vector<double>& actual, const std::vector<double>& expected) {
  if (actual.size() != expected.size()) return false;
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (std::isnan(expected[i]) ? !std::isnan(actual[i]) : actual[i] != expected[i]) return false;
  return true;
}

#define CHECK_VALUES(tensor, ...)                                                                    \
  do {                                                                                               \
    const std::vector<double> actual_values = (tensor).to_vector();                                  \
    const std::vector<double> expected_values = __VA_ARGS__;                                         \
    CHECK_MESSAGE(same_values(actual_values, expected_values),                                       \
                  fmt::format("received {}, expected {}", actual_values, expected_values));          \
  } while (false)

Tensor column(std::vector<double> values) {
  const auto steps = static_cast<std::int64_t>(values.size());
  return Tensor(std::move(values), {1, steps, 1});
}

// A Conv1D of one filter whose taps are all 1 and no bias: each output is the plain sum of the
// steps its window covers, so which outputs a NaN reaches is easy to state.
layers::Conv1D summing_conv(std::int64_t kernel_size, const std::string& padding, std::int64_t dilation_rate = 1) {
  return layers::Conv1D({.filters = 1, .kernel_size = kernel_size, .padding = padding, .dilation_rate = dilation_rate,
                         .use_bias = false, .kernel_initializer = "ones", .dtype = "float64"});
}

// Everything written to stderr while `action` runs.
template <class Action>
std::string captured_stderr(Action action) {
  std::fflush(stderr);
  std::FILE* file = std::tmpfile();
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(file), STDERR_FILENO);
  action();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::rewind(file);
  std::string text;
  char buffer[512];
  for (std::size_t read; (read = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) text.append(buffer, read);
  std::fclose(file);
  return text;
}

}  // namespace

TEST_CASE("bad input: an input exactly as long as the receptive field gives one step; a single step works") {
  // Dilated window of kernel_size 3, dilation_rate 2: taps at steps 0, 2, 4 of a 5-step input.
  auto dilated = summing_conv(3, "valid", 2);
  const Tensor exact = dilated(column({1, 2, 3, 4, 5}));
  CHECK(exact.shape() == Shape{1, 1, 1});
  CHECK_VALUES(exact, {1 + 3 + 5});
  auto strided = layers::Conv1D({.filters = 1, .kernel_size = 3, .strides = 2, .use_bias = false, .kernel_initializer = "ones",
                                 .dtype = "float64"});
  CHECK_VALUES(strided(column({1, 2, 3})), {6});
  CHECK_VALUES(layers::AveragePooling1D({.pool_size = 4, .dtype = "float64"})(column({1, 2, 3, 6})), {3});

  // One step: causal padding shows only its own tap; same padding centres the window on it.
  CHECK_VALUES(summing_conv(3, "causal")(column({7})), {7});
  CHECK_VALUES(summing_conv(3, "same", 4)(column({7})), {7});
  CHECK_VALUES(summing_conv(1, "valid")(column({7})), {7});
  CHECK_VALUES(layers::MaxPooling1D({.padding = "same", .dtype = "float64"})(column({7})), {7});
  CHECK_VALUES(layers::GlobalAveragePooling1D({.dtype = "float64"})(column({7})), {7});
  // A single step through the gradient as well.
  Tensor x = column({7});
  x.set_requires_grad();
  auto conv = summing_conv(3, "causal");
  sum(conv(x)).backward();
  CHECK_VALUES(x.grad(), {1});
}

TEST_CASE("bad input: a batch of 0 flows through every layer with the shape Keras gives") {
  CHECK(layers::Conv1D({.filters = 4, .kernel_size = 3})(Tensor::zeros({0, 10, 2})).shape() == Shape{0, 8, 4});
  CHECK(layers::Conv1D({.filters = 4, .kernel_size = 3, .strides = 2, .padding = "same"})(Tensor::zeros({0, 9, 2})).shape() ==
        Shape{0, 5, 4});
  CHECK(layers::Conv1D({.filters = 4, .kernel_size = 3, .padding = "causal", .data_format = "channels_first", .groups = 2})(
            Tensor::zeros({0, 2, 10}))
            .shape() == Shape{0, 4, 10});
  CHECK(layers::Dense({.units = 2})(Tensor::zeros({0, 3})).shape() == Shape{0, 2});
  CHECK(layers::MaxPooling1D()(Tensor::zeros({0, 4, 3})).shape() == Shape{0, 2, 3});
  CHECK(layers::AveragePooling1D({.padding = "same"})(Tensor::zeros({0, 5, 3})).shape() == Shape{0, 3, 3});
  CHECK(layers::GlobalAveragePooling1D()(Tensor::zeros({0, 4, 3})).shape() == Shape{0, 3});
  CHECK(layers::GlobalMaxPooling1D({.keepdims = true})(Tensor::zeros({0, 4, 3})).shape() == Shape{0, 1, 3});
  CHECK(layers::LayerNormalization()(Tensor::zeros({0, 3})).shape() == Shape{0, 3});
  CHECK(layers::BatchNormalization()(Tensor::zeros({0, 3})).shape() == Shape{0, 3});
  CHECK(layers::Flatten()(Tensor::zeros({0, 4, 3})).shape() == Shape{0, 12});
  CHECK(layers::Reshape({.target_shape = {-1, 2}})(Tensor::zeros({0, 4})).shape() == Shape{0, 2, 2});
  CHECK(layers::Dropout({.rate = 0.5})(Tensor::zeros({0, 4}), true).shape() == Shape{0, 4});
  CHECK(layers::UpSampling1D()(Tensor::zeros({0, 4, 1})).shape() == Shape{0, 8, 1});
  CHECK(layers::ZeroPadding1D()(Tensor::zeros({0, 4, 1})).shape() == Shape{0, 6, 1});
  CHECK(layers::Cropping1D()(Tensor::zeros({0, 4, 1})).shape() == Shape{0, 2, 1});
  CHECK(layers::Add()({Tensor::zeros({0, 3}), Tensor::zeros({0, 3})}).shape() == Shape{0, 3});
  CHECK(layers::Concatenate()({Tensor::zeros({0, 3}), Tensor::zeros({0, 2})}).shape() == Shape{0, 5});
  CHECK(activations::softmax(Tensor::zeros({0, 3})).shape() == Shape{0, 3});

  // Gradients of an empty batch: zero for the weights, empty for the input.
  layers::Conv1D conv({.filters = 2, .kernel_size = 3, .padding = "causal", .dtype = "float64"});
  Tensor x = Tensor::zeros({0, 6, 2}, DType::float64);
  x.set_requires_grad();
  sum(conv(x)).backward();
  CHECK(x.grad().shape() == Shape{0, 6, 2});
  CHECK_VALUES(conv.trainable_weights()[0]->value().grad(), std::vector<double>(3 * 2 * 2, 0.0));

  // What has no value on zero samples stays an error naming the reduction: a batch statistic.
  CHECK_THROWS_WITH_AS(layers::BatchNormalization()(Tensor::zeros({0, 3}), true),
                       "mean: invalid argument `x`: expected a non-empty tensor (the reduction has no identity), received shape (0, 3)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(mean(Tensor::zeros({0, 3}), {0}),
                       "mean: invalid argument `x`: expected a non-empty tensor (the reduction has no identity), received shape (0, 3)",
                       InvalidArgument);
  CHECK(mean(Tensor::zeros({0, 3}), {1}).shape() == Shape{0});
}

TEST_CASE("bad input: NaN and Inf in the input reach exactly the outputs that depend on them, as in Keras") {
  // Keras 3.15.1 (torch backend) on the same input and kernel: [1, 2, nan, nan, nan, 3].
  CHECK_VALUES(summing_conv(3, "causal")(column({1, 1, nan_value, 1, 1, 1})), {1, 2, nan_value, nan_value, nan_value, 3});
  // Keras: [inf, inf, inf, 3]; inf − inf in one window is NaN.
  CHECK_VALUES(summing_conv(3, "valid")(column({1, 1, inf_value, 1, 1, 1})), {inf_value, inf_value, inf_value, 3});
  CHECK_VALUES(summing_conv(2, "valid")(column({inf_value, -inf_value, 1})), {nan_value, -inf_value});
  // Dilated "same" window: output t sums steps t − 1 and t + 1.
  CHECK_VALUES(summing_conv(2, "same", 2)(column({1, nan_value, 1, 1, 1})), {nan_value, 2, nan_value, 2, 1});

  // Many channels take the per-tap gemm path instead of the gathered windows: the same rule.
  Tensor wide = Tensor::ones({1, 8, 64});
  wide.data<float>()[3 * 64 + 5] = std::numeric_limits<float>::quiet_NaN();
  layers::Conv1D conv({.filters = 2, .kernel_size = 3, .padding = "causal", .kernel_initializer = "ones"});
  CHECK_VALUES(conv(wide), {64, 64, 128, 128, 192, 192, nan_value, nan_value, nan_value, nan_value, nan_value, nan_value, 192, 192, 192, 192});

  // A NaN wins a max wherever it stands (Keras: MaxPooling1D [nan, 3] for both inputs, GlobalMaxPooling1D nan).
  layers::MaxPooling1D pooling({.dtype = "float64"});
  CHECK_VALUES(pooling(column({nan_value, 1, 2, 3})), {nan_value, 3});
  CHECK_VALUES(pooling(column({1, nan_value, 2, 3})), {nan_value, 3});
  CHECK_VALUES(layers::GlobalMaxPooling1D({.dtype = "float64"})(column({1, nan_value, 2, 3})), {nan_value});
  CHECK_VALUES(layers::GlobalMaxPooling1D({.dtype = "float64"})(column({-inf_value, -inf_value})), {-inf_value});
  CHECK_VALUES(min(Tensor(std::vector<double>{3, nan_value, 1}, {3})), {nan_value});
  CHECK_VALUES(maximum(Tensor(std::vector<double>{nan_value, 1}, {2}), Tensor(std::vector<double>{1, nan_value}, {2})),
               {nan_value, nan_value});
  CHECK_VALUES(minimum(Tensor(std::vector<double>{nan_value, 1}, {2}), Tensor(std::vector<double>{1, nan_value}, {2})),
               {nan_value, nan_value});
  // Activations follow Keras's values for NaN and ±Inf (relu: [nan, inf, 0, 1]).
  const Tensor specials(std::vector<double>{nan_value, inf_value, -inf_value, 0}, {4});
  CHECK_VALUES(activations::relu(specials), {nan_value, inf_value, 0, 0});
  CHECK_VALUES(activations::sigmoid(specials), {nan_value, 1, 0, 0.5});
  CHECK_VALUES(activations::tanh(specials), {nan_value, 1, -1, 0});
  CHECK_VALUES(activations::softmax(Tensor(std::vector<double>{nan_value, 1, 0, 0}, {2, 2})), {nan_value, nan_value, 0.5, 0.5});
  // A NaN target makes the loss NaN, not an error (Keras).
  CHECK_VALUES(losses::Loss("mse")(Tensor(std::vector<double>{1, nan_value}, {2, 1}), Tensor::zeros({2, 1}, DType::float64)),
               {nan_value});
}

TEST_CASE("bad input: TerminateOnNaN stops fit right after the first NaN batch, with a message") {
  auto model = dense_model();
  Tensor x = Tensor::ones({12, 3}, DType::float64);
  x.data<double>()[5 * 3 + 1] = nan_value;  // sample 5: in batch 1 of 3 (batch_size 4, no shuffling)
  const Tensor y = Tensor::ones({12, 1}, DType::float64);
  models::TerminateOnNaN terminate;
  models::History history;
  const std::string printed = captured_stderr([&] {
    history = model->fit(x, y, {.batch_size = 4, .epochs = 5, .verbose = 0, .callbacks = {&terminate}, .shuffle = false});
  });
  CHECK(printed == "Batch 1: invalid loss, terminating training\n");
  CHECK(history.epochs() == 1);
  REQUIRE(history.history.at("loss").size() == 1);
  CHECK(std::isnan(history.history.at("loss")[0]));
  CHECK(model->optimizer().iterations() == 2);  // batches 0 and 1; batch 2 never ran
  CHECK(model->stop_training);

  // Without the callback fit runs on, as Keras's does.
  auto unguarded = dense_model();
  const auto full = unguarded->fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .shuffle = false});
  CHECK(full.epochs() == 2);
  CHECK(unguarded->optimizer().iterations() == 6);
}
