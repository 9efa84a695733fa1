#pragma once
// Numeric CSV files into tensors, read with libcsv (quoted cells as RFC 4180 has them).
//   Tensor table = io::load_csv("sunspot_month.csv", {.skip_rows = 1, .columns = {2}});
#include <minidl/core/tensor.hpp>

#include <string>
#include <vector>

namespace minidl::io {

struct CsvOptions {
  char delimiter = ',';
  // Rows skipped at the start (a header), unchecked.
  std::size_t skip_rows = 0;
  // The columns kept, in this order (empty: all).
  std::vector<std::int64_t> columns = {};
  DType dtype = DType::float32;
};

// (rows, columns). Every cell of every row after the skipped ones, kept or not, must be a number
// (spaces around it and a leading '+' allowed) and every row as long as the first; otherwise
// InvalidArgument names the file, the row and column (counted from 1, as a spreadsheet shows them)
// and the cell. A file with no rows left is an error; blank lines are not rows.
Tensor load_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace minidl::io
