// Dense, Flatten and the global 1D poolings against real Keras 3.15.1 (keras/layers.json), their
// float64 gradchecks, and their errors.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

std::unique_ptr<layers::Layer> layer_from(const nlohmann::json& item, DType dtype) {
  const std::string class_name = item.at("class_name");
  auto config = item.at("config");
  config["dtype"] = std::string(dtype_name(dtype));
  const std::string dtype_text(dtype_name(dtype));
  const std::optional<std::string> data_format =
      config.contains("data_format") ? std::optional<std::string>(config.at("data_format").get<std::string>()) : std::nullopt;
  if (class_name == "Dense") return layers::Dense::from_config(config);
  if (class_name == "Flatten")
    return std::make_unique<layers::Flatten>(layers::FlattenOptions{.data_format = data_format, .dtype = dtype_text});
  const layers::GlobalPooling1DOptions pooling{.data_format = data_format, .keepdims = config.value("keepdims", false),
                                               .dtype = dtype_text};
  if (class_name == "GlobalAveragePooling1D") return std::make_unique<layers::GlobalAveragePooling1D>(pooling);
  if (class_name == "GlobalMaxPooling1D") return std::make_unique<layers::GlobalMaxPooling1D>(pooling);
  return nullptr;
}

}  // namespace

TEST_CASE("Dense, Flatten and global pooling match Keras") {
  const auto golden = load_test_data("keras/layers.json");
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
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
      const Tensor y = (*layer)(x);
      CHECK_CLOSE(y, tensor_from_json(item.at("expected").at("y"), dtype), rtol, 1e-7);
      CHECK(layer->compute_output_shape(x.shape()) == y.shape());
      y.backward(tensor_from_json(item.at("g"), dtype));
      CHECK_CLOSE(x.grad(), tensor_from_json(item.at("expected").at("dinputs")[0], dtype), rtol, 1e-7);
      const auto trainable = layer->trainable_weights();
      for (std::size_t i = 0; i < trainable.size(); ++i)
        CHECK_CLOSE(trainable[i]->value().grad(),
                    tensor_from_json(item.at("expected").at("dweights").at(trainable[i]->name()), dtype), rtol, 1e-7);
      if (dtype == DType::float64) ++checked;
    }
  }
  CHECK(checked == 6);
}

TEST_CASE("Dense, Flatten and global pooling gradcheck in float64") {
  Generator generator(21);
  const Tensor x = Tensor::uniform({2, 4, 3}, -1, 1, DType::float64, &generator);
  std::vector<std::unique_ptr<layers::Layer>> all;
  all.push_back(std::make_unique<layers::Dense>(layers::DenseOptions{.units = 2, .activation = "tanh", .dtype = "float64"}));
  all.push_back(std::make_unique<layers::Flatten>(layers::FlattenOptions{.data_format = "channels_first", .dtype = "float64"}));
  all.push_back(std::make_unique<layers::GlobalAveragePooling1D>(layers::GlobalPooling1DOptions{.dtype = "float64"}));
  all.push_back(std::make_unique<layers::GlobalMaxPooling1D>(
      layers::GlobalPooling1DOptions{.data_format = "channels_first", .keepdims = true, .dtype = "float64"}));
  for (auto& layer : all) {
    CAPTURE(layer->class_name());
    layer->build(x.shape());
    std::vector<Tensor> inputs = {x};
    for (const auto& weight : layer->trainable_weights())
      inputs.push_back(Tensor::uniform(weight->shape(), -1, 1, DType::float64, &generator));
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
