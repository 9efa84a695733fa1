// timeseries_dataset_from_array against Keras's docstring examples, against NumPy goldens of its
// index arithmetic (tests/data/numpy/generate_data_cases.py), and Keras's argument checks.
#include "../support/golden.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <minidl/datasets/timeseries.hpp>
#include <minidl/minidl.hpp>
#include <numeric>

using namespace minidl;

namespace {

std::vector<std::vector<double>> rows_of(const Tensor& tensor) {
  std::vector<std::vector<double>> rows;
  const auto values = tensor.to_vector<double>();
  const std::int64_t width = tensor.dim(0) == 0 ? 0 : tensor.size() / tensor.dim(0);
  for (std::int64_t r = 0; r < tensor.dim(0); ++r) rows.emplace_back(values.begin() + r * width, values.begin() + (r + 1) * width);
  return rows;
}

std::vector<datasets::Element> all_of(const datasets::Dataset& dataset) {
  std::vector<datasets::Element> elements;
  for (auto pass = dataset.iterate(); auto element = pass.next();) elements.push_back(std::move(*element));
  return elements;
}

datasets::Array arange(std::int64_t n) { return datasets::Array::from_tensor(Tensor::arange(0, double(n), 1, DType::float64)); }

}  // namespace

TEST_CASE("timeseries_dataset_from_array: Keras's docstring examples") {
  SUBCASE("example 1: indices 0..98, sequence_length 10, sampling_rate 2, sequence_stride 3") {
    const auto elements = all_of(datasets::timeseries_dataset_from_array(
        arange(99), std::nullopt, {.sequence_length = 10, .sequence_stride = 3, .sampling_rate = 2, .batch_size = std::nullopt}));
    REQUIRE(elements.size() == 27);
    CHECK(elements[0].x[0].to_vector<double>() == std::vector<double>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18});
    CHECK(elements[1].x[0].to_vector<double>() == std::vector<double>{3, 5, 7, 9, 11, 13, 15, 17, 19, 21});
    CHECK(elements[2].x[0].to_vector<double>() == std::vector<double>{6, 8, 10, 12, 14, 16, 18, 20, 22, 24});
    CHECK(elements.back().x[0].to_vector<double>() == std::vector<double>{78, 80, 82, 84, 86, 88, 90, 92, 94, 96});
    CHECK(elements[0].y.empty());
  }
  SUBCASE("example 2: the past 10 steps predict the next one") {
    const Tensor series = Tensor::arange(0, 50, 1, DType::float64) * 0.5;
    const auto data = datasets::Array::from_tensor(series);
    const auto windows = datasets::timeseries_dataset_from_array(data.slice(0, 40), data.slice(10, 50), {.sequence_length = 10});
    const auto elements = all_of(windows);
    REQUIRE(elements.size() == 1);
    CHECK(elements[0].x[0].shape() == Shape{31, 10});
    CHECK(rows_of(elements[0].x[0])[0] == slice(series, 0, 0, 10).to_vector<double>());
    CHECK(elements[0].y[0].at({0}) == series.at({10}));
  }
  SUBCASE("example 3: non-overlapping windows of X and of Y = 2X") {
    const Tensor x = Tensor::arange(0, 100, 1, DType::float64), y = x * 2.0;
    const datasets::TimeseriesOptions options{.sequence_length = 20, .sequence_stride = 20};
    const auto inputs = all_of(datasets::timeseries_dataset_from_array(datasets::Array::from_tensor(x), std::nullopt, options));
    const auto targets = all_of(datasets::timeseries_dataset_from_array(datasets::Array::from_tensor(y), std::nullopt, options));
    CHECK(rows_of(inputs[0].x[0])[0] == slice(x, 0, 0, 20).to_vector<double>());
    CHECK(rows_of(targets[0].x[0])[1] == slice(y, 0, 20, 40).to_vector<double>());
  }
}

TEST_CASE("timeseries_dataset_from_array: windows and targets of 576 argument sets equal NumPy's") {
  const auto cases = testing::load_test_data("numpy/timeseries_cases.json").at("cases");
  int checked = 0, refused = 0;
  for (const auto& c : cases) {
    const auto optional_int = [&](const char* key) {
      return c.at(key).is_null() ? std::nullopt : std::optional<std::int64_t>(c.at(key).get<std::int64_t>());
    };
    const std::int64_t length = c.at("length");
    const auto targets_length = optional_int("targets_length");
    const datasets::TimeseriesOptions options{.sequence_length = c.at("sequence_length"), .sequence_stride = c.at("sequence_stride"),
                                          .sampling_rate = c.at("sampling_rate"), .batch_size = optional_int("batch_size"),
                                          .start_index = optional_int("start_index"), .end_index = optional_int("end_index")};
    CAPTURE(c.dump());
    const std::optional<datasets::Array> targets = targets_length ? std::optional(arange(*targets_length)) : std::nullopt;
    if (c.contains("error")) {
      CHECK_THROWS_WITH_AS(datasets::timeseries_dataset_from_array(arange(length), targets, options),
                           doctest::Contains("invalid argument `targets`: expected a target for every window"), InvalidArgument);
      ++refused;
      continue;
    }
    const auto dataset = datasets::timeseries_dataset_from_array(arange(length), targets, options);
    const auto elements = all_of(dataset);
    const auto& batches = c.at("batches");
    REQUIRE(elements.size() == batches.size());
    CHECK(dataset.cardinality() == std::int64_t(batches.size()));
    for (std::size_t b = 0; b < batches.size(); ++b) {
      const auto expected_x = batches[b].at("x").get<std::vector<std::vector<double>>>();
      const Tensor& x = elements[b].x[0];
      if (options.batch_size) CHECK(rows_of(x) == expected_x);
      else CHECK(x.to_vector<double>() == expected_x.at(0));
      if (targets_length) CHECK(elements[b].y.at(0).to_vector<double>() == batches[b].at("y").get<std::vector<double>>());
      else CHECK(elements[b].y.empty());
    }
    ++checked;
  }
  CHECK(checked == 542);
  CHECK(refused == 34);
}

TEST_CASE("timeseries_dataset_from_array: Keras's argument checks, and a window longer than the data") {
  const auto refusal = [](datasets::TimeseriesOptions options) {
    try {
      datasets::timeseries_dataset_from_array(arange(10), std::nullopt, options);
    } catch (const InvalidArgument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK(refusal({.sequence_length = 2, .start_index = -1}) ==
        "timeseries_dataset_from_array: invalid argument `start_index`: expected 0 or greater, received -1");
  CHECK(refusal({.sequence_length = 2, .start_index = 10}) ==
        "timeseries_dataset_from_array: invalid argument `start_index`: expected it lower than the length of the data (10), received 10");
  CHECK(refusal({.sequence_length = 2, .start_index = 5, .end_index = 5}) ==
        "timeseries_dataset_from_array: invalid argument `end_index`: expected it higher than start_index (5), received 5");
  // As Keras: end_index must be below the data's length.
  CHECK(refusal({.sequence_length = 2, .end_index = 10}) ==
        "timeseries_dataset_from_array: invalid argument `end_index`: expected it lower than the length of the data (10), received 10");
  CHECK(refusal({.sequence_length = 2, .sampling_rate = 0}) ==
        "timeseries_dataset_from_array: invalid argument `sampling_rate`: expected it higher than 0, received 0");
  CHECK(refusal({.sequence_length = 2, .sequence_stride = 10}) ==
        "timeseries_dataset_from_array: invalid argument `sequence_stride`: expected it lower than the length of the data (10), received 10");
  CHECK(refusal({.sequence_length = 0}) == "timeseries_dataset_from_array: invalid argument `sequence_length`: expected a positive integer, "
                                           "received 0");
  CHECK(refusal({.sequence_length = 6, .sampling_rate = 2}) ==
        "timeseries_dataset_from_array: invalid argument `sequence_length`: expected a window that fits the 10 rows of the data in use "
        "(rows 0 to 9); sequence_length 6 at sampling_rate 2 spans 11 rows, received 6");
  CHECK(refusal({.sequence_length = 5, .sampling_rate = 2}) == "accepted");
  CHECK(refusal({.sequence_length = std::int64_t{1} << 62, .sampling_rate = 8}).find("spans more than 2^63 rows") != std::string::npos);
}

TEST_CASE("timeseries_dataset_from_array: a shuffled pass is a permutation of the windows, reproducible by seed, new each pass") {
  const datasets::TimeseriesOptions options{.sequence_length = 3, .batch_size = std::nullopt, .shuffle = true, .seed = 7};
  const auto first_rows = [](const datasets::Dataset& dataset) {
    std::vector<double> firsts;
    for (auto pass = dataset.iterate(); auto element = pass.next();) firsts.push_back(element->x[0].at({0}));
    return firsts;
  };
  const auto dataset = datasets::timeseries_dataset_from_array(arange(40), std::nullopt, options);
  const auto first_pass = first_rows(dataset), second_pass = first_rows(dataset);
  auto sorted = first_pass;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> in_order(38);
  std::iota(in_order.begin(), in_order.end(), 0.0);
  CHECK(sorted == in_order);
  CHECK(first_pass != in_order);
  CHECK(second_pass != first_pass);
  CHECK(first_rows(datasets::timeseries_dataset_from_array(arange(40), std::nullopt, options)) == first_pass);
}
