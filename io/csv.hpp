#pragma once
// Numeric CSV files into tensors, read with xtensor's CSV reader.
//   Tensor table = io::load_csv("sunspot_month.csv", {.skip_rows = 1, .columns = {2}});
#include <minidl/core/tensor.hpp>

#include <string>
#include <vector>

namespace minidl::io {

struct CsvOptions {
  char delimiter = ',';
  // Lines skipped at the start (a header).
  std::size_t skip_rows = 0;
  // The columns kept, in this order (empty: all).
  std::vector<std::int64_t> columns = {};
  DType dtype = DType::float32;
};

// (rows, columns). Every kept cell must be a number and every row as long as the first; otherwise
// InvalidArgument names the file and the fault.
Tensor load_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace minidl::io
