// The main job: a TCN (causal dilated Conv1D residual blocks) learns the monthly sunspot numbers
// and forecasts the next 12 months from the last 128. It trains with Adam and EarlyStopping on the
// training span, picks its weights on the validation span, and is judged on the test span against
// honest baselines; it draws its learning curves and forecasts with gnuplot, then saves the model,
// reloads it and checks that the reloaded model predicts the same. Last, it streams the test span a
// month at a time, as a live forecaster would see it, checks that the streamed forecasts are the
// batch ones and times a month of streaming against recomputing a window.
#include "common/forecast_table.hpp"
#include "common/gnuplot.hpp"
#include "common/sunspots.hpp"
#include "common/temporal_conv_net.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/core.h>
#include <fstream>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

struct Settings {
  int epochs = 60;
  std::int64_t batch_size = 32;
  double learning_rate = 2e-3;
  std::uint64_t seed = 42;
  std::string output = "forecast-output";
  std::string data = std::string(MINIDL_EXAMPLE_DATA_DIR) + "/sunspot_month.csv";
  std::int64_t filters = 24;
  int patience = 8;
  int verbose = 1;
};

void write_learning_curves(const models::History& history, const std::filesystem::path& folder) {
  std::ofstream table(folder / "learning_curves.dat");
  table << "# epoch train_loss validation_loss\n";
  for (int epoch = 0; epoch < history.epochs(); ++epoch)
    table << epoch + 1 << ' ' << history.history.at("loss")[std::size_t(epoch)] << ' '
          << history.history.at("val_loss")[std::size_t(epoch)] << '\n';
}

void write_forecasts(const examples::SunspotData& data, const std::vector<float>& predicted, const std::filesystem::path& folder) {
  std::ofstream table(folder / "forecast.dat");
  table << "# year actual forecast_1_month_ahead forecast_" << data.horizon << "_months_ahead\n";
  const std::int64_t samples = data.test.inputs.shape()[0], horizon = data.horizon;
  // Month m is forecast 1 month ahead by sample m − first, and `horizon` months ahead by sample m − first − horizon + 1.
  for (std::int64_t s = horizon - 1; s < samples; ++s) {
    const std::int64_t month = data.test.first_target_month + s;
    table << fmt::format("{:.4f} {} {:.2f} {:.2f}\n", data.year_of(month), data.months[std::size_t(month)],
                         data.unscale(predicted[std::size_t(s * horizon)]),
                         data.unscale(predicted[std::size_t((s - horizon + 1) * horizon + horizon - 1)]));
  }
}

bool draw(const std::filesystem::path& folder, std::int64_t horizon) {
  const std::string dir = folder.string();
  return examples::run_gnuplot(fmt::format(R"gp(set terminal pngcairo size 1000,560 font "DejaVu Sans,11"
set output "{0}/learning_curves.png"
set title "TCN on monthly sunspots: learning curves"
set xlabel "epoch"; set ylabel "mean squared error (scaled units, log scale)"
set logscale y; set grid; set key top right
plot "{0}/learning_curves.dat" using 1:2 with linespoints lw 2 title "training loss", \
     "" using 1:3 with linespoints lw 2 title "validation loss"
unset logscale y
set output "{0}/forecast.png"
set title "Test span: the real series and the TCN's forecasts"
set xlabel "year"; set ylabel "monthly mean sunspot number"
set key top right
plot "{0}/forecast.dat" using 1:2 with lines lw 2 lc rgb "black" title "observed", \
     "" using 1:3 with lines lw 1.5 lc rgb "#1f77b4" title "forecast 1 month ahead", \
     "" using 1:4 with lines lw 1.5 lc rgb "#d62728" title "forecast {1} months ahead"
)gp",
                                              dir, horizon));
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

struct Streamed {
  std::int64_t forecasts = 0;
  double relative_difference = 0, step_microseconds = 0, window_microseconds = 0;
};

// Pushes the test span's months one at a time into a stream of the model's per-step network,
// from the first month of the first test window on: once a window's worth has gone in, each
// month's output is the forecast from the window that ends there, which the batch pass computed.
Streamed stream_test_span(examples::TemporalConvNet& model, const examples::SunspotData& data, const std::vector<float>& predicted) {
  const Tensor& windows = data.test.inputs;  // (samples, window, 1), scaled
  const std::int64_t samples = windows.shape()[0], window = windows.shape()[1], horizon = data.horizon;
  streaming::Stream stream(model.per_step());
  Tensor month = Tensor::empty({1, 1}), forecast = Tensor::empty({1, horizon});
  std::vector<double> step_times;
  Streamed result;
  double largest_difference = 0, largest_forecast = 0;
  for (std::int64_t i = 0; i < window - 1 + samples; ++i) {
    // Month i of the span: step i of the first window, then the last step of window i − window + 1.
    const std::int64_t sample = std::max<std::int64_t>(0, i - window + 1), step = std::min(i, window - 1);
    month.data<float>()[0] = windows.data<float>()[sample * window + step];
    const auto before = std::chrono::steady_clock::now();
    stream.step(month, forecast);
    step_times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - before).count());
    if (i < window - 1) continue;
    for (std::int64_t h = 0; h < horizon; ++h) {
      const double batch = predicted[std::size_t(sample * horizon + h)];
      largest_difference = std::max(largest_difference, std::abs(forecast.data<float>()[h] - batch));
      largest_forecast = std::max(largest_forecast, std::abs(batch));
    }
    ++result.forecasts;
  }
  std::vector<double> window_times;
  NoGradGuard no_grad;
  for (std::int64_t s = 0; s < std::min<std::int64_t>(samples, 200); ++s) {
    const Tensor one_window = slice(windows, 0, s, s + 1);
    const auto before = std::chrono::steady_clock::now();
    model(one_window);
    window_times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - before).count());
  }
  result.relative_difference = largest_difference / largest_forecast;
  result.step_microseconds = median(step_times);
  result.window_microseconds = median(window_times);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"Train a TCN on the monthly sunspot numbers and forecast the next 12 months"};
  app.add_option("--epochs", settings.epochs, "Maximum epochs (EarlyStopping may end sooner)")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--batch-size", settings.batch_size, "Windows per batch")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("--learning-rate", settings.learning_rate, "Adam's learning rate")->capture_default_str()->check(CLI::Range(1e-9, 10.0));
  app.add_option("--seed", settings.seed, "Seed of the initial weights and the shuffling")->capture_default_str();
  app.add_option("--output", settings.output, "Folder for the pictures, tables and the saved model")->capture_default_str();
  app.add_option("--data", settings.data, "The sunspot CSV (year,month,sunspots)")->capture_default_str()->check(CLI::ExistingFile);
  app.add_option("--filters", settings.filters, "Channels of each Conv1D")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--patience", settings.patience, "EarlyStopping's patience, in epochs")->capture_default_str()->check(CLI::Range(0, 100000));
  app.add_option("--verbose", settings.verbose, "fit's verbose: 0 silent, 1 progress bar, 2 a line per epoch")->capture_default_str()->check(CLI::Range(0, 2));
  CLI11_PARSE(app, argc, argv);

  const auto started = std::chrono::steady_clock::now();
  seed_global_generator(settings.seed);
  const std::filesystem::path folder(settings.output);
  std::filesystem::create_directories(folder);

  constexpr std::int64_t window = 128, horizon = 12;
  const auto data = examples::load_sunspots(settings.data, window, horizon);
  fmt::print("Monthly sunspot numbers: {} months from {}; windows of {} months → the next {}\n", data.months.size(),
             data.first_year, window, horizon);
  fmt::print("train {} windows, validation {}, test {} (split by time; scaled with the training span's mean {:.1f} and sd {:.1f})\n\n",
             data.train.inputs.shape()[0], data.validation.inputs.shape()[0], data.test.inputs.shape()[0], data.mean, data.scale);

  examples::TemporalConvNet model({.filters = settings.filters, .horizon = horizon});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = settings.learning_rate}), "mse", {"mae"});
  model(slice(data.train.inputs, 0, 0, 1));  // a model class creates its layers' weights on its first call
  fmt::print("{}receptive field: {} months\n\n", model.per_step().summary(), model.receptive_field());

  models::EarlyStopping early_stopping({.patience = settings.patience, .restore_best_weights = true});
  models::ReduceLROnPlateau plateau({.factor = 0.5, .patience = 4, .min_lr = 1e-5});
  const auto history = model.fit(data.train.inputs, data.train.targets,
                                 {.batch_size = settings.batch_size, .epochs = settings.epochs, .verbose = settings.verbose,
                                  .callbacks = {&early_stopping, &plateau},
                                  .validation_data = std::pair{data.validation.inputs, data.validation.targets}});
  fmt::print("\ntrained {} epochs; best validation loss {:.4f} at epoch {}\n", history.epochs(),
             *std::min_element(history.history.at("val_loss").begin(), history.history.at("val_loss").end()),
             early_stopping.best_epoch() + 1);

  const auto predicted = model.predict(data.test.inputs).to_vector<float>();
  examples::print_test_table(data, "TCN", predicted);

  write_learning_curves(history, folder);
  write_forecasts(data, predicted, folder);
  if (draw(folder, horizon))
    fmt::print("\nPictures: {0}/learning_curves.png and {0}/forecast.png\n", std::filesystem::absolute(folder).string());

  examples::TemporalConvNet::register_class();
  const std::string saved = (folder / "tcn.minidl").string();
  models::save_model(model, saved);
  const auto reloaded = models::load_model(saved);
  const auto again = reloaded->predict(data.test.inputs).to_vector<float>();
  float largest_difference = 0;
  for (std::size_t i = 0; i < again.size(); ++i) largest_difference = std::max(largest_difference, std::abs(again[i] - predicted[i]));
  fmt::print("Saved the model to {}; the reloaded model's test forecasts differ by at most {}\n", saved, largest_difference);

  const auto streamed = stream_test_span(model, data, predicted);
  fmt::print("Streamed the test span a month at a time: {} forecasts, within {:.1e} of the batch ones (relative to the largest; "
             "float32); {:.1f} µs a month, against {:.0f} µs to recompute a {}-month window ({:.0f}× faster)\n",
             streamed.forecasts, streamed.relative_difference, streamed.step_microseconds, streamed.window_microseconds, window,
             streamed.window_microseconds / streamed.step_microseconds);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("Done in {:.0f} s.\n", seconds);
  const bool streams_exactly = streamed.relative_difference <= 1e-6;
  if (!streams_exactly) fmt::print("The streamed forecasts are NOT the batch ones.\n");
  return largest_difference == 0 && streams_exactly ? 0 : 1;
}
