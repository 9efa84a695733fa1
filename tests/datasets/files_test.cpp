// The file sources: .npy files written by NumPy (tests/data/numpy/generate_data_cases.py), read in
// place, and CSV files read a chunk at a time, with the errors for files they cannot read.
#include "../support/golden.hpp"
#include "../support/temporary.hpp"

#include <doctest/doctest.h>
#include <minidl/datasets/csv_dataset.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

std::string numpy_file(const std::string& name) { return std::string(MINIDL_TEST_DATA_DIR) + "/numpy/" + name; }

std::vector<double> all_rows(const datasets::Array& array) {
  std::vector<double> values(std::size_t(array.rows() * array.row_size()));
  dispatch(array.dtype(), [&]<class T>() {
    std::vector<T> raw(values.size());
    array.copy_rows(0, array.rows(), 1, raw.data());
    std::copy(raw.begin(), raw.end(), values.begin());
  });
  return values;
}

std::string refusal(const std::string& path) {
  try {
    datasets::Array::open_npy(path);
  } catch (const InvalidArgument& error) {
    return error.what();
  }
  return "accepted";
}

std::vector<std::vector<double>> csv_rows(const datasets::Dataset& dataset, bool targets) {
  std::vector<std::vector<double>> rows;
  for (auto pass = dataset.iterate(); auto element = pass.next();) {
    rows.push_back(element->x[0].to_vector<double>());
    if (targets) rows.back().push_back(element->y.at(0).item());
  }
  return rows;
}

}  // namespace

TEST_CASE("open_npy reads what NumPy wrote: shapes, dtypes, values, format 2.0") {
  const auto expected = testing::load_test_data("numpy/npy_expected.json").at("files");
  for (const auto& item : expected.items()) {
    // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const std::string name = item.key();
    const auto& file = item.value();
    CAPTURE(name);
    const auto array = datasets::Array::open_npy(numpy_file(name));
    CHECK(array.shape() == file.at("shape").get<Shape>());
    CHECK(dtype_name(array.dtype()) == file.at("dtype").get<std::string>());
    CHECK(all_rows(array) == file.at("data").get<std::vector<double>>());
  }
  const auto cube = datasets::Array::open_npy(numpy_file("cube_f4_v2.npy"));
  std::vector<float> rows(24);
  cube.copy_rows(1, 1, 1, rows.data());
  CHECK(rows[0] == 12.0f);
  const auto matrix = datasets::Array::open_npy(numpy_file("matrix_f4.npy"));
  const auto tail = matrix.slice(3, 5);
  CHECK(tail.shape() == Shape{2, 3});
  const auto values = all_rows(matrix);
  CHECK(all_rows(tail) == std::vector<double>(values.begin() + 9, values.end()));
  CHECK_THROWS_WITH_AS(matrix.slice(2, 6),
                       fmt::format("Array.slice: invalid argument `first, last`: expected 0 <= first <= last <= 5 (the rows of {}), received "
                                   "first=2, last=6",
                                   numpy_file("matrix_f4.npy"))
                           .c_str(),
                       InvalidArgument);
}

TEST_CASE("open_npy refuses what it cannot read, naming the file and why") {
  const std::string prefix = "Array.open_npy: ";
  CHECK(refusal(numpy_file("integers_i8.npy")) ==
        prefix + numpy_file("integers_i8.npy") +
            " is not a .npy file minidl can read: dtype '<i8' (minidl reads float32 '<f4' and float64 '<f8', little-endian)");
  CHECK(refusal(numpy_file("big_endian_f4.npy")).find("dtype '>f4'") != std::string::npos);
  CHECK(refusal(numpy_file("fortran_f4.npy")) ==
        prefix + numpy_file("fortran_f4.npy") +
            " is not a .npy file minidl can read: it is in Fortran order (save it with numpy.ascontiguousarray first)");
  CHECK(refusal(numpy_file("truncated_f4.npy")) ==
        prefix + numpy_file("truncated_f4.npy") +
            " is not a .npy file minidl can read: it is truncated: its shape (5, 3) needs 60 bytes of data, the file has 55");
  // A shape whose product wraps around 2^64 to 0 must not pass for a small file.
  const std::string wrapping = testing::temporary("minidl_wrapping.npy");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (32768, 562949953421312), }";
  header.resize(118, ' ');
  testing::write_file(wrapping, std::string("\x93NUMPY\x01\x00", 8) + std::string(1, char(119)) + std::string(1, '\0') + header + "\n" +
                                    std::string(64, '\0'));
  CHECK(refusal(wrapping) == prefix + wrapping +
                                 " is not a .npy file minidl can read: its shape (32768, 562949953421312) needs more values than the file's 193 "
                                 "bytes hold");
  const std::string text = testing::temporary("minidl_not_npy.npy");
  testing::write_file(text, "year,month\n1749,1\n");
  CHECK(refusal(text) == prefix + text + " is not a .npy file minidl can read: it does not start with the .npy magic bytes");
  CHECK(refusal("/nonexistent/series.npy") ==
        prefix + "/nonexistent/series.npy is not a .npy file minidl can read: cannot open it: No such file or directory");
}

TEST_CASE("csv_dataset reads rows by column name, in chunks of any size") {
  const std::string path = testing::temporary("minidl_csv_dataset.csv");
  testing::write_file(path, "hour,temperature,load\n0,12.5,100\n1, 11.0 ,98.5\n2,-3e-1,97\r\n3,10,96\n");
  const std::vector<std::vector<double>> expected = {{12.5, 0, 100}, {11.0, 1, 98.5}, {-0.3, 2, 97}, {10, 3, 96}};
  for (const std::size_t chunk : {std::size_t(1), std::size_t(7), std::size_t(1) << 16}) {
    CAPTURE(chunk);
    const auto rows = datasets::csv_dataset(path, {.x_columns = {"temperature", "hour"}, .y_columns = {"load"}, .dtype = "float64",
                                               .chunk_bytes = chunk});
    CHECK(csv_rows(rows, true) == expected);
  }
  const auto everything = datasets::csv_dataset(path, {.dtype = "float64"});
  CHECK(csv_rows(everything, false).at(1) == std::vector<double>{1, 11.0, 98.5});
  const auto batched = datasets::csv_dataset(path, {.y_columns = {"load"}}).batch(3);
  auto pass = batched.iterate();
  CHECK(pass.next()->x[0].shape() == Shape{3, 2});
}

TEST_CASE("csv_dataset refuses cells that are not numbers, ragged rows and unknown columns, naming file, row and column") {
  const std::string path = testing::temporary("minidl_csv_bad.csv");
  const auto first_error = [&](const std::string& text, datasets::CsvOptions options = {}) {
    testing::write_file(path, text);
    try {
      const auto rows = datasets::csv_dataset(path, options);
      for (auto pass = rows.iterate(); pass.next();) {
      }
    } catch (const InvalidArgument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK(first_error("a,b\n1,2\n3,1.5kg\n") == "csv_dataset: " + path + ", row 3, column 'b' (2): '1.5kg' is not a number");
  CHECK(first_error("a,b\n1,2\n3\n") == "csv_dataset: " + path + ", row 3: 1 cells where the header has 2");
  CHECK(first_error("a,b\n1,2\n#3,4\n") == "csv_dataset: " + path + ", row 3, column 'a' (1): '#3' is not a number");
  CHECK(first_error("a;b\n1;2\n", {.x_columns = {"a"}}) == "csv_dataset: column 'a' is not in " + path + " (its columns: a;b)");
  CHECK(first_error("1;2\n3;4\n", {.header = false, .delimiter = ';'}) == "accepted");
  CHECK(first_error("a,b\n\"1,2\n") .find("is not valid CSV") != std::string::npos);
  CHECK(first_error("") == "csv_dataset: " + path + " is empty");
  CHECK(first_error("a,b\n1,1e999\n") == "csv_dataset: " + path + ", row 2, column 'b' (2): '1e999' is out of the range of a double");
  CHECK(first_error("\xEF\xBB\xBF" "a,b\n+1.5,2\n", {.x_columns = {"a"}}) == "accepted");
  CHECK(first_error("a,b\n+,2\n") == "csv_dataset: " + path + ", row 2, column 'a' (1): '+' is not a number");
}
