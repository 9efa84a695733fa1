#include "forecast_table.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>

namespace examples {

namespace {

// A solar cycle lasts about 11 years; the "cycle" baseline repeats the value one cycle earlier.
constexpr std::int64_t cycle_months = 132;

struct Errors {
  double mae = 0, first_month_mae = 0, last_month_mae = 0;
};

// Errors of forecast(sample, h) against the test span's true months.
template <class Forecast>
Errors errors_of(const SunspotData& data, Forecast forecast) {
  const std::int64_t samples = data.test.inputs.shape()[0], horizon = data.horizon;
  Errors errors;
  for (std::int64_t s = 0; s < samples; ++s)
    for (std::int64_t h = 0; h < horizon; ++h) {
      const double error = std::abs(forecast(s, h) - data.months[std::size_t(data.test.first_target_month + s + h)]);
      errors.mae += error;
      if (h == 0) errors.first_month_mae += error;
      if (h == horizon - 1) errors.last_month_mae += error;
    }
  errors.mae /= double(samples * horizon);
  errors.first_month_mae /= double(samples);
  errors.last_month_mae /= double(samples);
  return errors;
}

}  // namespace

bool print_test_table(const SunspotData& data, const std::string& model_name, const std::vector<float>& predicted) {
  const std::int64_t horizon = data.horizon;
  const auto model_errors = errors_of(data, [&](std::int64_t s, std::int64_t h) { return data.unscale(predicted[std::size_t(s * horizon + h)]); });
  const auto persistence = errors_of(data, [&](std::int64_t s, std::int64_t) {
    return data.months[std::size_t(data.test.first_target_month + s - 1)];
  });
  const auto cycle = errors_of(data, [&](std::int64_t s, std::int64_t h) {
    return data.months[std::size_t(data.test.first_target_month + s + h - cycle_months)];
  });
  const auto climatology = errors_of(data, [&](std::int64_t, std::int64_t) { return data.mean; });

  fmt::print("\nTest span {:.0f}–{:.0f}, mean absolute error in sunspots (lower is better):\n", data.year_of(data.test.first_target_month),
             data.year_of(std::int64_t(data.months.size())));
  fmt::print("  {:<46} {:>8} {:>10} {:>11}\n", "forecaster", "1..12", "1 month", "12 months");
  const auto row = [](const std::string& name, const Errors& e) {
    fmt::print("  {:<46} {:>8.2f} {:>10.2f} {:>11.2f}\n", name, e.mae, e.first_month_mae, e.last_month_mae);
  };
  row(model_name + " (minidl)", model_errors);
  row("persistence: the last observed month", persistence);
  row("cycle: the same month one cycle (132) earlier", cycle);
  row("the training span's mean", climatology);
  const bool beats = model_errors.mae < std::min({persistence.mae, cycle.mae, climatology.mae});
  fmt::print("The {} {} every baseline.\n", model_name, beats ? "beats" : "does NOT beat");
  return beats;
}

}  // namespace examples
