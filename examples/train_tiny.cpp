// A tiny causal forecaster trained by hand-written gradient descent: two causal Conv1D layers
// read noisy sine waves and predict, at every step, the value of the next step. It prints the
// loss falling, next to the noise floor it cannot beat.
#include <minidl/minidl.hpp>

#include <cmath>
#include <fmt/core.h>

using namespace minidl;

int main() {
  seed_global_generator(7);
  constexpr std::int64_t sequences = 32, steps = 64;
  constexpr double noise = 0.05;

  // inputs[b, t] is sequence b at step t; targets[b, t] the same sequence at step t + 1.
  Generator generator(1);
  std::vector<float> inputs, targets;
  for (std::int64_t b = 0; b < sequences; ++b) {
    const double phase = 6.283 * generator.uniform();
    std::vector<float> series(steps + 1);
    for (std::int64_t t = 0; t <= steps; ++t)
      series[t] = static_cast<float>(std::sin(phase + 0.3 * double(t)) + noise * generator.normal());
    inputs.insert(inputs.end(), series.begin(), series.end() - 1);
    targets.insert(targets.end(), series.begin() + 1, series.end());
  }
  const Tensor x(inputs, {sequences, steps, 1});
  const Tensor y(targets, {sequences, steps, 1});

  layers::Conv1D hidden({.filters = 16, .kernel_size = 3, .padding = "causal", .activation = "tanh"});
  layers::Conv1D dilated({.filters = 16, .kernel_size = 3, .padding = "causal", .dilation_rate = 2, .activation = "tanh"});
  layers::Conv1D output({.filters = 1, .kernel_size = 1});

  const double learning_rate = 0.2;
  double first_loss = 0.0, last_loss = 0.0;
  for (int epoch = 1; epoch <= 300; ++epoch) {
    const Tensor prediction = output(dilated(hidden(x)));
    const Tensor loss = mean(square(prediction - y));
    loss.backward();
    {
      NoGradGuard no_grad;
      for (layers::Layer* layer : std::initializer_list<layers::Layer*>{&hidden, &dilated, &output})
        for (const auto& weight : layer->trainable_weights()) {
          weight->assign(weight->value() - learning_rate * weight->value().grad());
          weight->value().zero_grad();
        }
    }
    last_loss = loss.item();
    if (epoch == 1) first_loss = last_loss;
    if (epoch == 1 || epoch % 30 == 0) fmt::print("epoch {:3d}  mse {:.5f}\n", epoch, last_loss);
  }
  fmt::print("the targets' own noise variance, which no model can go below: {:.5f}\n", noise * noise);
  // A run that did not learn is a failure (CTest runs this example).
  return last_loss < 0.1 * first_loss ? 0 : 1;
}
