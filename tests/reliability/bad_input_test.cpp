// Bad input that must be refused, class by class (docs/bad-input.md lists each with what the user
// gets): absurd sizes, options out of range, wrong ranks, dtypes and axes, inputs too short for
// the kernel, bad fit and evaluate arguments, config numbers no argument takes. The edge cases
// that must compute instead are in edge_cases_test.cpp.
#include "shared_inputs.hpp"

#include <minidl/minidl.hpp>
#include <minidl/models/callbacks.hpp>
#include <minidl/models/sequential.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace minidl;
using minidl::testing::dense_model;
using minidl::testing::inf_value;
using minidl::testing::nan_value;

namespace {

constexpr std::int64_t huge = std::int64_t{1} << 62;
constexpr std::int64_t largest = std::numeric_limits<std::int64_t>::max();

}  // namespace

TEST_CASE("bad input: a strided view reaching outside its tensor's storage is refused") {
  const Tensor x = Tensor::arange(0, 12, 1, DType::float64);
  CHECK_THROWS_WITH_AS(x.as_strided({13}, {1}, 0),
                       "Tensor::as_strided: invalid argument `strides`: expected a view within the storage, received shape "
                       "(13,), strides (1,), offset 0 on a storage of 12 elements",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(x.as_strided({4, 3}, {3, 1}, 1), doctest::Contains("expected a view within the storage"), InvalidArgument);
  CHECK_THROWS_WITH_AS(x.as_strided({2}, {-1}, 0), doctest::Contains("expected a view within the storage"), InvalidArgument);
  CHECK_THROWS_WITH_AS(x.as_strided({2}, {1}, -1), doctest::Contains("invalid argument `offset`: expected a non-negative offset"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(x.as_strided({3, 3}, {largest, 1}, 0), doctest::Contains("expected a view within the storage"), InvalidArgument);
  CHECK_THROWS_WITH_AS(x.as_strided({3}, {1, 1}, 0), doctest::Contains("expected one stride per dimension"), InvalidArgument);
  CHECK_THROWS_WITH_AS(x.as_strided({-3}, {1}, 0), doctest::Contains("non-negative"), InvalidArgument);
  // The views that stay inside: the last element, a reversed one, a broadcast, an empty one at the end.
  CHECK(x.as_strided({1}, {1}, 11).item() == 11);
  CHECK(x.as_strided({3}, {-2}, 11).to_vector() == std::vector<double>{11, 9, 7});
  CHECK(x.as_strided({2, 3}, {0, 1}, 9).to_vector() == std::vector<double>{9, 10, 11, 9, 10, 11});
  CHECK(x.as_strided({0, 5}, {5, 1}, 12).size() == 0);
}

TEST_CASE("bad input: absurd and negative sizes name the requested size") {
  CHECK_THROWS_WITH_AS(Tensor::zeros({4, -1}), "Tensor: invalid argument `shape`: expected non-negative dimensions, received (4, -1)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor::zeros({huge}),
                       "Tensor: invalid argument `shape`: expected at most 1099511627776 elements, received "
                       "(4611686018427387904,) (4.61e+18 elements)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor::zeros({10000000, 1000000}),
                       "Tensor: invalid argument `shape`: expected at most 1099511627776 elements, received "
                       "(10000000, 1000000) (1e+13 elements)",
                       InvalidArgument);
  {
    AllocationBudget budget(100, "the test's budget");
    CHECK_THROWS_WITH_AS(Tensor::zeros({26}), doctest::Contains("Tensor: cannot allocate 104 bytes"), MemoryError);
    CHECK_THROWS_WITH_AS(Tensor::zeros({26}), doctest::Contains("the test's budget allows only 100 bytes"), MemoryError);
  }
  // A layer's weight of an absurd size names the layer and the weight, then the size.
  CHECK_THROWS_WITH_AS(layers::Dense({.units = huge, .name = "d"})(Tensor::ones({1, 3})),
                       "Dense 'd': cannot initialize `kernel`: Tensor: invalid argument `shape`: expected at most "
                       "1099511627776 elements, received (3, 4611686018427387904) (1.38e+19 elements)",
                       InvalidArgument);
  // Sizes computed from arguments are checked before they can wrap around.
  CHECK_THROWS_WITH_AS(pad(Tensor::zeros({2}), {{huge, huge}}),
                       "pad: invalid argument `pad_width`: expected a padded extent below 2^63 for axis 0 of extent 2, "
                       "received (4611686018427387904, 4611686018427387904)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(broadcast_to(Tensor::zeros({1}), {-3}),
                       "broadcast_to: invalid argument `shape`: expected non-negative dimensions, received (-3,)", InvalidArgument);
  CHECK_THROWS_WITH_AS(broadcast_to(Tensor::zeros({1}), {huge, huge}),
                       doctest::Contains("broadcast_to: invalid argument `shape`: expected at most 1099511627776 elements"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor::arange(0, inf_value),
                       "arange: invalid argument `stop`: expected finite start and stop, received start=0, stop=inf",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor::arange(nan_value, 3),
                       "arange: invalid argument `start`: expected finite start and stop, received start=nan, stop=3",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor::arange(0, 1e30),
                       "arange: invalid argument `stop`: expected at most 1099511627776 elements, received start=0, "
                       "stop=1e+30, step=1 (1e+30 elements)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor::eye(3, -5), "eye: invalid argument `m`: expected a non-negative size, or -1 for m = n, received m=-5",
                       InvalidArgument);
  CHECK(Tensor::eye(3).shape() == Shape{3, 3});
}

TEST_CASE("bad input: Conv1D sizes that would overflow the window are refused at construction") {
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = 1, .kernel_size = huge, .name = "c"}),
                       "Conv1D 'c': invalid argument `kernel_size`: expected a window span and strides below 2^40 steps, "
                       "received kernel_size=4611686018427387904, dilation_rate=1, strides=1",
                       InvalidArgument);
  // kernel_size · dilation_rate would wrap around in 64 bits.
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = 1, .kernel_size = 5, .dilation_rate = huge, .name = "c"}),
                       "Conv1D 'c': invalid argument `dilation_rate`: expected a window span and strides below 2^40 steps, "
                       "received kernel_size=5, dilation_rate=4611686018427387904, strides=1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = 1, .kernel_size = 3, .strides = largest, .padding = "same", .name = "c"}),
                       "Conv1D 'c': invalid argument `strides`: expected a window span and strides below 2^40 steps, "
                       "received kernel_size=3, dilation_rate=1, strides=9223372036854775807",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = 4, .kernel_size = 3, .strides = 0, .name = "c"}),
                       "Conv1D 'c': invalid argument `strides`: expected a positive integer, received strides=0", InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = -2, .kernel_size = 3, .name = "c"}),
                       "Conv1D 'c': invalid argument `filters`: expected a strictly positive integer, received filters=-2",
                       InvalidArgument);
  // Strides as large as allowed still give one output step per window.
  layers::Conv1D wide_strides({.filters = 1, .kernel_size = 3, .strides = std::int64_t{1} << 40, .padding = "same"});
  CHECK(wide_strides(Tensor::zeros({1, 4, 1})).shape() == Shape{1, 1, 1});
}

TEST_CASE("bad input: sizes in the layers around Conv1D that would overflow are refused") {
  CHECK_THROWS_WITH_AS(layers::UpSampling1D({.size = huge, .name = "u"})(Tensor::zeros({1, 4, 1})),
                       "UpSampling1D 'u': invalid argument `size`: expected at most 2^40 output steps for an input of shape "
                       "(1, 4, 1), received size=4611686018427387904",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::UpSampling1D({.size = huge, .name = "u"})(Tensor::zeros({1, 0, 1})),
                       doctest::Contains("UpSampling1D 'u': invalid argument `size`"), InvalidArgument);
  CHECK(layers::UpSampling1D({.size = 3})(Tensor::zeros({1, 0, 1})).shape() == Shape{1, 0, 1});
  CHECK_THROWS_WITH_AS(layers::ZeroPadding1D({.padding = {huge, 1}, .name = "z"}),
                       "ZeroPadding1D 'z': invalid argument `padding`: expected at most 2^40 steps on each side, received "
                       "padding=(4611686018427387904, 1)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Cropping1D({.cropping = {largest, 2}, .name = "c"})(Tensor::zeros({1, 4, 1})),
                       "Cropping1D 'c': cropping (9223372036854775807, 2) removes every step of an input of shape (1, 4, 1)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(layers::Cropping1D({.cropping = {2, largest}, .name = "c"})(Tensor::zeros({1, 4, 1})),
                       "Cropping1D 'c': cropping (2, 9223372036854775807) removes every step of an input of shape (1, 4, 1)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(layers::MaxPooling1D({.pool_size = 2, .strides = largest, .padding = "same", .name = "p"}),
                       "MaxPooling1D 'p': invalid argument `strides`: expected at most 2^40 steps, received pool_size=2, "
                       "strides=9223372036854775807",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::AveragePooling1D({.pool_size = huge, .name = "p"}),
                       "AveragePooling1D 'p': invalid argument `pool_size`: expected at most 2^40 steps, received "
                       "pool_size=4611686018427387904, strides=4611686018427387904",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::MaxPooling1D({.pool_size = 2, .strides = 0, .name = "p"}),
                       "MaxPooling1D 'p': invalid argument `strides`: expected a positive integer, received strides=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Reshape({.target_shape = {-2, 3}, .name = "r"}),
                       "Reshape 'r': invalid argument `target_shape`: expected positive extents and at most one -1, received (-2, 3)",
                       InvalidArgument);
}

TEST_CASE("bad input: wrong ranks, channels and dtypes name the layer and the shape") {
  layers::Conv1D conv({.filters = 2, .kernel_size = 3, .name = "c"});
  CHECK_THROWS_WITH_AS(conv(Tensor::zeros({4, 10})),
                       "Conv1D 'c': expected an input of rank 3 (batch, steps, channels), received shape (4, 10) of rank 2",
                       ShapeError);
  CHECK_THROWS_WITH_AS(conv(Tensor::zeros({1, 10, 0})),
                       "Conv1D 'c': expected an input with at least one channel, received shape (1, 10, 0)", ShapeError);
  CHECK_FALSE(conv.built());
  CHECK_THROWS_WITH_AS(conv(Tensor::zeros({1, 10, 3}, DType::float64)),
                       "Conv1D 'c': invalid argument `inputs`: expected dtype float32 (the layer's dtype), received float64; cast the input",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::GlobalMaxPooling1D({.name = "g"})(Tensor::zeros({2, 3})),
                       "GlobalMaxPooling1D 'g': expected an input of rank 3, received shape (2, 3) of rank 2", ShapeError);
  CHECK_THROWS_WITH_AS(layers::Flatten({.name = "f"})(Tensor::scalar(1)),
                       "Flatten 'f': expected an input with a batch axis, received a scalar", ShapeError);
  CHECK_THROWS_WITH_AS(layers::Add({.name = "a"})({Tensor::zeros({2, 3}), Tensor::zeros({2, 3}, DType::float64)}),
                       "Add 'a': invalid argument `inputs`: expected dtype float32 (the layer's dtype), received float64 for "
                       "input 1; cast the input",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(pow(Tensor::zeros({2}), Tensor::zeros({2}, DType::float64)),
                       "pow: operands have different dtypes, float32 and float64; cast one explicitly", InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Dense({.units = 1, .dtype = "int32"}),
                       "Dense: invalid argument `dtype`: expected one of \"float32\", \"float64\", received dtype=\"int32\"",
                       InvalidArgument);
}

TEST_CASE("bad input: axes out of range") {
  CHECK_THROWS_WITH_AS(sum(Tensor::zeros({2, 3}), {huge}),
                       "sum: invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, received "
                       "axis=4611686018427387904",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(activations::softmax(Tensor::zeros({2, 3}), 2),
                       "softmax: invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, received axis=2",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::LayerNormalization({.axis = {5}, .name = "l"})(Tensor::zeros({2, 3})),
                       "LayerNormalization 'l': invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, "
                       "received axis=5",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::BatchNormalization({.axis = -3, .name = "b"})(Tensor::zeros({2, 3})),
                       "BatchNormalization 'b': invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, "
                       "received axis=-3",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Concatenate({.axis = std::numeric_limits<std::int64_t>::min(), .name = "j"})(
                           {Tensor::zeros({2, 3}), Tensor::zeros({2, 3})}),
                       "Concatenate 'j': invalid argument `axis`: expected an axis in [-2, 2) for inputs of rank 2, received "
                       "-9223372036854775808",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(unsqueeze(Tensor::zeros({2, 3}), -4),
                       "unsqueeze: invalid argument `axis`: expected an axis in [-3, 3) for a tensor of rank 3, received axis=-4",
                       InvalidArgument);
}

TEST_CASE("bad input: unknown option names list the valid ones") {
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = 4, .kernel_size = 3, .padding = "full", .name = "c"}),
                       "Conv1D 'c': invalid argument `padding`: expected one of \"valid\", \"same\", \"causal\", received "
                       "padding=\"full\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::MaxPooling1D({.padding = "causal", .name = "p"}),
                       "MaxPooling1D 'p': invalid argument `padding`: expected one of \"valid\", \"same\", received padding=\"causal\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Activation({.activation = "ReLU", .name = "a"}),
                       doctest::Contains("Activation 'a': invalid argument `activation`: expected an activation name, one of celu"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::get("adamx"),
                       "optim::get: invalid argument `optimizer`: expected one of sgd, adam, adamw, rmsprop, adagrad, adadelta, "
                       "adamax, nadam, received optimizer=\"adamx\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(metrics::get("acc_top5"), doctest::Contains("metrics::get: invalid argument `metric`: expected one of mse"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(losses::Loss("l2").validated("compile", "loss"),
                       doctest::Contains("compile: invalid argument `loss`: expected a loss name, one of"), InvalidArgument);
}

TEST_CASE("bad input: option values out of range, NaN and infinity included") {
  CHECK_THROWS_WITH_AS(optim::SGD({.learning_rate = nan_value, .name = "s"}),
                       "SGD 's': invalid argument `learning_rate`: expected a non-negative finite float, received learning_rate=nan",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::Adam({.learning_rate = -1.0, .name = "a"}),
                       "Adam 'a': invalid argument `learning_rate`: expected a non-negative finite float, received learning_rate=-1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::Adam({.beta_1 = nan_value, .name = "a"}),
                       "Adam 'a': invalid argument `beta_1`: expected a finite float, received beta_1=nan", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::AdamW({.epsilon = inf_value, .name = "w"}),
                       "AdamW 'w': invalid argument `epsilon`: expected a finite float, received epsilon=inf", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::RMSprop({.rho = -inf_value, .name = "r"}),
                       "RMSprop 'r': invalid argument `rho`: expected a finite float, received rho=-inf", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::Adagrad({.initial_accumulator_value = nan_value, .name = "g"}),
                       "Adagrad 'g': invalid argument `initial_accumulator_value`: expected a finite float, received "
                       "initial_accumulator_value=nan",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::Adadelta({.rho = nan_value, .name = "d"}),
                       "Adadelta 'd': invalid argument `rho`: expected a finite float, received rho=nan", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::Adamax({.beta_2 = inf_value, .name = "x"}),
                       "Adamax 'x': invalid argument `beta_2`: expected a finite float, received beta_2=inf", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::Nadam({.beta_1 = nan_value, .name = "n"}),
                       "Nadam 'n': invalid argument `beta_1`: expected a finite float, received beta_1=nan", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::SGD({.momentum = -1, .name = "s"}),
                       "SGD 's': invalid argument `momentum`: expected a float in [0, 1], received momentum=-1", InvalidArgument);
  CHECK_THROWS_WITH_AS(optim::SGD({.clipvalue = nan_value, .name = "s"}),
                       "SGD 's': invalid argument `clipvalue`: expected a non-negative finite float, received clipvalue=nan",
                       InvalidArgument);
  // Keras accepts an out-of-range but finite β (its update is then merely unusual); so does minidl.
  CHECK_NOTHROW(optim::Adam({.beta_1 = 2.0}));

  CHECK_THROWS_WITH_AS(layers::Dropout({.rate = 1.5, .name = "d"}),
                       "Dropout 'd': invalid argument `rate`: expected a float in [0, 1], received rate=1.5", InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Dropout({.rate = nan_value, .name = "d"}),
                       "Dropout 'd': invalid argument `rate`: expected a float in [0, 1], received rate=nan", InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::BatchNormalization({.momentum = nan_value, .name = "b"}),
                       "BatchNormalization 'b': invalid argument `momentum`: expected a float in [0, 1], received momentum=nan",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::LayerNormalization({.epsilon = 0, .name = "l"}),
                       "LayerNormalization 'l': invalid argument `epsilon`: expected a positive float, received epsilon=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = 4, .kernel_size = 3, .kernel_constraint = constraints::MaxNorm{.max_value = nan_value},
                                       .name = "c"}),
                       "Conv1D 'c': invalid argument `kernel_constraint`: MaxNorm's `max_value` must be non-negative, received "
                       "max_value=nan",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::Conv1D({.filters = 4, .kernel_size = 3, .kernel_regularizer = regularizers::L1{.l1 = inf_value},
                                       .name = "c"}),
                       "Conv1D 'c': invalid argument `kernel_regularizer`: `l1` must be a non-negative finite float, received l1=inf",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(losses::Loss(losses::Huber{.delta = -1}).validated(),
                       "losses: invalid argument `delta`: expected a positive delta, received delta=-1", InvalidArgument);
  CHECK_THROWS_WITH_AS(losses::Loss(losses::BinaryCrossentropy{.label_smoothing = nan_value}).validated(),
                       "losses: invalid argument `label_smoothing`: expected a value in [0, 1], received label_smoothing=nan",
                       InvalidArgument);

  auto model = dense_model();
  const Tensor x = Tensor::ones({4, 3}, DType::float64), y = Tensor::ones({4, 1}, DType::float64);
  CHECK_THROWS_WITH_AS(model->fit(x, y, {.verbose = 0, .validation_split = nan_value}),
                       "Sequential 'm': invalid argument `validation_split`: expected a float in [0, 1), received validation_split=nan",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->fit(x, y, {.batch_size = 0, .verbose = 0}),
                       "Sequential 'm': invalid argument `batch_size`: expected a positive batch_size and non-negative epochs, "
                       "received batch_size=0, epochs=1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(model->predict(x, -1),
                       "Sequential 'm': invalid argument `batch_size`: expected a positive integer, received batch_size=-1",
                       InvalidArgument);
  CHECK(model->optimizer().iterations() == 0);  // nothing ran
}

TEST_CASE("bad input: an input shorter than the receptive field, or of zero steps, is an error naming the lengths") {
  layers::Conv1D conv({.filters = 2, .kernel_size = 5, .name = "c"});
  CHECK_THROWS_WITH_AS(conv(Tensor::zeros({1, 3, 1})),
                       "Conv1D 'c': the input is too short for the kernel: 3 steps with kernel_size=5, dilation_rate=1, strides=1 "
                       "and padding=\"valid\" leave -1 output steps",
                       ShapeError);
  // Padded inputs of zero steps would give zero output steps: the same error (Keras fails later, in its backend).
  layers::Conv1D causal({.filters = 2, .kernel_size = 3, .padding = "causal", .name = "k"});
  CHECK_THROWS_WITH_AS(causal(Tensor::zeros({1, 0, 1})),
                       "Conv1D 'k': the input is too short for the kernel: 0 steps with kernel_size=3, dilation_rate=1, strides=1 "
                       "and padding=\"causal\" leave 0 output steps",
                       ShapeError);
  CHECK_THROWS_WITH_AS(layers::MaxPooling1D({.pool_size = 4, .name = "p"})(Tensor::zeros({1, 3, 1})),
                       "MaxPooling1D 'p': the input is too short: 3 steps with pool_size=4 and padding=\"valid\" leave no output",
                       ShapeError);
  CHECK_THROWS_WITH_AS(layers::GlobalAveragePooling1D({.name = "g"})(Tensor::zeros({1, 0, 3})),
                       "GlobalAveragePooling1D 'g': cannot pool over zero steps (input shape (1, 0, 3))", ShapeError);
  CHECK_THROWS_WITH_AS(layers::Cropping1D({.cropping = {2, 2}, .name = "c"})(Tensor::zeros({1, 4, 1})),
                       "Cropping1D 'c': cropping (2, 2) removes every step of an input of shape (1, 4, 1)", ShapeError);
}

TEST_CASE("bad input: mismatched x and y in fit") {
  auto model = dense_model();
  CHECK_THROWS_WITH_AS(model->fit(Tensor::ones({4, 3}, DType::float64), Tensor::ones({3, 1}, DType::float64), {.verbose = 0}),
                       "Sequential 'm': fit needs x and y with the same number of samples, received x (4, 3) and y (3, 1)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(model->fit(Tensor::ones({4, 3}, DType::float64), Tensor::ones({4, 1}), {.verbose = 0}),
                       doctest::Contains("Sequential 'm' fit: the loss of output 'dense"), InvalidArgument);
  CHECK_THROWS_WITH_AS(model->fit(Tensor::ones({4, 3}, DType::float64), Tensor::ones({4, 1}), {.verbose = 0}),
                       doctest::Contains("': mean_squared_error: y_true is float32 but y_pred is float64; cast one"), InvalidArgument);
  model->build({4, 3});
  CHECK_THROWS_WITH_AS(model->fit(Tensor::ones({4, 5}, DType::float64), Tensor::ones({4, 1}, DType::float64), {.verbose = 0}),
                       doctest::Contains("expected axis -1 of the input shape to have value 3 (the layer was built for it), "
                                         "received an input of shape (4, 5)"),
                       ShapeError);
  CHECK(model->optimizer().iterations() == 0);
}

TEST_CASE("bad input: evaluate and validation_data with mismatched sample counts") {
  auto model = dense_model();
  const Tensor x = Tensor::ones({4, 3}, DType::float64), y = Tensor::ones({4, 1}, DType::float64);
  const Tensor short_y = Tensor::ones({3, 1}, DType::float64);
  CHECK_THROWS_WITH_AS(model->evaluate(x, short_y), doctest::Contains("received x (4, 3) and y (3, 1)"), ShapeError);
  CHECK_THROWS_WITH_AS(model->fit(x, y, {.verbose = 0, .validation_data = std::pair{x, short_y}}),
                       doctest::Contains("received x (4, 3) and y (3, 1)"), ShapeError);
  CHECK(model->optimizer().iterations() == 0);
}

TEST_CASE("bad input: fit and evaluate on zero samples") {
  auto model = dense_model();
  const Tensor x = Tensor::ones({0, 3}, DType::float64), y = Tensor::ones({0, 1}, DType::float64);
  CHECK_THROWS_WITH_AS(model->fit(x, y, {.verbose = 0}), doctest::Contains("Sequential 'm'"), InvalidArgument);
  CHECK_THROWS_WITH_AS(model->evaluate(x, y), doctest::Contains("Sequential 'm'"), InvalidArgument);
  CHECK(model->predict(x).shape() == Shape{0, 1});
}

TEST_CASE("bad input: a null callback") {
  auto model = dense_model();
  CHECK_THROWS_WITH_AS(model->fit(Tensor::ones({4, 3}, DType::float64), Tensor::ones({4, 1}, DType::float64),
                                  {.verbose = 0, .callbacks = {nullptr}}),
                       doctest::Contains("Sequential 'm': invalid argument `callbacks`"), InvalidArgument);
}

TEST_CASE("bad input: a batch_size past 2^62 does not wrap the step count") {
  auto model = dense_model();
  const auto history = model->fit(Tensor::ones({4, 3}, DType::float64), Tensor::ones({4, 1}, DType::float64),
                                   {.batch_size = largest, .verbose = 0});
  CHECK(history.epochs() == 1);
  CHECK(model->optimizer().iterations() == 1);
}

TEST_CASE("bad input: a config number no argument takes is refused before any field is read") {
  // Found by the config fuzzer: 6.2e70 read as an int64 extent is undefined behaviour.
  const auto conv = nlohmann::json::parse(R"({"class_name": "Conv1D", "config": {"filters": 6.2e70, "kernel_size": 3}})");
  CHECK_THROWS_WITH_AS(layers::deserialize(conv),
                       "layers::deserialize: the config of Conv1D holds the number 6.2e+70, beyond what any argument takes",
                       InvalidArgument);
  const auto sequential = nlohmann::json::parse(R"({"layers": [{"class_name": "Dense", "config": {"units": 18446744073709551615}}]})");
  CHECK_THROWS_WITH_AS(models::Sequential::from_config(sequential), doctest::Contains("holds the number 18446744073709551615"),
                       InvalidArgument);
  // 4.0 is in range, but a float where Keras takes an integer, which Keras refuses too
  // (tests/layers/config_refusals_test.cpp).
  const auto float_filters = nlohmann::json::parse(R"({"class_name": "Conv1D", "config": {"filters": 4.0, "kernel_size": 3}})");
  CHECK_THROWS_WITH_AS(layers::deserialize(float_filters), doctest::Contains("expected an integer, received filters=4.0"),
                       InvalidArgument);
}

// Each of these overflowed int64 in a shape computation (undefined behaviour, which the sanitized
// build aborts on, and in Release a layer built on a shape like (1, -9223372036854775799, 1)).
TEST_CASE("bad input: extents and sizes near 2^63 are refused before any shape arithmetic") {
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  layers::Conv1D conv({.filters = 2, .kernel_size = 3, .name = "conv"});
  CHECK_THROWS_WITH_AS(conv.compute_output_shape({1, lowest, 1}),
                       "Conv1D 'conv': invalid argument `input_shape`: expected extents within [0, 2^40] (the batch's may be "
                       "-1, unknown), received (1, -9223372036854775808, 1)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(conv.build({1, huge, 1}), doctest::Contains("received (1, 9223372036854775807, 1)"), InvalidArgument);
  CHECK_FALSE(conv.built());

  layers::MaxPooling1D pool({.pool_size = 2, .name = "pool"});
  CHECK_THROWS_AS(pool.compute_output_shape({1, huge - 1, 2}), InvalidArgument);
  CHECK_THROWS_AS(pool.compute_output_shape({1, 4}), ShapeError);  // rank 2: no axis 2 to read
  layers::ZeroPadding1D padding({.padding = {1, 1}, .name = "pad"});
  CHECK_THROWS_AS(padding.compute_output_shape({1, huge, 2}), InvalidArgument);
  layers::Cropping1D cropping({.cropping = {huge, huge}, .name = "crop"});
  CHECK_THROWS_WITH_AS(cropping.compute_output_shape({1, 4, 2}), doctest::Contains("removes every step"), ShapeError);
  layers::UpSampling1D upsampling({.size = std::int64_t{1} << 40, .name = "up"});
  CHECK_THROWS_WITH_AS(upsampling.compute_output_shape({1, std::int64_t{1} << 40, 2}),
                       "UpSampling1D 'up': invalid argument `size`: expected at most 2^40 output steps for an input of "
                       "shape (1, 1099511627776, 2), received size=1099511627776",
                       InvalidArgument);
  CHECK_THROWS_AS(layers::Reshape({.target_shape = {std::int64_t{1} << 40, std::int64_t{1} << 40}}), InvalidArgument);
  layers::Reshape reshape({.target_shape = {-1}, .name = "reshape"});
  CHECK_THROWS_AS(reshape.compute_output_shape({1, std::int64_t{1} << 40, std::int64_t{1} << 40}), InvalidArgument);
  layers::Flatten flatten({.name = "flatten"});
  CHECK_THROWS_AS(flatten.compute_output_shape({1, std::int64_t{1} << 40, std::int64_t{1} << 40}), InvalidArgument);
  layers::Dense dense({.units = 3, .name = "dense"});
  CHECK_THROWS_AS(dense.build({2, lowest, 3}), InvalidArgument);

  // From a Keras-shaped config: build_input_shape read from outside is bounded where it is read.
  const auto config = nlohmann::json::parse(R"({"name": "s", "layers": [{"class_name": "Conv1D", "config":
      {"filters": 2, "kernel_size": 3}}], "build_input_shape": [null, 9223372036854775807, 1]})");
  CHECK_THROWS_WITH_AS(models::Sequential::from_config(config), doctest::Contains("expected a shape of extents within [0, 2^40]"),
                       InvalidArgument);
}
