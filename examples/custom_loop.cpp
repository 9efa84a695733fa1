// A custom training loop, written out: forward, data loss plus the layers' regularization losses,
// backward, an optimizer step that clips, follows a learning-rate schedule and applies the weight
// constraints — then the same step with the functional autograd::grad. It ends with a gradcheck of
// the model, as a user's test would.
#include <minidl/minidl.hpp>

#include <cmath>
#include <fmt/core.h>

using namespace minidl;

namespace {

// Noisy sine windows: x (sequences, steps, 1), y the value after each window (sequences, 1).
std::pair<Tensor, Tensor> sine_windows(std::int64_t sequences, std::int64_t steps, DType dtype) {
  Generator generator(3);
  std::vector<double> inputs, targets;
  for (std::int64_t b = 0; b < sequences; ++b) {
    const double phase = 6.283 * generator.uniform();
    for (std::int64_t t = 0; t <= steps; ++t) {
      const double value = std::sin(phase + 0.3 * double(t)) + 0.05 * generator.normal();
      (t < steps ? inputs : targets).push_back(value);
    }
  }
  return {cast(Tensor(inputs, {sequences, steps, 1}), dtype), cast(Tensor(targets, {sequences, 1}), dtype)};
}

struct Forecaster {
  layers::Conv1D conv;
  layers::Conv1D dilated;
  layers::GlobalAveragePooling1D pool;
  layers::Dense head;

  explicit Forecaster(const std::string& dtype)
      : conv({.filters = 8, .kernel_size = 3, .padding = "causal", .activation = "tanh",
              .kernel_regularizer = regularizers::L2{.l2 = 1e-4}, .dtype = dtype}),
        dilated({.filters = 8, .kernel_size = 3, .padding = "causal", .dilation_rate = 2, .activation = "tanh",
                 .kernel_constraint = constraints::MaxNorm{.max_value = 2.0}, .dtype = dtype}),
        pool({.dtype = dtype}),
        head({.units = 1, .dtype = dtype}) {}

  Tensor operator()(const Tensor& x) { return head(pool(dilated(conv(x)))); }
  std::vector<layers::Layer*> parts() { return {&conv, &dilated, &pool, &head}; }
  optim::Variables trainable_weights() {
    optim::Variables weights;
    for (auto* layer : parts())
      for (const auto& weight : layer->trainable_weights()) weights.push_back(weight);
    return weights;
  }
  Tensor regularization() {
    Tensor total = Tensor::scalar(0.0, conv.dtype());
    for (auto* layer : parts())
      for (const auto& penalty : layer->losses()) total = total + penalty;
    return total;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 200;
  seed_global_generator(11);
  const auto [x, y] = sine_windows(64, 24, DType::float32);
  Forecaster model("float32");
  const losses::Loss mse = "mse";
  optim::Adam optimizer({.learning_rate = optim::CosineDecay{.initial_learning_rate = 0.01, .decay_steps = epochs},
                         .clipnorm = 1.0});

  double first = 0.0, last = 0.0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const Tensor data_loss = mse(y, model(x));
    const auto weights = model.trainable_weights();  // after the first call has built the layers
    const Tensor loss = data_loss + model.regularization();
    if (epoch % 2 == 1) {
      // With backward(): gradients accumulate into .grad(), the step reads them, then zero them.
      loss.backward();
      optimizer.step(weights);
      for (const auto& weight : weights) weight->value().zero_grad();
    } else {
      // With autograd::grad: the gradients come back as values; .grad() is never touched.
      std::vector<Tensor> values;
      for (const auto& weight : weights) values.push_back(weight->value());
      optimizer.apply(autograd::grad({loss}, values), weights);
    }
    last = data_loss.item();
    if (epoch == 1) first = last;
    if (epoch == 1 || epoch % 25 == 0)
      fmt::print("epoch {:3d}  mse {:.5f}  learning rate {:.5f}\n", epoch, last, optimizer.learning_rate());
  }

  // A gradcheck of the whole model in float64, with respect to the input and every weight.
  Forecaster checked("float64");
  const auto [small_x, small_y] = sine_windows(2, 6, DType::float64);
  checked(small_x);
  std::vector<Tensor> inputs = {small_x};
  std::vector<layers::Layer*> with_weights = {&checked.conv, &checked.dilated, &checked.head};
  for (auto* layer : with_weights)
    for (const auto& weight : layer->trainable_weights()) inputs.push_back(weight->value().detach().clone());
  const auto report = gradcheck(
      [&](const std::vector<Tensor>& in) {
        std::size_t next = 1;
        auto weights_of = [&](layers::Layer& layer) {
          std::vector<Tensor> values(in.begin() + next, in.begin() + next + layer.trainable_weights().size());
          next += values.size();
          return values;
        };
        const Tensor hidden = checked.conv.stateless_call(weights_of(checked.conv), in[0]);
        const Tensor deeper = checked.dilated.stateless_call(weights_of(checked.dilated), hidden);
        return checked.head.stateless_call(weights_of(checked.head), checked.pool(deeper));
      },
      inputs);
  fmt::print("{}\n", report.to_string());
  return report.passed && last < 0.2 * first ? 0 : 1;
}
