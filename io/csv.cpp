#include <minidl/io/csv.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/io/csv_reader.hpp>

#include <fmt/format.h>

namespace minidl::io {

Tensor load_csv(const std::string& path, const CsvOptions& options) {
  CsvReader reader(path, options.delimiter, "load_csv");
  for (std::size_t skipped = 0; skipped < options.skip_rows && reader.next(); ++skipped) {
  }
  std::vector<double> values;
  std::size_t width = 0;
  std::vector<std::size_t> kept;
  std::int64_t rows = 0;
  while (const auto cells = reader.next()) {
    if (rows == 0) {
      width = cells->size();
      for (const auto column : options.columns) {
        if (column < 0 || column >= std::int64_t(width))
          throw_invalid_argument("load_csv", "columns", fmt::format("expected column indices in [0, {}) for {}", width, path),
                                 std::to_string(column));
        kept.push_back(std::size_t(column));
      }
      if (options.columns.empty())
        for (std::size_t column = 0; column < width; ++column) kept.push_back(column);
    }
    if (cells->size() != width)
      throw InvalidArgument(fmt::format("load_csv: {}, row {}: {} cells where the first row read has {}", path, reader.row_number(),
                                        cells->size(), width));
    // Every cell is checked, kept or not: a cell that is not a number is a file that is not what it seems.
    std::vector<double> row(width);
    for (std::size_t column = 0; column < width; ++column)
      row[column] = reader.number((*cells)[column], column);
    for (const auto column : kept) values.push_back(row[column]);
    ++rows;
  }
  if (rows == 0) throw InvalidArgument(fmt::format("load_csv: {} has no rows after the {} skipped", path, options.skip_rows));
  return cast(Tensor(values, {rows, std::int64_t(kept.size())}), options.dtype);
}

}  // namespace minidl::io
