#include "sunspots.hpp"

#include <cmath>
#include <numeric>

using namespace minidl;

namespace examples {

namespace {

Windows windows_of(const SunspotData& data, std::int64_t begin, std::int64_t end) {
  std::vector<double> scaled;
  for (std::int64_t month = begin; month < end; ++month) scaled.push_back((data.months[std::size_t(month)] - data.mean) / data.scale);
  const Tensor span(scaled, {end - begin, 1});
  auto [inputs, targets] = models::sliding_windows(cast(span, DType::float32), {.window = data.window, .horizon = data.horizon});
  return {inputs, targets, begin + data.window};
}

}  // namespace

SunspotData load_sunspots(const std::string& csv_path, std::int64_t window, std::int64_t horizon) {
  const Tensor table = io::load_csv(csv_path, {.skip_rows = 1, .columns = {0, 2}, .dtype = DType::float64});
  SunspotData data;
  const auto cells = table.to_vector<double>();
  for (std::size_t row = 0; row < cells.size() / 2; ++row) data.months.push_back(cells[2 * row + 1]);
  data.first_year = std::int64_t(cells.at(0));
  data.window = window;
  data.horizon = horizon;
  const auto months = std::int64_t(data.months.size());
  const std::int64_t train_end = std::llround(0.70 * double(months)), validation_end = std::llround(0.85 * double(months));
  const auto begin = data.months.begin();
  data.mean = std::accumulate(begin, begin + train_end, 0.0) / double(train_end);
  double squares = 0;
  for (auto month = begin; month != begin + train_end; ++month) squares += (*month - data.mean) * (*month - data.mean);
  data.scale = std::sqrt(squares / double(train_end));
  data.train = windows_of(data, 0, train_end);
  data.validation = windows_of(data, train_end, validation_end);
  data.test = windows_of(data, validation_end, months);
  return data;
}

}  // namespace examples
