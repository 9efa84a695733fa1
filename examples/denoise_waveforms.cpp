// A denoising autoencoder for sensor-like signals, built from Conv1D's siblings: SeparableConv1D
// encoders that halve the steps, SpatialDropout1D between them, a DepthwiseConv1D, and
// Conv1DTranspose decoders that double them back. It learns to recover smooth waveforms (two
// sines of random periods, phases and amplitudes) from copies with Gaussian noise, is judged on
// waveforms it never saw against two baselines (the noisy input itself, a 5-step moving average),
// and is saved as a Keras .keras file and reloaded.
#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <fmt/core.h>
#include <minidl/minidl.hpp>
#include <numbers>

using namespace minidl;

namespace {

// clean and noisy, each (count, steps, 1).
std::pair<Tensor, Tensor> waveforms(std::int64_t count, std::int64_t steps, double noise, Generator& generator) {
  std::vector<double> clean, noisy;
  for (std::int64_t i = 0; i < count; ++i) {
    double periods[2], phases[2], amplitudes[2];
    for (int k = 0; k < 2; ++k) {
      periods[k] = 16 + 48 * generator.uniform();
      phases[k] = generator.uniform();
      amplitudes[k] = 0.3 + 0.7 * generator.uniform();
    }
    for (std::int64_t t = 0; t < steps; ++t) {
      double value = 0;
      for (int k = 0; k < 2; ++k) value += amplitudes[k] * std::sin(2 * std::numbers::pi * (double(t) / periods[k] + phases[k]));
      clean.push_back(value);
      noisy.push_back(value + noise * generator.normal());
    }
  }
  const auto as_float32 = [&](const std::vector<double>& values) { return cast(Tensor(values, {count, steps, 1}), DType::float32); };
  return {as_float32(clean), as_float32(noisy)};
}

double mean_squared_error(const Tensor& a, const Tensor& b) { return mean(square(cast(a, DType::float64) - cast(b, DType::float64))).item(); }

// Each step the mean of the 5 steps around it (fewer at the ends): the classic smoother.
Tensor moving_average(const Tensor& noisy) {
  const auto values = noisy.to_vector();
  const std::int64_t count = noisy.shape()[0], steps = noisy.shape()[1];
  std::vector<double> smoothed(values.size());
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t t = 0; t < steps; ++t) {
      double total = 0;
      int taken = 0;
      for (std::int64_t u = std::max<std::int64_t>(t - 2, 0); u <= std::min(t + 2, steps - 1); ++u, ++taken) total += values[std::size_t(i * steps + u)];
      smoothed[std::size_t(i * steps + t)] = total / taken;
    }
  return Tensor(smoothed, noisy.shape());
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 30;
  std::uint64_t seed = 5;
  double noise = 0.5;
  std::string output = "denoise_output";
  CLI::App app{"Denoise waveforms with SeparableConv1D, SpatialDropout1D, DepthwiseConv1D and Conv1DTranspose"};
  app.add_option("--epochs", epochs, "Passes over the training waveforms")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "Seed of the data and the initial weights")->capture_default_str();
  app.add_option("--noise", noise, "Standard deviation of the added noise")->capture_default_str()->check(CLI::Range(0.0, 100.0));
  app.add_option("--output", output, "Folder for the saved .keras model")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  seed_global_generator(seed);
  Generator generator(seed);
  const auto [clean, noisy] = waveforms(2000, 128, noise, generator);
  const auto [clean_test, noisy_test] = waveforms(400, 128, noise, generator);

  // (128, 1) → (64, 16) → (32, 32) → (64, 16) → (128, 1).
  models::Sequential model({.name = "denoiser"});
  model.add<layers::SeparableConv1D>({.filters = 16, .kernel_size = 7, .strides = 2, .padding = "same", .depth_multiplier = 4,
                                      .activation = "relu"});
  model.add<layers::SpatialDropout1D>({.rate = 0.1});
  model.add<layers::SeparableConv1D>({.filters = 32, .kernel_size = 5, .strides = 2, .padding = "same", .activation = "relu"});
  model.add<layers::DepthwiseConv1D>({.kernel_size = 5, .padding = "same", .activation = "relu"});
  model.add<layers::Conv1DTranspose>({.filters = 16, .kernel_size = 4, .strides = 2, .padding = "same", .activation = "relu"});
  model.add<layers::Conv1DTranspose>({.filters = 1, .kernel_size = 4, .strides = 2, .padding = "same"});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 3e-3}), "mse");
  model.build(noisy.shape());
  fmt::print("{}\n", model.summary());
  model.fit(noisy, clean, {.batch_size = 32, .epochs = epochs, .verbose = 2, .validation_split = 0.2});

  const Tensor denoised = model.predict(noisy_test);
  const double model_error = mean_squared_error(denoised, clean_test);
  const double input_error = mean_squared_error(noisy_test, clean_test);
  const double smoothed_error = mean_squared_error(moving_average(noisy_test), clean_test);
  fmt::print("\nMean squared error against the clean waveforms, {} unseen waveforms (noise sd {}):\n", clean_test.shape()[0], noise);
  fmt::print("  {:<36} {:>8.4f}\n", "the autoencoder", model_error);
  fmt::print("  {:<36} {:>8.4f}\n", "a 5-step moving average", smoothed_error);
  fmt::print("  {:<36} {:>8.4f}\n", "the noisy input itself", input_error);

  std::filesystem::create_directories(output);
  const std::string saved = (std::filesystem::path(output) / "denoiser.keras").string();
  models::save_keras_model(model, saved);
  const auto reloaded = models::load_keras_model(saved);
  const bool same = reloaded->predict(noisy_test).to_vector<float>() == denoised.to_vector<float>();
  fmt::print("Saved to {} (keras.saving.load_model reads it); the reloaded model predicts {}\n", saved,
             same ? "the same" : "DIFFERENTLY");
  return same && model_error < smoothed_error ? 0 : 1;
}
