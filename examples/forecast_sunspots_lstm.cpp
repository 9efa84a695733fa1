// The main job's forecast with a recurrent network instead of a TCN: an LSTM reads the last 128
// months of the sunspot series and a Dense layer maps its final state to the next 12 months. The
// same split, scaling, training (Adam, EarlyStopping on the validation span) and test-span table
// as examples/forecast_sunspots.cpp, so the two rows compare. Then the model is saved as a Keras
// .keras file and reloaded, and must predict the same.
#include "common/forecast_table.hpp"
#include "common/sunspots.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/core.h>
#include <minidl/minidl.hpp>

using namespace minidl;

int main(int argc, char** argv) {
  int epochs = 60, patience = 8, verbose = 1;
  std::int64_t batch_size = 32, units = 32;
  double learning_rate = 4e-3;
  std::uint64_t seed = 42;
  std::string output = "forecast-output";
  std::string data_path = std::string(MINIDL_EXAMPLE_DATA_DIR) + "/sunspot_month.csv";
  CLI::App app{"Train an LSTM on the monthly sunspot numbers and forecast the next 12 months"};
  app.add_option("--epochs", epochs, "Maximum epochs (EarlyStopping may end sooner)")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--batch-size", batch_size, "Windows per batch")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("--learning-rate", learning_rate, "Adam's learning rate")->capture_default_str()->check(CLI::Range(1e-9, 10.0));
  app.add_option("--units", units, "The LSTM's units")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--seed", seed, "Seed of the initial weights and the shuffling")->capture_default_str();
  app.add_option("--output", output, "Folder for the saved model")->capture_default_str();
  app.add_option("--data", data_path, "The sunspot CSV (year,month,sunspots)")->capture_default_str()->check(CLI::ExistingFile);
  app.add_option("--patience", patience, "EarlyStopping's patience, in epochs")->capture_default_str()->check(CLI::Range(0, 100000));
  app.add_option("--verbose", verbose, "fit's verbose: 0 silent, 1 progress bar, 2 a line per epoch")->capture_default_str()->check(CLI::Range(0, 2));
  CLI11_PARSE(app, argc, argv);

  const auto started = std::chrono::steady_clock::now();
  seed_global_generator(seed);
  std::filesystem::create_directories(output);
  constexpr std::int64_t window = 128, horizon = 12;
  const auto data = examples::load_sunspots(data_path, window, horizon);
  fmt::print("Monthly sunspot numbers: {} months; windows of {} months → the next {}; train {} windows, validation {}, test {}\n\n",
             data.months.size(), window, horizon, data.train.inputs.shape()[0], data.validation.inputs.shape()[0],
             data.test.inputs.shape()[0]);

  models::Sequential model({.name = "lstm_forecaster"});
  model.add<layers::LSTM>({.units = units, .name = "reader"});
  model.add<layers::Dense>({.units = horizon, .name = "next_months"});
  model.build({1, window, 1});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = learning_rate}), {.loss = "mse", .metrics = {"mae"}});
  fmt::print("{}\n", model.summary());

  models::EarlyStopping early_stopping({.patience = patience, .restore_best_weights = true});
  models::ReduceLROnPlateau plateau({.factor = 0.5, .patience = 4, .min_lr = 1e-5});
  const auto history = model.fit(data.train.inputs, data.train.targets,
                                 {.batch_size = batch_size, .epochs = epochs, .verbose = verbose, .callbacks = {&early_stopping, &plateau},
                                  .validation_data = std::pair{data.validation.inputs, data.validation.targets}});
  fmt::print("\ntrained {} epochs; best validation loss {:.4f} at epoch {}\n", history.epochs(),
             *std::min_element(history.history.at("val_loss").begin(), history.history.at("val_loss").end()),
             early_stopping.best_epoch() + 1);

  const auto predicted = model.predict(data.test.inputs).to_vector<float>();
  const bool beats = examples::print_test_table(data, "LSTM", predicted);

  // Keras's own file format: the LSTM's weights sit in its cell, as Keras 3 lays them out.
  const std::string saved = (std::filesystem::path(output) / "lstm.keras").string();
  models::save_keras_model(model, saved);
  const auto reloaded = models::load_keras_model(saved);
  const auto again = reloaded->predict(data.test.inputs).to_vector<float>();
  float largest_difference = 0;
  for (std::size_t i = 0; i < again.size(); ++i) largest_difference = std::max(largest_difference, std::abs(again[i] - predicted[i]));
  fmt::print("Saved the model to {}; the reloaded model's test forecasts differ by at most {}\n", saved, largest_difference);
  fmt::print("Done in {:.0f} s.\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return beats && largest_difference == 0 ? 0 : 1;
}
