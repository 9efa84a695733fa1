#pragma once
// The test-span comparison every sunspot forecaster prints: its mean absolute error next to three
// honest baselines (persistence, the value one solar cycle earlier, the training span's mean).
#include "sunspots.hpp"

#include <string>
#include <vector>

namespace examples {

// `predicted`: the model's scaled forecasts of the test windows, (samples, horizon) flat. Prints
// the table and whether the model beats every baseline over the whole horizon; returns that.
bool print_test_table(const SunspotData& data, const std::string& model_name, const std::vector<float>& predicted);

}  // namespace examples
