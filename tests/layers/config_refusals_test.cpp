// A layer config Keras 3.15.1 refuses (a key the layer does not take, a float where it takes an
// integer) is refused by layers::deserialize too, and one Keras takes is taken: the cases and
// Keras's verdicts come from tests/data/keras/generator/generate_config_refusals.py.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

// What minidl does with the config: deserialize it, then call the layer on zeros as the generator
// called Keras's (a merge layer on two tensors).
bool minidl_refuses(const nlohmann::json& keras_case, std::string& message) {
  try {
    auto layer = layers::deserialize({{"class_name", keras_case.at("class_name")}, {"config", keras_case.at("config")}});
    const nlohmann::json& shape = keras_case.at("input_shape");
    if (shape.is_null()) {
      auto& merge = dynamic_cast<layers::Merge&>(*layer);
      merge({Tensor::zeros({1, 6, 2}), Tensor::zeros({1, 6, 2})});
    } else {
      (*layer)(Tensor::zeros(shape.get<Shape>()));
    }
  } catch (const InvalidArgument& error) {
    message = error.what();
    return true;
  }
  return false;
}

}  // namespace

TEST_CASE("layer configs: misspelt keys and floats for integers are refused where Keras refuses them") {
  const auto golden = testing::load_test_data("keras/config_refusals.json");
  int refused = 0;
  for (const auto& keras_case : golden.at("cases")) {
    std::string message;
    const bool refused_here = minidl_refuses(keras_case, message);
    const std::string config = keras_case.at("class_name").get<std::string>() + " " + keras_case.at("config").dump();
    const std::string keras_message = keras_case.at("keras_message").get<std::string>();
    CAPTURE(config);
    CAPTURE(message);
    CAPTURE(keras_message);
    CHECK(refused_here == keras_case.at("refused").get<bool>());
    refused += refused_here;
  }
  CHECK(refused >= 20);
}

TEST_CASE("layer configs: the refusal names the layer, the argument and the value") {
  const auto refusal = [](const char* text) {
    try {
      layers::deserialize(nlohmann::json::parse(text));
    } catch (const InvalidArgument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK(refusal(R"({"class_name": "Conv1D", "config": {"filters": 4, "kernel_size": 3, "activaton": "relu"}})") ==
        "layers::deserialize: Conv1D: Conv1D.from_config: unrecognized argument `activaton` (received activaton=\"relu\"); Keras's "
        "Conv1D does not take it");
  CHECK(refusal(R"({"class_name": "Conv1D", "config": {"filters": 2.7, "kernel_size": 3}})") ==
        "layers::deserialize: Conv1D: Conv1D.from_config: invalid argument `filters`: expected an integer, received filters=2.7");
  CHECK(refusal(R"({"class_name": "Dense", "config": {"units": 2, "kernel_regularizer": {"class_name": "L2", "config": {"l2": 1}}}})") ==
        "accepted");
  // Keras 2's spelling of an InputLayer's shape, which InputLayer still reads.
  CHECK(refusal(R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32"}})") == "accepted");
  // A layer inside a wrapper is held to its own config.
  CHECK(refusal(R"({"class_name": "TimeDistributed", "config": {"layer": {"class_name": "Dense", "config": {"units": 2, "unit": 3}}}})")
            .find("unrecognized argument `unit`") != std::string::npos);
  // A class registered by the user is read by the user's factory, which may take what it likes.
  layers::register_layer("Lenient", [](const nlohmann::json&) { return std::make_unique<layers::Dense>(layers::DenseOptions{.units = 1}); });
  CHECK(refusal(R"({"class_name": "Lenient", "config": {"anything": 2.5}})") == "accepted");
}
