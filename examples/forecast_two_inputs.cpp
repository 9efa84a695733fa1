// A functional model of two inputs and two outputs on the sunspot series: the last 4 years month
// by month, and the last 22 years (two solar cycles) as yearly means, each through its own causal
// Conv1D branch, joined, then two heads: the next 12 months, and their mean. Built with Input()
// and layers called on symbolic tensors, as in Keras; trained with per-output losses and metrics;
// judged on the test span; drawn with plot_model; saved and reloaded.
#include "common/sunspots.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <fmt/core.h>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

constexpr std::int64_t years = 22, recent_months = 48, horizon = 12;

// The two inputs and the two targets of a span of windows.
struct Arrays {
  Tensor recent, yearly, next_months, next_mean;
};

Arrays arrays_of(const examples::Windows& windows) {
  const std::int64_t samples = windows.inputs.shape()[0], window = windows.inputs.shape()[1];
  const Tensor recent = slice(windows.inputs, 1, window - recent_months, window);
  const Tensor yearly = unsqueeze(mean(reshape(windows.inputs, {samples, years, 12}), {2}), 2);
  return {recent, yearly, windows.targets, mean(windows.targets, {1}, true)};
}

SymbolicTensor causal_branch(const SymbolicTensor& input, std::int64_t filters, const std::vector<std::int64_t>& dilations,
                             const std::string& prefix) {
  using namespace layers;
  SymbolicTensor hidden = make<Conv1D>({.filters = filters, .kernel_size = 1, .name = prefix + "_lift"})(input);
  for (const auto dilation : dilations) {
    const auto block = make<Conv1D>({.filters = filters, .kernel_size = 3, .padding = "causal", .dilation_rate = dilation,
                                     .activation = "relu", .name = fmt::format("{}_conv{}", prefix, dilation)})(hidden);
    hidden = make<Add>({.name = fmt::format("{}_residual{}", prefix, dilation)})({hidden, block});
  }
  // The last step sees the whole receptive field.
  const std::int64_t steps = input.shape()[1];
  return make<Flatten>({.name = prefix + "_last"})(make<Cropping1D>({.cropping = {steps - 1, 0}, .name = prefix + "_crop"})(hidden));
}

double mean_absolute_error(const Tensor& predicted, const Tensor& actual, const examples::SunspotData& data) {
  return mean(abs(predicted - actual)).item() * data.scale;
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 60, verbose = 2;
  std::uint64_t seed = 7;
  std::string output = "two-inputs-output", csv = std::string(MINIDL_EXAMPLE_DATA_DIR) + "/sunspot_month.csv";
  CLI::App app{"A two-input, two-output functional forecaster of the monthly sunspot numbers"};
  app.add_option("--epochs", epochs, "Maximum epochs (EarlyStopping may end sooner)")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "Seed of the initial weights and the shuffling")->capture_default_str();
  app.add_option("--verbose", verbose, "fit's verbose: 0, 1 or 2")->capture_default_str()->check(CLI::Range(0, 2));
  app.add_option("--output", output, "Folder for the picture of the graph and the saved model")->capture_default_str();
  app.add_option("--data", csv, "The sunspot CSV (year,month,sunspots)")->capture_default_str()->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  seed_global_generator(seed);
  std::filesystem::create_directories(output);

  const auto data = examples::load_sunspots(csv, years * 12, horizon);
  const auto train = arrays_of(data.train), validation = arrays_of(data.validation), test = arrays_of(data.test);

  using namespace layers;
  const auto recent = Input({.shape = {recent_months, 1}, .name = "recent"});
  const auto yearly = Input({.shape = {years, 1}, .name = "yearly"});
  const auto joined = make<Concatenate>({.name = "joined"})(
      {causal_branch(recent, 16, {1, 2, 4, 8}, "recent"), causal_branch(yearly, 8, {1, 2, 4}, "yearly")});
  const auto hidden = make<Dense>({.units = 32, .activation = "relu", .name = "hidden"})(joined);
  const auto next_months = make<Dense>({.units = horizon, .name = "next_months"})(hidden);
  const auto next_mean = make<Dense>({.units = 1, .name = "next_mean"})(hidden);
  models::Functional model({recent, yearly}, {next_months, next_mean}, {.name = "two_input_forecaster"});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 2e-3}),
                {.loss = {{"next_months", "mse"}, {"next_mean", "mae"}},
                 .loss_weights = {{"next_months", 1.0}, {"next_mean", 0.5}},
                 .metrics = {{"next_months", {"mae"}}}});
  fmt::print("{}\n", model.summary());

  models::EarlyStopping early_stopping({.patience = 8, .restore_best_weights = true});
  const auto history = model.fit({{"recent", train.recent}, {"yearly", train.yearly}}, {train.next_months, train.next_mean},
                                 {.batch_size = 32, .epochs = epochs, .verbose = verbose, .callbacks = {&early_stopping},
                                  .validation_data = std::pair{models::Arrays{validation.recent, validation.yearly},
                                                               models::Arrays{validation.next_months, validation.next_mean}}});
  fmt::print("\ntrained {} epochs; the best validation loss was at epoch {}\n", history.epochs(), early_stopping.best_epoch() + 1);

  const auto predicted = model.predict_outputs({test.recent, test.yearly});
  const std::int64_t samples = test.recent.shape()[0];
  // Persistence: every month ahead is the last observed month.
  const Tensor last = reshape(slice(test.recent, 1, recent_months - 1, recent_months), {samples, 1});
  const double model_months = mean_absolute_error(predicted[0], test.next_months, data);
  const double persistence_months = mean_absolute_error(broadcast_to(last, {samples, horizon}), test.next_months, data);
  fmt::print("\nTest span, mean absolute error in sunspots (lower is better):\n");
  fmt::print("  {:<40} {:>14} {:>16}\n", "forecaster", "next 12 months", "their mean");
  fmt::print("  {:<40} {:>14.2f} {:>16.2f}\n", "two-input model (minidl, functional)", model_months,
             mean_absolute_error(predicted[1], test.next_mean, data));
  fmt::print("  {:<40} {:>14.2f} {:>16.2f}\n", "persistence: the last observed month", persistence_months,
             mean_absolute_error(last, test.next_mean, data));

  const std::string picture = (std::filesystem::path(output) / "two_input_forecaster.png").string();
  models::plot_model(model, picture, {.show_shapes = true, .show_layer_names = true, .dpi = 72});
  fmt::print("\nThe graph: {}\n", std::filesystem::absolute(picture).string());

  const std::string saved = (std::filesystem::path(output) / "two_input_forecaster.minidl").string();
  models::save_model(model, saved);
  const auto reloaded = models::load_model(saved);
  const auto again = reloaded->predict_outputs({test.recent, test.yearly});
  const bool same = again[0].to_vector<float>() == predicted[0].to_vector<float>() &&
                    again[1].to_vector<float>() == predicted[1].to_vector<float>();
  fmt::print("Saved to {}; the reloaded model predicts {}\n", saved, same ? "the same" : "DIFFERENTLY");
  return same && model_months < persistence_months ? 0 : 1;
}
