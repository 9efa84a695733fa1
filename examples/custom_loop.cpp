// A custom training loop on the sunspot windows — the three things minidl's users come for:
//  1. their own layer: a WaveNet-style gated causal convolution, tanh(x∗Wf) · σ(x∗Wg) + x, with
//     its own weights (add_weight) and maths written with minidl's ops;
//  2. their own loop: forward, data loss plus the layers' regularization losses, backward, an
//     Adam step with gradient clipping (clipnorm) and a cosine learning-rate schedule;
//  3. a float64 gradcheck of that layer, the test a user writes before trusting it.
#include "common/sunspots.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <fmt/core.h>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

struct GatedCausalConvOptions {
  std::int64_t kernel_size = 2;
  std::int64_t dilation_rate = 1;
  std::string dtype = "float32";
};

// Keeps the channel count, so that the residual connection adds up.
class GatedCausalConv : public layers::Layer {
 public:
  explicit GatedCausalConv(GatedCausalConvOptions options) : Layer("GatedCausalConv", {.dtype = options.dtype}), options_(options) {}

 protected:
  void build_weights(const Shape& input_shape) override {
    const std::int64_t channels = input_shape[2];
    const Shape kernel = {options_.kernel_size, channels, channels};
    filter_ = add_weight({.shape = kernel, .regularizer = regularizers::L2{.l2 = 1e-5}, .name = "filter_kernel"});
    gate_ = add_weight({.shape = kernel, .regularizer = regularizers::L2{.l2 = 1e-5}, .name = "gate_kernel"});
    gate_bias_ = add_weight({.shape = {channels}, .initializer = "zeros", .name = "gate_bias"});
  }
  Tensor call(const Tensor& inputs) override {
    // Causal: all the padding goes before the first step, so no output sees the future.
    const Conv1dOptions causal{.dilation_rate = options_.dilation_rate,
                               .pad_left = options_.dilation_rate * (options_.kernel_size - 1)};
    const Tensor filter = tanh(conv1d(inputs, filter_->value(), Tensor(), causal));
    const Tensor gate = sigmoid(conv1d(inputs, gate_->value(), gate_bias_->value(), causal));
    return filter * gate + inputs;
  }

 private:
  GatedCausalConvOptions options_;
  std::shared_ptr<layers::Variable> filter_, gate_, gate_bias_;
};

// lift → gated blocks with dilations 1, 2, 4, ..., 64 → the last step → the next months.
class GatedForecaster : public models::Model {
 public:
  GatedForecaster(std::int64_t channels, std::int64_t horizon, const std::string& dtype)
      : Model("GatedForecaster", {.dtype = dtype}),
        lift_({.filters = channels, .kernel_size = 1, .dtype = dtype}),
        head_({.units = horizon, .dtype = dtype}) {
    track(lift_);
    for (std::int64_t dilation = 1; dilation <= 64; dilation *= 2) {
      blocks_.push_back(std::make_unique<GatedCausalConv>(GatedCausalConvOptions{.dilation_rate = dilation, .dtype = dtype}));
      track(*blocks_.back());
    }
    track(head_);
  }
 protected:
  Tensor call(const Tensor& inputs) override {
    Tensor hidden = lift_(inputs);
    for (auto& block : blocks_) hidden = (*block)(hidden);
    const std::int64_t steps = hidden.shape()[1];
    return head_(reshape(slice(hidden, 1, steps - 1, steps), {hidden.shape()[0], hidden.shape()[2]}));
  }

 private:
  layers::Conv1D lift_;
  std::vector<std::unique_ptr<GatedCausalConv>> blocks_;
  layers::Dense head_;
};

// Rows [begin, end) of a batch.
Tensor rows(const Tensor& x, std::int64_t begin, std::int64_t end) { return slice(x, 0, begin, end); }

}  // namespace

int main(int argc, char** argv) {
  int epochs = 8;
  std::int64_t batch_size = 32;
  std::uint64_t seed = 7;
  CLI::App app{"A custom training loop with a user-defined gated layer, clipping, a schedule and a gradcheck"};
  app.add_option("--epochs", epochs, "Passes over the training windows")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--batch-size", batch_size, "Windows per step")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("--seed", seed, "Seed of the initial weights")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  seed_global_generator(seed);
  const auto data = examples::load_sunspots(std::string(MINIDL_EXAMPLE_DATA_DIR) + "/sunspot_month.csv", 128, 12);
  const Tensor& x = data.train.inputs;
  const Tensor& y = data.train.targets;
  const std::int64_t samples = x.shape()[0], steps_per_epoch = (samples + batch_size - 1) / batch_size;

  GatedForecaster model(16, data.horizon, "float32");
  const losses::Loss mse = "mse";
  optim::Adam optimizer({.learning_rate = optim::CosineDecay{.initial_learning_rate = 3e-3, .decay_steps = epochs * steps_per_epoch,
                                                             .alpha = 0.05},
                         .clipnorm = 1.0});
  const auto validation_loss = [&] {
    NoGradGuard no_grad;
    return mse(data.validation.targets, model(data.validation.inputs)).item();
  };
  const double before = validation_loss();
  fmt::print("validation mse before training: {:.4f}\n", before);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    double total = 0;
    for (std::int64_t begin = 0; begin < samples; begin += batch_size) {
      const std::int64_t end = std::min(begin + batch_size, samples);
      const Tensor data_loss = mse(rows(y, begin, end), model(rows(x, begin, end), /*training=*/true));
      const Tensor loss = data_loss + model.regularization_loss();
      const auto weights = model.trainable_weights();
      loss.backward();
      optimizer.step(weights);  // clips each gradient to norm 1, then Adam at the schedule's rate
      for (const auto& weight : weights) weight->value().zero_grad();
      total += data_loss.item() * double(end - begin);
    }
    fmt::print("epoch {:2d}  train mse {:.4f}  validation mse {:.4f}  learning rate {:.5f}\n", epoch, total / double(samples),
               validation_loss(), optimizer.learning_rate());
  }
  const double after = validation_loss();

  // The user's test of the layer: its input and every weight against central differences, in float64.
  GatedCausalConv layer({.kernel_size = 3, .dilation_rate = 2, .dtype = "float64"});
  Generator generator(1);
  const Tensor probe = Tensor::normal({2, 7, 3}, 0.0, 1.0, DType::float64, &generator);
  layer.build(probe.shape());
  std::vector<Tensor> inputs = {probe};
  for (const auto& weight : layer.trainable_weights()) inputs.push_back(Tensor::normal(weight->shape(), 0.0, 0.5, DType::float64, &generator));
  const auto report = gradcheck(
      [&](const std::vector<Tensor>& in) { return layer.stateless_call({in.begin() + 1, in.end()}, in[0]); }, inputs);
  fmt::print("gradcheck of GatedCausalConv: {}\n", report.to_string());

  const bool learned = after < 0.5 * before;
  fmt::print("validation mse {:.4f} → {:.4f}: {}\n", before, after, learned ? "learned" : "did NOT learn");
  return report.passed && learned ? 0 : 1;
}
