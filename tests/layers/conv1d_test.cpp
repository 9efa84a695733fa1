// Conv1D's behaviour around the maths: shapes and weight counts over a sweep, a training step,
// configs in Keras's form, the global data format, names, trainability and losses.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace minidl;
using namespace minidl::testing;
using layers::Conv1D;

TEST_CASE("the Keras docs example: (4, 10, 128) -> Conv1D(32, 3, relu) -> (4, 8, 32)") {
  const Tensor x = Tensor::rand({4, 10, 128});
  layers::Conv1D conv({.filters = 32, .kernel_size = 3, .activation = "relu"});
  const Tensor y = conv(x);
  CHECK(y.shape() == Shape{4, 8, 32});
  CHECK(conv.kernel().shape() == Shape{3, 128, 32});
  CHECK(conv.bias().shape() == Shape{32});
  CHECK(min(y).item() >= 0.0);
}

TEST_CASE("output shapes and weight counts over a sweep of configurations") {
  struct Expectation {
    layers::Conv1DOptions options;
    Shape input, output;
    std::int64_t parameters;
  };
  const std::vector<Expectation> sweep = {
      {{.filters = 8, .kernel_size = 3}, {2, 10, 4}, {2, 8, 8}, 3 * 4 * 8 + 8},
      {{.filters = 8, .kernel_size = 3, .strides = 2}, {2, 10, 4}, {2, 4, 8}, 3 * 4 * 8 + 8},
      {{.filters = 8, .kernel_size = 3, .padding = "same", .dilation_rate = 2}, {2, 10, 4}, {2, 10, 8}, 3 * 4 * 8 + 8},
      {{.filters = 8, .kernel_size = 4, .strides = 3, .padding = "SAME"}, {2, 10, 4}, {2, 4, 8}, 4 * 4 * 8 + 8},
      {{.filters = 8, .kernel_size = 3, .strides = 2, .padding = "Causal"}, {2, 9, 4}, {2, 5, 8}, 3 * 4 * 8 + 8},
      {{.filters = 6, .kernel_size = 3, .groups = 2, .use_bias = false}, {2, 10, 4}, {2, 8, 6}, 3 * 2 * 6},
      {{.filters = 6, .kernel_size = 5, .data_format = "channels_first", .groups = 3}, {2, 3, 10}, {2, 6, 6}, 5 * 1 * 6 + 6},
      {{.filters = 2, .kernel_size = 1}, {3, 1, 1}, {3, 1, 2}, 1 * 1 * 2 + 2},
      {{.filters = 2, .kernel_size = 7, .padding = "same"}, {1, 3, 2}, {1, 3, 2}, 7 * 2 * 2 + 2},
  };
  for (const auto& [options, input, output, parameters] : sweep) {
    Conv1D conv(options);
    CAPTURE(conv.get_config().dump());
    CHECK(conv.compute_output_shape(input) == output);
    CHECK(conv(Tensor::rand(input)).shape() == output);
    std::int64_t count = 0;
    for (const auto& weight : conv.trainable_weights()) count += element_count(weight->shape());
    CHECK(count == parameters);
    CHECK(conv.trainable_weights().size() == (options.use_bias ? 2u : 1u));
  }
}

TEST_CASE("a batch of 0 gives an empty output of the right shape") {
  Conv1D conv({.filters = 3, .kernel_size = 2});
  CHECK(conv(Tensor::zeros({0, 5, 2})).shape() == Shape{0, 4, 3});
}

TEST_CASE("a few gradient steps reduce a regression loss") {
  seed_global_generator(5);
  Conv1D conv({.filters = 2, .kernel_size = 3, .padding = "causal", .activation = "tanh"});
  const Tensor x = Tensor::normal({8, 12, 3});
  const Tensor target = Tensor::uniform({8, 12, 2}, -0.5, 0.5);
  double first = 0, last = 0;
  for (int step = 0; step < 50; ++step) {
    const Tensor loss = mean(square(conv(x) - target));
    loss.backward();
    for (const auto& weight : conv.trainable_weights()) {
      NoGradGuard no_grad;
      weight->assign(weight->value() - 0.5 * weight->value().grad());
      weight->value().zero_grad();
    }
    (step == 0 ? first : last) = loss.item();
  }
  CHECK(last < 0.8 * first);
}

TEST_CASE("causal padding: an output step never depends on later inputs") {
  Conv1D conv({.filters = 2, .kernel_size = 3, .padding = "causal", .dilation_rate = 2});
  Tensor x = Tensor::normal({1, 10, 2}).set_requires_grad();
  const Tensor y = conv(x);
  sum(slice(y, 1, 4, 5)).backward();  // output step 4
  const Tensor gradient_after = slice(x.grad(), 1, 5, 10);
  CHECK(max(abs(gradient_after)).item() == 0.0);
  CHECK(max(abs(slice(x.grad(), 1, 0, 5))).item() > 0.0);
}

TEST_CASE("get_config matches Keras's, key for key, for Conv1D(32, 3)") {
  const auto keras = load_test_data("keras/conv1d_default_config.json");
  Conv1D conv({.filters = 32, .kernel_size = 3, .name = "conv1d"});
  conv.build({1, 10, 128});
  CHECK(conv.get_config() == keras.at("get_config"));
  CHECK(conv.kernel().shape() == keras.at("kernel_shape").get<Shape>());
  CHECK(conv.compute_output_shape({1, 10, 128})[1] == keras.at("compute_output_shape")[1].get<std::int64_t>());
}

TEST_CASE("from_config reads Keras's config, and every argument round-trips") {
  const auto keras = load_test_data("keras/conv1d_default_config.json").at("get_config");
  const auto from_keras = Conv1D::from_config(keras);
  CHECK(from_keras->get_config() == keras);

  Conv1D conv({.filters = 6, .kernel_size = 4, .strides = 2, .padding = "Same", .data_format = "channels_first",
               .groups = 3, .activation = "gelu", .use_bias = false,
               .kernel_initializer = initializers::HeNormal{.seed = 3},
               .bias_initializer = initializers::Constant{.value = 0.5},
               .kernel_regularizer = regularizers::L1L2{.l1 = 1e-4, .l2 = 1e-3}, .bias_regularizer = "l2",
               .activity_regularizer = regularizers::L1{.l1 = 0.02},
               .kernel_constraint = constraints::MaxNorm{.max_value = 2, .axis = {0, 1}}, .bias_constraint = "non_neg",
               .name = "round_trip", .trainable = false, .dtype = "float64"});
  const auto config = conv.get_config();
  CHECK(config.at("padding") == "same");
  CHECK(config.at("kernel_initializer").at("class_name") == "HeNormal");
  CHECK(config.at("kernel_initializer").at("config").at("seed") == 3);
  CHECK(config.at("kernel_regularizer") ==
        nlohmann::json::parse(R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.0001, "l2": 0.001}, "registered_name": null})"));
  CHECK(config.at("kernel_constraint").at("config") == nlohmann::json::parse(R"({"max_value": 2.0, "axis": [0, 1]})"));
  CHECK(config.at("bias_regularizer").at("config").at("l2") == 0.01);
  CHECK(config.at("dtype").at("config").at("name") == "float64");
  const auto copy = Conv1D::from_config(config);
  CHECK(copy->get_config() == config);
  // Seeded initializers are reproducible: the copy draws the same kernel.
  conv.build({1, 6, 5});
  copy->build({1, 6, 5});
  CHECK(conv.kernel().to_vector() == copy->kernel().to_vector());
}

TEST_CASE("names: Keras's automatic names, or the one given") {
  Conv1D first({.filters = 1, .kernel_size = 1});
  Conv1D second({.filters = 1, .kernel_size = 1});
  CHECK(first.name().rfind("conv1d", 0) == 0);
  CHECK(second.name() != first.name());
  Conv1D named({.filters = 1, .kernel_size = 1, .name = "encoder"});
  CHECK(named.name() == "encoder");
  named.build({1, 2, 3});
  CHECK(named.weights()[0]->path() == "encoder/kernel");
  CHECK(named.weights()[1]->name() == "bias");
}

TEST_CASE("the default data format comes from keras.json, and can be set in code") {
  const auto home = std::filesystem::temp_directory_path() / "minidl_keras_home";
  std::filesystem::create_directories(home);
  {
    std::ofstream(home / "keras.json") << R"({"floatx": "float32", "image_data_format": "channels_first"})";
  }
  ::setenv("KERAS_HOME", home.c_str(), 1);
  config::reload_keras_json();
  CHECK(config::image_data_format() == "channels_first");
  Conv1D from_file({.filters = 4, .kernel_size = 3});
  CHECK(from_file.options().data_format == "channels_first");
  CHECK(from_file(Tensor::rand({2, 5, 9})).shape() == Shape{2, 4, 7});

  config::set_image_data_format("channels_last");
  CHECK(Conv1D({.filters = 4, .kernel_size = 3}).options().data_format == "channels_last");
  CHECK(from_file.options().data_format == "channels_first");  // resolved at construction, as Keras

  {
    std::ofstream(home / "keras.json") << R"({"image_data_format": "NCW"})";
  }
  config::reload_keras_json();
  CHECK_THROWS_WITH_AS(config::image_data_format(), doctest::Contains("invalid `image_data_format`"), InvalidArgument);
  CHECK_THROWS_AS(config::set_image_data_format("NWC"), InvalidArgument);
  std::filesystem::remove(home / "keras.json");
  // A keras.json that is a pipe would block a read until some process wrote to it.
  REQUIRE(::mkfifo((home / "keras.json").c_str(), 0600) == 0);
  config::reload_keras_json();
  CHECK_THROWS_WITH_AS(config::image_data_format(), doctest::Contains("keras.json is not a regular file"), InvalidArgument);
  std::filesystem::remove(home / "keras.json");
  config::reload_keras_json();
  CHECK(config::image_data_format() == "channels_last");
  ::unsetenv("KERAS_HOME");
  config::reload_keras_json();
}

TEST_CASE("trainable = false freezes the weights and their penalties") {
  Conv1D conv({.filters = 2, .kernel_size = 2, .kernel_regularizer = "l2"});
  conv.build({1, 4, 3});
  CHECK(conv.trainable_weights().size() == 2);
  CHECK(conv.losses().size() == 1);
  conv.set_trainable(false);
  CHECK(conv.trainable_weights().empty());
  CHECK(conv.non_trainable_weights().size() == 2);
  CHECK(conv.losses().empty());
  CHECK_FALSE(conv(Tensor::rand({1, 4, 3})).requires_grad());
}

TEST_CASE("losses(): kernel and bias penalties recomputed, activity penalty of the latest call over the batch") {
  Conv1D conv({.filters = 1, .kernel_size = 1, .kernel_initializer = "ones", .bias_initializer = "ones",
               .kernel_regularizer = regularizers::L2{.l2 = 0.5}, .bias_regularizer = regularizers::L1{.l1 = 0.25},
               .activity_regularizer = regularizers::L1{.l1 = 0.1}, .dtype = "float64"});
  const Tensor x(std::vector<double>{1, 2, 3, -4}, {2, 2, 1});
  const Tensor y = conv(x);  // x + 1 = [2, 3, 4, -3]
  const auto losses = conv.losses();
  REQUIRE(losses.size() == 3);
  CHECK(losses[0].item() == doctest::Approx(0.5));        // 0.5 · 1²
  CHECK(losses[1].item() == doctest::Approx(0.25));       // 0.25 · |1|
  CHECK(losses[2].item() == doctest::Approx(0.1 * 12 / 2));  // 0.1 · Σ|y| / batch
  // Differentiable: d(kernel penalty)/d kernel = 2 · 0.5 · kernel = 1.
  losses[0].backward();
  CHECK(conv.kernel().grad().item() == doctest::Approx(1.0));
  conv.set_weights({Tensor(std::vector<double>{3.0}, {1, 1, 1}), Tensor(std::vector<double>{-2.0}, {1})});
  CHECK(conv.losses()[0].item() == doctest::Approx(4.5));  // recomputed from the current value
  conv(slice(x, 0, 0, 1));
  CHECK(conv.losses()[2].item() == doctest::Approx(0.1 * (1 + 4)));  // 3·[1, 2] − 2 = [1, 4], batch 1
}

TEST_CASE("stateless_call computes with the given weights and leaves the layer's alone") {
  Conv1D conv({.filters = 1, .kernel_size = 2, .use_bias = false, .dtype = "float64"});
  const Tensor x(std::vector<double>{1, 2, 3}, {1, 3, 1});
  conv.build(x.shape());
  const auto before = conv.kernel().to_vector();
  const Tensor kernel = Tensor(std::vector<double>{10, 1}, {2, 1, 1}).set_requires_grad();
  const Tensor y = conv.stateless_call({kernel}, x);
  CHECK(y.to_vector() == std::vector<double>{12, 23});
  CHECK(conv.kernel().to_vector() == before);
  sum(y).backward();
  CHECK(kernel.grad().to_vector() == std::vector<double>{3, 5});
  CHECK_THROWS_AS(conv.stateless_call({}, x), InvalidArgument);
}
