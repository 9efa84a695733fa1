// A tiny forecaster trained by hand-written gradient descent: from the last 16 values of a noisy
// sine wave, a two-layer network predicts the next one. It shows the loss falling epoch by epoch.
#include <minidl/minidl.hpp>

#include <cmath>
#include <fmt/core.h>

using namespace minidl;

int main() {
  seed_global_generator(7);
  constexpr std::int64_t window = 16, samples = 512, hidden = 32;

  // Windows of the series as rows of x, the value after each window in y.
  const Tensor noise = Tensor::normal({samples + window}, 0.0, 0.05);
  std::vector<float> series(samples + window);
  for (std::size_t t = 0; t < series.size(); ++t)
    series[t] = static_cast<float>(std::sin(0.3 * static_cast<double>(t)) + noise.at({static_cast<std::int64_t>(t)}));
  std::vector<float> rows, targets;
  for (std::int64_t start = 0; start < samples; ++start) {
    rows.insert(rows.end(), series.begin() + start, series.begin() + start + window);
    targets.push_back(series[start + window]);
  }
  const Tensor x(rows, {samples, window});
  const Tensor y(targets, {samples, 1});

  // Glorot-uniform weights, zero biases.
  const double limit_1 = std::sqrt(6.0 / (window + hidden)), limit_2 = std::sqrt(6.0 / (hidden + 1));
  std::vector<Tensor> weights = {Tensor::uniform({window, hidden}, -limit_1, limit_1), Tensor::zeros({hidden}),
                                 Tensor::uniform({hidden, 1}, -limit_2, limit_2), Tensor::zeros({1})};
  for (auto& weight : weights) weight.set_requires_grad();

  const double learning_rate = 0.1;
  for (int epoch = 1; epoch <= 200; ++epoch) {
    const Tensor hidden_layer = tanh(matmul(x, weights[0]) + weights[1]);
    const Tensor prediction = matmul(hidden_layer, weights[2]) + weights[3];
    const Tensor loss = mean(square(prediction - y));
    loss.backward();
    {
      NoGradGuard no_grad;
      for (auto& weight : weights) {
        weight.assign(weight - learning_rate * weight.grad());
        weight.zero_grad();
      }
    }
    if (epoch == 1 || epoch % 20 == 0) fmt::print("epoch {:3d}  mse {:.5f}\n", epoch, loss.item());
  }
  fmt::print("noise floor (variance of the added noise): {:.5f}\n", 0.05 * 0.05);
}
