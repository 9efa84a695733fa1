// The main job's forecaster trained on several processes at once: launch it with mpirun,
//   mpirun -np 2 build/examples/forecast_sunspots_data_parallel
// Each rank takes its share of every batch of 32 windows, the gradients are summed between them,
// and every rank ends with the same weights, those one process would reach (docs/distributed.md).
// Rank 0 alone prints; it exits non-zero unless the forecast beats persistence on the test span.
#include "common/sunspots.hpp"
#include "common/temporal_conv_net.hpp"

#include <minidl/distributed/data_parallel.hpp>
#include <minidl/minidl.hpp>

#include <CLI/CLI.hpp>
#include <cmath>
#include <fmt/core.h>

using namespace minidl;

int main(int argc, char** argv) {
  // First, so that MPI is up before anything else and finalized last.
  distributed::DataParallel data_parallel;
  int epochs = 20;
  CLI::App app{"Train the sunspot TCN with data-parallel fit over MPI"};
  app.add_option("--epochs", epochs, "Epochs")->capture_default_str()->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);

  // The same seed on every rank; fit sends rank 0's weights and shuffles to the others anyway.
  seed_global_generator(2026);
  constexpr std::int64_t window = 128, horizon = 12;
  const auto data = examples::load_sunspots(std::string(MINIDL_EXAMPLE_DATA_DIR) + "/sunspot_month.csv", window, horizon);
  examples::TemporalConvNet model({.horizon = horizon});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 2e-3}), "mse", {"mae"});
  model(slice(data.train.inputs, 0, 0, 1));

  const bool rank_zero = data_parallel.rank() == 0;
  if (rank_zero) fmt::print("{} ranks, each with its share of every batch of 32 windows\n", data_parallel.size());
  models::EarlyStopping early_stopping({.patience = 6, .restore_best_weights = true});
  model.fit(data.train.inputs, data.train.targets,
            {.batch_size = 32, .epochs = epochs, .verbose = 2, .callbacks = {&early_stopping},
             .validation_data = std::pair{data.validation.inputs, data.validation.targets}, .distribution = &data_parallel});
  if (!rank_zero) return 0;

  // Mean absolute error over the test span's 12-month forecasts, in sunspots, against persistence
  // (the last month of each window, repeated).
  const auto predicted = model.predict(data.test.inputs).to_vector<float>();
  const auto inputs = data.test.inputs.to_vector<float>(), targets = data.test.targets.to_vector<float>();
  const std::int64_t samples = data.test.inputs.dim(0);
  double model_error = 0, persistence_error = 0;
  for (std::int64_t s = 0; s < samples; ++s)
    for (std::int64_t h = 0; h < horizon; ++h) {
      const double truth = data.unscale(targets[std::size_t(s * horizon + h)]);
      model_error += std::abs(data.unscale(predicted[std::size_t(s * horizon + h)]) - truth);
      persistence_error += std::abs(data.unscale(inputs[std::size_t(s * window + window - 1)]) - truth);
    }
  model_error /= double(samples * horizon);
  persistence_error /= double(samples * horizon);
  fmt::print("test MAE: TCN {:.1f} sunspots, persistence {:.1f}\n", model_error, persistence_error);
  return model_error < persistence_error ? 0 : 1;
}
