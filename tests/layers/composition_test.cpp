// Layers composed of layers: Sequential, and a model written as a C++ class (a residual block)
// whose weights, regularization losses and trainability are found through its tracked sublayers.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

// A TCN-style residual block: x + conv2(conv1(x)), each causal.
class ResidualBlock : public layers::Layer {
 public:
  ResidualBlock(std::int64_t channels, std::int64_t dilation)
      : Layer("ResidualBlock", "", true, DType::float64, {}),
        first_({.filters = channels, .kernel_size = 3, .padding = "causal", .dilation_rate = dilation, .activation = "tanh",
                .kernel_regularizer = regularizers::L2{.l2 = 0.1}, .dtype = "float64"}),
        second_({.filters = channels, .kernel_size = 1, .activity_regularizer = regularizers::L1{.l1 = 0.01}, .dtype = "float64"}) {
    track(first_);
    track(second_);
  }
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }

 protected:
  void check_input(const Shape&) const override {}
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override { return inputs + second_(first_(inputs)); }

 private:
  layers::Conv1D first_, second_;
};

}  // namespace

TEST_CASE("a model class finds its sublayers' weights and losses, in registration order") {
  ResidualBlock block(3, 2);
  const Tensor x = Tensor::normal({2, 8, 3}, 0.0, 1.0, DType::float64);
  const Tensor y = block(x);
  CHECK(y.shape() == x.shape());
  const auto weights = block.trainable_weights();
  REQUIRE(weights.size() == 4);
  CHECK(weights[0]->name() == "kernel");
  CHECK(weights[0]->shape() == Shape{3, 3, 3});
  CHECK(weights[2]->shape() == Shape{1, 3, 3});
  const auto losses = block.losses();
  REQUIRE(losses.size() == 2);  // the first conv's kernel penalty, the second's activity penalty
  CHECK(losses[0].item() == doctest::Approx(0.1 * sum(square(weights[0]->value())).item()));
  block.set_trainable(false);
  CHECK(block.trainable_weights().empty());
  CHECK(block.non_trainable_weights().size() == 4);
  block.set_trainable(true);
  // Gradcheck through the whole block, every weight at once.
  std::vector<Tensor> inputs = {x};
  for (const auto& weight : weights) inputs.push_back(weight->value().detach().clone());
  const auto report = gradcheck(
      [&](const std::vector<Tensor>& in) { return block.stateless_call({in.begin() + 1, in.end()}, in[0]); }, inputs);
  CHECK_MESSAGE(report.passed, report.to_string());
}

TEST_CASE("Sequential: building, shapes, weights, training flag") {
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .dtype = "float64"});
  model.add<layers::BatchNormalization>({.dtype = "float64"});
  model.add<layers::MaxPooling1D>({.dtype = "float64"});
  model.add<layers::Flatten>({.dtype = "float64"});
  model.add<layers::Dense>({.units = 2, .dtype = "float64"});
  model.build({5, 8, 3});
  CHECK(model.compute_output_shape({5, 8, 3}) == Shape{5, 2});
  CHECK(model.weights().size() == 2 + 4 + 2);
  CHECK(model.trainable_weights().size() == 2 + 2 + 2);
  const Tensor x = Tensor::normal({5, 8, 3}, 0.0, 1.0, DType::float64);
  const auto moving_before = model.layers()[1]->non_trainable_weights()[0]->value().to_vector();
  model(x);  // inference: moving statistics unchanged
  CHECK(model.layers()[1]->non_trainable_weights()[0]->value().to_vector() == moving_before);
  model(x, /*training=*/true);
  CHECK(model.layers()[1]->non_trainable_weights()[0]->value().to_vector() != moving_before);
  CHECK(model.get_config().at("layers").size() == 1 + 5);  // Keras lists the InputLayer first
  CHECK_THROWS_AS(model.add<layers::Dense>({.units = 1, .dtype = "float64"}), StateError);
  CHECK_THROWS_AS(models::Sequential().add<layers::Dense>({.units = 1, .dtype = "float64"}), InvalidArgument);
  CHECK_THROWS_AS(models::Sequential()(Tensor::ones({1, 2})), StateError);
}

TEST_CASE("a Sequential model replays Keras's regularized training run through its own losses()") {
  const auto golden = load_test_data("keras/training_trajectories.json");
  for (const auto& item : golden.at("cases")) {
    if (item.at("id") != "regularized_sgd") continue;
    models::Sequential model({.dtype = "float64"});
    auto conv_config = item.at("model").at("layers")[0].at("config");
    conv_config["name"] = "conv";
    conv_config["dtype"] = "float64";
    model.add(layers::Conv1D::from_config(conv_config));
    model.add<layers::GlobalAveragePooling1D>({.dtype = "float64"});
    auto dense_config = item.at("model").at("layers")[2].at("config");
    dense_config["name"] = "dense";
    dense_config["dtype"] = "float64";
    model.add(layers::Dense::from_config(dense_config));
    const Tensor x = tensor_from_json(item.at("x")), y = tensor_from_json(item.at("y"));
    model.build(x.shape());
    const auto& initial = item.at("initial_weights");
    model.set_weights({tensor_from_json(initial.at("conv/kernel")), tensor_from_json(initial.at("conv/bias")),
                       tensor_from_json(initial.at("dense/kernel")), tensor_from_json(initial.at("dense/bias"))});
    optim::SGD sgd({.learning_rate = 0.1});
    const losses::Loss mse = "mse";
    for (const auto& step : item.at("steps")) {
      Tensor loss = mse(y, model(x, true));
      for (const auto& penalty : model.losses()) loss = loss + penalty;
      CHECK(loss.item() == doctest::Approx(step.at("loss_total").get<double>()).epsilon(1e-9));
      loss.backward();
      sgd.step(model.trainable_weights());
      for (const auto& weight : model.trainable_weights()) weight->value().zero_grad();
      CHECK_CLOSE(model.weights()[0]->value(), tensor_from_json(step.at("weights_after").at("conv/kernel")), 1e-9, 1e-12);
    }
  }
}
