#include <minidl/datasets/csv_dataset.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csv.h>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string_view>

namespace minidl::datasets {

namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads a CSV file a chunk at a time and hands over its rows as lists of cells.
class RowReader {
 public:
  RowReader(const std::string& path, char delimiter, std::size_t chunk_bytes)
      : path_(path), file_(std::fopen(path.c_str(), "rb")), chunk_(std::max<std::size_t>(chunk_bytes, 1)) {
    if (!file_) throw InvalidArgument(fmt::format("csv_dataset: cannot open {}: {}", path, std::strerror(errno)));
    if (csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
      throw MemoryError("csv_dataset: libcsv could not make a parser");
    csv_set_delim(&parser_, static_cast<unsigned char>(delimiter));
  }
  ~RowReader() { csv_free(&parser_); }
  RowReader(const RowReader&) = delete;
  RowReader& operator=(const RowReader&) = delete;

  // The next row's cells, or nothing at the end of the file.
  std::optional<std::vector<std::string>> next() {
    while (rows_.empty() && !finished_) read_chunk();
    if (rows_.empty()) return std::nullopt;
    auto row = std::move(rows_.front());
    rows_.pop_front();
    ++row_number_;
    return row;
  }
  // 1-based, the header included: the row a spreadsheet shows.
  std::int64_t row_number() const { return row_number_; }
  const std::string& path() const { return path_; }

 private:
  static void on_cell(void* text, std::size_t, void* self) {
    auto& reader = *static_cast<RowReader*>(self);
    std::string_view cell(static_cast<const char*>(text));
    // The byte order mark Excel puts before "CSV UTF-8" files is not part of the first column's name.
    if (reader.row_number_ == 0 && reader.rows_.empty() && reader.cells_.empty() && cell.starts_with("\xEF\xBB\xBF")) cell.remove_prefix(3);
    reader.cells_.emplace_back(cell);
  }
  static void on_row_end(int, void* self) {
    auto& reader = *static_cast<RowReader*>(self);
    reader.rows_.push_back(std::move(reader.cells_));
    reader.cells_.clear();
  }

  void read_chunk() {
    buffer_.resize(chunk_);
    const std::size_t read = std::fread(buffer_.data(), 1, chunk_, file_.get());
    if (read > 0 && csv_parse(&parser_, buffer_.data(), read, on_cell, on_row_end, this) != read) fail();
    if (read < chunk_) {
      if (std::ferror(file_.get())) throw InvalidArgument(fmt::format("csv_dataset: cannot read {}: {}", path_, std::strerror(errno)));
      if (csv_fini(&parser_, on_cell, on_row_end, this) != 0) fail();
      finished_ = true;
    }
  }

  [[noreturn]] void fail() {
    throw InvalidArgument(fmt::format("csv_dataset: {} is not valid CSV after row {}: {}", path_, row_number_ + std::int64_t(rows_.size()),
                                      csv_strerror(csv_error(&parser_))));
  }

  std::string path_;
  File file_;
  std::size_t chunk_;
  csv_parser parser_{};
  std::vector<char> buffer_;
  std::vector<std::string> cells_;
  std::deque<std::vector<std::string>> rows_;
  bool finished_ = false;
  std::int64_t row_number_ = 0;
};

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
  RowReader reader(path, options.delimiter, options.chunk_bytes);
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
      RowReader reader;
      explicit Pass(const CsvRows& owner) : rows(owner), reader(owner.path_, owner.options_.delimiter, owner.options_.chunk_bytes) {
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
          for (std::size_t i = 0; i < columns.size(); ++i) values.data<T>()[i] = T(number(cells[columns[i]], columns[i]));
        });
        return values;
      }
      double number(const std::string& cell, std::size_t column) {
        const char* begin = cell.data();
        const char* end = begin + cell.size();
        while (begin < end && (*begin == ' ' || *begin == '\t')) ++begin;
        while (end > begin && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) --end;
        if (end - begin > 1 && *begin == '+') ++begin;  // "+1.5", as NumPy and pandas read it
        double value = 0;
        const auto [stop, error] = std::from_chars(begin, end, value);
        if (begin == end || stop != end || (error != std::errc() && error != std::errc::result_out_of_range))
          throw InvalidArgument(fmt::format("csv_dataset: {}, row {}, column '{}' ({}): '{}' is not a number", reader.path(),
                                            reader.row_number(), rows.layout_.names[column], column + 1, cell));
        if (error == std::errc::result_out_of_range)
          throw InvalidArgument(fmt::format("csv_dataset: {}, row {}, column '{}' ({}): '{}' is out of the range of a double",
                                            reader.path(), reader.row_number(), rows.layout_.names[column], column + 1, cell));
        return value;
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
