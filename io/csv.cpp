#include <minidl/io/csv.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/xtensor_bridge.hpp>
#include <minidl/io/files.hpp>

#include <fmt/format.h>
#include <sstream>
#include <stdexcept>
#include <xtensor/xcsv.hpp>
#include <xtensor/xview.hpp>

namespace minidl::io {

Tensor load_csv(const std::string& path, const CsvOptions& options) {
  // Through read_whole_file: a device or a pipe is refused rather than read without end.
  std::istringstream file(read_whole_file(path, "load_csv"));
  xt::xtensor<double, 2> table;
  try {
    table = xt::load_csv<double>(file, options.delimiter, options.skip_rows);
  } catch (const std::invalid_argument&) {
    throw InvalidArgument(fmt::format("load_csv: {}: a cell is not a number (after skipping {} rows)", path, options.skip_rows));
  } catch (const std::out_of_range&) {
    throw InvalidArgument(fmt::format("load_csv: {}: a number is out of the range of a double", path));
  } catch (const std::runtime_error&) {
    throw InvalidArgument(fmt::format("load_csv: {}: the rows have different numbers of cells", path));
  }
  const auto width = std::int64_t(table.shape(1));
  if (options.columns.empty()) return cast(from_xtensor(table), options.dtype);
  std::vector<std::size_t> kept;
  for (const auto column : options.columns) {
    if (column < 0 || column >= width)
      throw_invalid_argument("load_csv", "columns", fmt::format("expected column indices in [0, {}) for {}", width, path),
                             std::to_string(column));
    kept.push_back(std::size_t(column));
  }
  const xt::xtensor<double, 2> selected = xt::view(table, xt::all(), xt::keep(kept));
  return cast(from_xtensor(selected), options.dtype);
}

}  // namespace minidl::io
