#include <minidl/datasets/csv_dataset.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/io/csv_reader.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string_view>

namespace minidl::datasets {

namespace {

struct Layout {
  std::vector<std::string> names;  // every column's
  std::vector<std::size_t> x, y;   // positions
};

std::size_t position_of(const std::string& column, const std::vector<std::string>& names, const std::string& path, bool header) {
  const auto found = std::find(names.begin(), names.end(), column);
  if (found == names.end())
    throw InvalidArgument(fmt::format("csv_dataset: column '{}' is not in {} (its columns: {})", column, path,
                                      header ? fmt::format("{}", fmt::join(names, ", ")) : fmt::format("0 to {}", names.size() - 1)));
  return std::size_t(found - names.begin());
}

Layout layout_of(const std::string& path, const CsvOptions& options) {
  io::CsvReader reader(path, options.delimiter, "csv_dataset", options.chunk_bytes);
  const auto first = reader.next();
  if (!first) throw InvalidArgument(fmt::format("csv_dataset: {} is empty", path));
  Layout layout;
  for (std::size_t i = 0; i < first->size(); ++i) layout.names.push_back(options.header ? (*first)[i] : std::to_string(i));
  for (const auto& column : options.y_columns) layout.y.push_back(position_of(column, layout.names, path, options.header));
  for (const auto& column : options.x_columns) layout.x.push_back(position_of(column, layout.names, path, options.header));
  if (options.x_columns.empty())
    for (std::size_t i = 0; i < layout.names.size(); ++i)
      if (std::find(layout.y.begin(), layout.y.end(), i) == layout.y.end()) layout.x.push_back(i);
  if (layout.x.empty()) throw InvalidArgument(fmt::format("csv_dataset: no column of {} is left for x", path));
  return layout;
}

class CsvRows : public Dataset::Node {
 public:
  CsvRows(std::string path, CsvOptions options) : path_(std::move(path)), options_(std::move(options)) {
    dtype_ = parse_dtype(options_.dtype, "csv_dataset");
    layout_ = layout_of(path_, options_);
  }

  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      const CsvRows& rows;
      io::CsvReader reader;
      explicit Pass(const CsvRows& owner)
          : rows(owner), reader(owner.path_, owner.options_.delimiter, "csv_dataset", owner.options_.chunk_bytes) {
        if (rows.options_.header) reader.next();
      }
      std::optional<Element> next() override {
        const auto cells = reader.next();
        if (!cells) return std::nullopt;
        if (cells->size() != rows.layout_.names.size())
          throw InvalidArgument(fmt::format("csv_dataset: {}, row {}: {} cells where {} has {}", reader.path(), reader.row_number(),
                                            cells->size(), rows.options_.header ? "the header" : "the first row", rows.layout_.names.size()));
        Element element{.x = {convert(*cells, rows.layout_.x)}, .y = {}};
        if (!rows.layout_.y.empty()) element.y.push_back(convert(*cells, rows.layout_.y));
        return element;
      }
      Tensor convert(const std::vector<std::string>& cells, const std::vector<std::size_t>& columns) {
        Tensor values = Tensor::empty({std::int64_t(columns.size())}, rows.dtype_);
        dispatch(rows.dtype_, [&]<class T>() {
          for (std::size_t i = 0; i < columns.size(); ++i) values.data<T>()[i] = T(reader.number(cells[columns[i]], columns[i], rows.layout_.names[columns[i]]));
        });
        return values;
      }
    };
    return std::make_unique<Pass>(*this);
  }
  std::int64_t cardinality() const override { return unknown_cardinality; }

 private:
  std::string path_;
  CsvOptions options_;
  DType dtype_ = DType::float32;
  Layout layout_;
};

}  // namespace

Dataset csv_dataset(const std::string& path, const CsvOptions& options) { return Dataset(std::make_shared<CsvRows>(path, options)); }

}  // namespace minidl::datasets
