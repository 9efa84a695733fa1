// Masks against real Keras 3.15.1 (tests/data/keras/masking.json, made by
// tests/data/keras/generator/generate_masking.py): Masking first, then layers that honour the mask
// (recurrent layers, Bidirectional, GlobalAveragePooling1D, BatchNormalization in training), pass
// it on (Dense) or drop it (Conv1D); the output's mask, a loss and metrics of the masked output,
// and every gradient, in float64. Then the masks merge layers give, and Masking's own rules.
#include "../support/golden.hpp"

#include <minidl/losses/losses.hpp>
#include <minidl/metrics/metrics.hpp>

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

void check_masked_model(const nlohmann::json& item) {
  CAPTURE(item.at("id").get<std::string>());
  auto model = models::Sequential::from_config(item.at("config"));
  model->set_weights(tensors_from_json(item.at("weights")));
  const Tensor x = tensor_from_json(item.at("x")).set_requires_grad();
  const Tensor y_true = tensor_from_json(item.at("y_true"));
  const auto& expected = item.at("expected");

  const Tensor y = (*model)(x, item.at("training").get<bool>());
  CHECK_CLOSE(y, tensor_from_json(expected.at("y")), 1e-9, 1e-12);
  REQUIRE(y.keras_mask().defined() == !expected.at("mask").is_null());
  if (!expected.at("mask").is_null()) CHECK_CLOSE(y.keras_mask(), tensor_from_json(expected.at("mask")), 0.0, 0.0);

  const losses::Loss loss = losses::Loss::deserialize(item.at("loss"));
  const Tensor value = loss(y_true, y);
  CHECK(value.item() == doctest::Approx(expected.at("loss").get<double>()).epsilon(1e-9));
  value.backward();
  CHECK_CLOSE(x.grad(), tensor_from_json(expected.at("dx")), 1e-9, 1e-12);
  const auto trainable = model->trainable_weights();
  REQUIRE(trainable.size() == expected.at("dweights").size());
  for (std::size_t i = 0; i < trainable.size(); ++i)
    CHECK_CLOSE(trainable[i]->value().grad(), tensor_from_json(expected.at("dweights")[i]), 1e-9, 1e-12);
  // No structured bindings: clang 14 cannot capture them in doctest's macros.
  for (const auto& entry : expected.at("metrics").items()) {
    const std::string name = entry.key();
    CAPTURE(name);
    auto metric = metrics::get(name);
    metric->update_state(y_true, y);
    CHECK(metric->result() == doctest::Approx(entry.value().get<double>()).epsilon(1e-9));
  }
  const auto after = model->weights();
  for (std::size_t i = 0; i < after.size(); ++i) CHECK_CLOSE(after[i]->value(), tensor_from_json(expected.at("weights_after")[i]), 1e-9, 1e-12);
}

}  // namespace

TEST_CASE("masked models match Keras: outputs, masks, losses, metrics and gradients") {
  const auto golden = load_test_data("keras/masking.json");
  REQUIRE(golden.at("models").size() == 7);
  for (const auto& item : golden.at("models")) check_masked_model(item);
}

TEST_CASE("merge layers combine their inputs' masks as Keras's") {
  const auto golden = load_test_data("keras/masking.json");
  REQUIRE(golden.at("merges").size() == 5);
  for (const auto& item : golden.at("merges")) {
    CAPTURE(item.at("id").get<std::string>());
    auto layer = layers::deserialize({{"class_name", item.at("class_name")}, {"config", item.at("config")}});
    auto* merge = dynamic_cast<layers::Merge*>(layer.get());
    REQUIRE(merge != nullptr);
    layers::Masking masking({.dtype = "float64"});
    std::vector<Tensor> inputs;
    for (std::size_t i = 0; i < 2; ++i) {
      const Tensor x = tensor_from_json(item.at("inputs")[i]);
      inputs.push_back(item.at("masked")[i].get<bool>() ? masking(x) : x);
    }
    const Tensor y = (*merge)(inputs);
    CHECK_CLOSE(y, tensor_from_json(item.at("expected").at("y")), 0.0, 0.0);
    REQUIRE(y.keras_mask().defined() == !item.at("expected").at("mask").is_null());
    if (y.keras_mask().defined()) CHECK_CLOSE(y.keras_mask(), tensor_from_json(item.at("expected").at("mask")), 0.0, 0.0);
  }
}

TEST_CASE("Masking: the mask, the zeroed steps, a step of ±inf, the config and bad inputs") {
  layers::Masking masking({.mask_value = 2.0, .dtype = "float64"});
  const Tensor x(std::vector<double>{2.0, 2.0, 1.0, 2.0, 2.0, 2.0, 0.0, 0.0}, {1, 4, 2});
  const Tensor y = masking(x);
  CHECK(y.to_vector() == std::vector<double>{0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0});
  CHECK(y.keras_mask().to_vector() == std::vector<double>{0.0, 1.0, 0.0, 1.0});
  // Keras zeroes masked steps with where(): inf·0 would be NaN.
  layers::Masking infinite({.mask_value = std::numeric_limits<double>::infinity(), .dtype = "float64"});
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(infinite(Tensor(std::vector<double>{inf, inf, 1.0, inf}, {1, 2, 2})).to_vector() == std::vector<double>{0.0, 0.0, 1.0, inf});
  const auto config = masking.get_config();
  CHECK(config.at("mask_value") == 2.0);
  auto again = layers::deserialize(layers::serialize(masking));
  CHECK(again->get_config() == config);
  CHECK_THROWS_WITH_AS(layers::deserialize({{"class_name", "Masking"}, {"config", {{"mask_valu", 1.0}}}}), doctest::Contains("mask_valu"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(masking(Tensor(std::vector<double>{1.0, 2.0}, {2})), doctest::Contains("Masking 'masking"), ShapeError);
}

TEST_CASE("layers that cannot use a mask drop it; a mask of the wrong shape or dtype is refused naming the layer") {
  layers::Masking masking({.dtype = "float64"});
  const Tensor x = masking(Tensor(std::vector<double>{1.0, 0.0, 2.0, 3.0, 0.0, 0.0}, {1, 3, 2}));
  layers::Dense dense({.units = 2, .dtype = "float64"});
  CHECK(dense(x).keras_mask().defined());
  layers::Flatten flatten({.dtype = "float64"});
  CHECK_FALSE(flatten(x).keras_mask().defined());
  layers::LSTM last({.units = 2, .dtype = "float64"});
  CHECK_FALSE(last(x).keras_mask().defined());

  const Tensor bad = Tensor(std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {1, 3, 2});
  bad.set_keras_mask(Tensor(std::vector<double>{1.0, 1.0}, {1, 2}));
  layers::GRU gru({.units = 2, .dtype = "float64"});
  CHECK_THROWS_WITH_AS(gru(bad), doctest::Contains("GRU 'gru"), ShapeError);
  bad.set_keras_mask(Tensor(std::vector<float>{1.0f, 1.0f, 1.0f}, {1, 3}));
  CHECK_THROWS_WITH_AS(gru(bad), doctest::Contains("the input's mask has dtype float32"), InvalidArgument);
}
