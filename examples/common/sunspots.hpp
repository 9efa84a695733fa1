#pragma once
// The monthly sunspot series (examples/data/sunspot_month.csv), split by time into train,
// validation and test spans, scaled with the training span's mean and standard deviation only,
// and cut into windows of `window` months followed by `horizon` months to forecast.
#include <minidl/minidl.hpp>

#include <string>

namespace examples {

struct Windows {
  minidl::Tensor inputs;   // (samples, window, 1), scaled
  minidl::Tensor targets;  // (samples, horizon), scaled
  std::int64_t first_target_month = 0;  // index in the series of sample 0's first target month
};

struct SunspotData {
  std::vector<double> months;  // the raw series
  std::int64_t first_year = 0;
  double mean = 0, scale = 1;  // of the training span
  std::int64_t window = 0, horizon = 0;
  Windows train, validation, test;

  double unscale(double value) const { return value * scale + mean; }
  // "1749-01" style label of a month index, as a fractional year for plotting.
  double year_of(std::int64_t month) const { return double(first_year) + double(month) / 12.0; }
};

// Fractions 70% / 15% / 15%. Throws when the file is missing or malformed.
SunspotData load_sunspots(const std::string& csv_path, std::int64_t window, std::int64_t horizon);

}  // namespace examples
