#pragma once
// A CSV file of numbers as a dataset of its rows, read a chunk at a time (so its size does not
// matter) through libcsv. Every cell is checked: a cell that is not a number, or a row with another
// number of cells than the header, stops the pass with an error naming the file, the row, the
// column and the cell.
//   auto rows = datasets::csv_dataset("load.csv", {.x_columns = {"temperature", "hour"}, .y_columns = {"load"}});
#include <minidl/datasets/dataset.hpp>

#include <string>
#include <vector>

namespace minidl::datasets {

struct CsvOptions {
  // The columns of x and of y, by name when the file has a header, else by position ("0", "1", …).
  // x_columns empty: every column not in y_columns.
  std::vector<std::string> x_columns = {};
  std::vector<std::string> y_columns = {};
  // Whether the first row names the columns.
  bool header = true;
  char delimiter = ',';
  // float32 or float64.
  std::string dtype = "float32";
  // Bytes read from the file at a time.
  std::size_t chunk_bytes = std::size_t{1} << 16;
};

// Elements: x = {(len(x_columns),)}, y = {(len(y_columns),)} or none. The header is read (and the
// columns checked) here; rows are read as the dataset is iterated.
Dataset csv_dataset(const std::string& path, const CsvOptions& options = {});

}  // namespace minidl::datasets
