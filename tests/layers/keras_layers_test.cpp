// The layers around Conv1D against real Keras 3.15.1 (keras/layers.json): values, input and weight
// gradients, BatchNormalization's moving statistics; float64 gradchecks; errors.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

// Keras's recorded config, read by the layer registry (what load_model uses), in `dtype`.
std::unique_ptr<layers::Layer> layer_from(const nlohmann::json& item, DType dtype) {
  if (item.at("class_name") == "Add") return nullptr;  // called on a list: merging_test.cpp checks it
  auto config = item.at("config");
  config["dtype"] = std::string(dtype_name(dtype));
  return layers::deserialize({{"class_name", item.at("class_name")}, {"config", config}});
}

}  // namespace

TEST_CASE("the layers around Conv1D match Keras") {
  // The conformance run's cases, then ours for the options and layers it leaves out.
  nlohmann::json cases = load_test_data("keras/layers.json").at("cases");
  const auto ours = load_test_data("keras/models.json");
  for (const auto& item : ours.at("layer_cases")) cases.push_back(item);
  int checked = 0;
  for (const auto& item : cases) {
    for (DType dtype : {DType::float64, DType::float32}) {
      auto layer = layer_from(item, dtype);
      if (!layer) break;
      CAPTURE(item.at("id").get<std::string>());
      const double rtol = dtype == DType::float64 ? 1e-12 : 1e-5;
      const Tensor x = tensor_from_json(item.at("inputs")[0], dtype).set_requires_grad();
      layer->build(x.shape());
      std::vector<Tensor> weights;
      for (const auto& name : item.at("weight_order")) weights.push_back(tensor_from_json(item.at("weights").at(name), dtype));
      layer->set_weights(weights);
      const bool training = item.at("call_kwargs").value("training", false);
      const Tensor y = (*layer)(x, training);
      // AveragePooling1D 'same': minidl follows Keras's TensorFlow/JAX rule (padding not counted).
      const bool tf_rule = item.value("backend_dependent", false);
      const auto& expected = item.at("expected");
      CHECK_CLOSE(y, tensor_from_json(tf_rule ? item.at("expected_tf_semantics_y") : expected.at("y"), dtype), rtol, 1e-7);
      CHECK(layer->compute_output_shape(x.shape()) == y.shape());
      y.backward(tensor_from_json(item.at("g"), dtype));
      CHECK_CLOSE(x.grad(), tensor_from_json(tf_rule ? item.at("expected_tf_semantics_dinputs")[0] : expected.at("dinputs")[0], dtype),
                  rtol, 1e-7);
      if (expected.contains("non_trainable_weights_after_call"))
        for (const auto& weight : layer->non_trainable_weights())
          CHECK_CLOSE(weight->value(), tensor_from_json(expected.at("non_trainable_weights_after_call").at(weight->name()), dtype),
                      rtol, 1e-7);
      const auto trainable = layer->trainable_weights();
      for (std::size_t i = 0; i < trainable.size(); ++i)
        CHECK_CLOSE(trainable[i]->value().grad(),
                    tensor_from_json(item.at("expected").at("dweights").at(trainable[i]->name()), dtype), rtol, 1e-7);
      if (dtype == DType::float64) ++checked;
    }
  }
  CHECK(checked == 45 + 11);  // every case but Add (a list-input layer: merging_test.cpp)
}

TEST_CASE("the layers around Conv1D gradcheck in float64") {
  Generator generator(21);
  const Tensor x = Tensor::uniform({2, 4, 3}, -1, 1, DType::float64, &generator);
  std::vector<std::unique_ptr<layers::Layer>> all;
  all.push_back(std::make_unique<layers::Dense>(layers::DenseOptions{.units = 2, .activation = "tanh", .dtype = "float64"}));
  all.push_back(std::make_unique<layers::Flatten>(layers::FlattenOptions{.data_format = "channels_first", .dtype = "float64"}));
  all.push_back(std::make_unique<layers::GlobalAveragePooling1D>(layers::GlobalPooling1DOptions{.dtype = "float64"}));
  all.push_back(std::make_unique<layers::GlobalMaxPooling1D>(
      layers::GlobalPooling1DOptions{.data_format = "channels_first", .keepdims = true, .dtype = "float64"}));
  all.push_back(std::make_unique<layers::MaxPooling1D>(layers::Pooling1DOptions{.pool_size = 3, .strides = 1, .padding = "same", .dtype = "float64"}));
  all.push_back(std::make_unique<layers::AveragePooling1D>(
      layers::Pooling1DOptions{.pool_size = 3, .padding = "same", .data_format = "channels_first", .dtype = "float64"}));
  all.push_back(std::make_unique<layers::ZeroPadding1D>(layers::ZeroPadding1DOptions{.padding = {2, 1}, .dtype = "float64"}));
  all.push_back(std::make_unique<layers::Cropping1D>(layers::Cropping1DOptions{.cropping = {1, 2}, .dtype = "float64"}));
  all.push_back(std::make_unique<layers::UpSampling1D>(layers::UpSampling1DOptions{.size = 3, .dtype = "float64"}));
  all.push_back(std::make_unique<layers::LayerNormalization>(layers::LayerNormalizationOptions{.axis = {1, 2}, .dtype = "float64"}));
  all.push_back(std::make_unique<layers::BatchNormalization>(layers::BatchNormalizationOptions{.dtype = "float64"}));
  all.push_back(std::make_unique<layers::Activation>(layers::ActivationOptions{.activation = "softmax", .dtype = "float64"}));
  all.push_back(std::make_unique<layers::Dropout>(layers::DropoutOptions{.rate = 0.5, .dtype = "float64"}));
  all.push_back(std::make_unique<layers::Reshape>(layers::ReshapeOptions{.target_shape = {3, -1}, .dtype = "float64"}));
  for (auto& layer : all) {
    CAPTURE(layer->class_name());
    layer->build(x.shape());
    std::vector<Tensor> inputs = {x};
    for (const auto& weight : layer->trainable_weights())
      inputs.push_back(Tensor::uniform(weight->shape(), -1, 1, DType::float64, &generator));
    // stateless_call is the inference path; BatchNormalization's training path is checked below.
    const auto report = gradcheck(
        [&](const std::vector<Tensor>& in) { return layer->stateless_call({in.begin() + 1, in.end()}, in[0]); }, inputs);
    CHECK_MESSAGE(report.passed, report.to_string());
  }
}

TEST_CASE("Dense and pooling errors") {
  CHECK_THROWS_WITH_AS(layers::Dense({.units = 0, .name = "d"}),
                       "Dense 'd': invalid argument `units`: expected a positive integer, received units=0", InvalidArgument);
  layers::Dense dense({.units = 2, .name = "d"});
  CHECK_THROWS_WITH_AS(dense(Tensor::ones({3})), "Dense 'd': expected an input of rank 2 or more (batch, ..., features), received shape (3,)",
                       ShapeError);
  dense(Tensor::ones({1, 3}));
  CHECK_THROWS_WITH_AS(dense(Tensor::ones({1, 4})),
                       "Dense 'd': expected axis -1 of the input shape to have value 3 (the layer was built for it), received an "
                       "input of shape (1, 4)",
                       ShapeError);
  layers::GlobalAveragePooling1D pooling({.name = "p"});
  CHECK_THROWS_WITH_AS(pooling(Tensor::ones({2, 3})), "GlobalAveragePooling1D 'p': expected an input of rank 3, received shape (2, 3) of rank 2",
                       ShapeError);
  CHECK_THROWS_AS(layers::Flatten({.data_format = "NCW"}), InvalidArgument);
}

TEST_CASE("BatchNormalization in training mode gradchecks through the batch statistics") {
  Generator generator(22);
  const Tensor x = Tensor::uniform({3, 4, 2}, -1, 1, DType::float64, &generator);
  layers::BatchNormalization norm({.dtype = "float64"});
  norm.build(x.shape());
  const Tensor gamma = Tensor::uniform({2}, 0.5, 1.5, DType::float64, &generator);
  const Tensor beta = Tensor::uniform({2}, -1, 1, DType::float64, &generator);
  const auto input_only = gradcheck(
      [&](const std::vector<Tensor>& in) {
        norm.set_weights({gamma, beta, Tensor::zeros({2}, DType::float64), Tensor::ones({2}, DType::float64)});
        return norm(in[0], true);
      },
      {x});
  CHECK_MESSAGE(input_only.passed, input_only.to_string());
}

TEST_CASE("Activation, Dropout and Reshape") {
  const Tensor x(std::vector<double>{-1, 2, -3, 4, 5, -6}, {1, 2, 3});
  layers::Activation relu({.activation = "relu", .dtype = "float64"});
  CHECK(relu(x).to_vector() == std::vector<double>{0, 2, 0, 4, 5, 0});
  CHECK_THROWS_AS(layers::Activation({.activation = "ReLU"}), InvalidArgument);

  layers::Dropout dropout({.rate = 0.5, .seed = 4, .dtype = "float64"});
  CHECK(dropout(x).to_vector() == x.to_vector());  // inference: identity
  const Tensor large = Tensor::ones({1, 200, 100}, DType::float64);
  const auto dropped = dropout(large, true).to_vector();
  std::size_t zeros = 0;
  for (double value : dropped) {
    CHECK((value == 0.0 || value == 2.0));
    zeros += value == 0.0;
  }
  // 20000 draws at p = 0.5: the zero count's standard deviation is ~71.
  CHECK(zeros > 10000 - 500);
  CHECK(zeros < 10000 + 500);
  CHECK_THROWS_WITH_AS(layers::Dropout({.rate = 1.5, .name = "d"}),
                       "Dropout 'd': invalid argument `rate`: expected a float in [0, 1], received rate=1.5", InvalidArgument);
  // Keras 3 takes rate 1: a training call then drops everything.
  layers::Dropout everything({.rate = 1.0, .dtype = "float64"});
  CHECK(max(abs(everything(large, true))).item() == 0.0);

  layers::Reshape reshaped({.target_shape = {3, -1}, .dtype = "float64"});
  CHECK(reshaped(x).shape() == Shape{1, 3, 2});
  layers::Reshape wrong({.target_shape = {4}, .name = "r", .dtype = "float64"});
  CHECK_THROWS_WITH_AS(wrong(x), "Reshape 'r': cannot reshape samples of shape (2, 3) into target_shape (4,)", ShapeError);
  const auto report = gradcheck([&](const std::vector<Tensor>& in) { return reshaped(relu(in[0])); },
                                {Tensor(std::vector<double>{-1.5, 2, -3, 4, 5, -6}, {1, 2, 3})});
  CHECK_MESSAGE(report.passed, report.to_string());
}

TEST_CASE("Dense's config has Keras's keys and round-trips") {
  const auto golden = load_test_data("keras/layers.json");
  for (const auto& item : golden.at("cases")) {
    if (item.at("class_name") != "Dense") continue;
    auto config = item.at("config");
    const auto dense = layers::Dense::from_config(config);
    auto ours = dense->get_config();
    ours.erase("dtype");
    CHECK(ours == config);
  }
}

TEST_CASE("LayerNormalization's config keeps the axis in the form it was given, as Keras's") {
  const auto golden = load_test_data("keras/parity.json");
  for (const auto& item : golden.at("layer_normalization")) {
    const auto& given = item.at("axis");
    CAPTURE(given.dump());
    const layers::AxisList axis = given.is_array() ? layers::AxisList(given.get<std::vector<std::int64_t>>())
                                                   : layers::AxisList(given.get<std::int64_t>());
    const layers::LayerNormalization from_options({.axis = axis});
    CHECK(from_options.get_config().at("axis") == item.at("config_axis"));
    // And through a config, as load_model reads it.
    const auto from_config =
        layers::deserialize({{"class_name", "LayerNormalization"}, {"config", {{"axis", given}}}});
    CHECK(from_config->get_config().at("axis") == item.at("config_axis"));
  }
}
