#include <minidl/io/csv_reader.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csv.h>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <system_error>

namespace minidl::io {

struct CsvReader::Parser {
  std::string path, caller;
  ReadableFile file;
  std::size_t chunk_bytes = 1;
  csv_parser libcsv{};
  std::vector<char> buffer;
  std::vector<std::string> cells;
  std::deque<std::vector<std::string>> rows;
  bool finished = false;
  std::int64_t row_number = 0;

  static void on_cell(void* text, std::size_t length, void* self) {
    auto& parser = *static_cast<Parser*>(self);
    // By its length: a NUL byte inside a cell is part of it ("1.5\0kg" is not a number).
    std::string_view cell(static_cast<const char*>(text), length);
    // The byte order mark Excel puts before "CSV UTF-8" files is not part of the first cell.
    if (parser.row_number == 0 && parser.rows.empty() && parser.cells.empty() && cell.starts_with("\xEF\xBB\xBF")) cell.remove_prefix(3);
    parser.cells.emplace_back(cell);
  }
  static void on_row_end(int, void* self) {
    auto& parser = *static_cast<Parser*>(self);
    parser.rows.push_back(std::move(parser.cells));
    parser.cells.clear();
  }

  void read_chunk() {
    buffer.resize(chunk_bytes);
    const std::size_t read = std::fread(buffer.data(), 1, chunk_bytes, file.get());
    if (read > 0 && csv_parse(&libcsv, buffer.data(), read, on_cell, on_row_end, this) != read) fail();
    if (read < chunk_bytes) {
      if (std::ferror(file.get())) throw InvalidArgument(fmt::format("{}: cannot read {}: {}", caller, path, std::strerror(errno)));
      if (csv_fini(&libcsv, on_cell, on_row_end, this) != 0) fail();
      finished = true;
    }
  }

  [[noreturn]] void fail() {
    throw InvalidArgument(fmt::format("{}: {} is not valid CSV after row {}: {}", caller, path, row_number + std::int64_t(rows.size()),
                                      csv_strerror(csv_error(&libcsv))));
  }
};

CsvReader::CsvReader(const std::string& path, char delimiter, std::string caller, std::size_t chunk_bytes)
    : parser_(std::make_unique<Parser>()) {
  parser_->file = open_regular_file(path, caller.c_str());
  parser_->path = path;
  parser_->caller = std::move(caller);
  parser_->chunk_bytes = std::max<std::size_t>(chunk_bytes, 1);
  if (csv_init(&parser_->libcsv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    throw MemoryError(fmt::format("{}: libcsv could not make a parser", parser_->caller));
  csv_set_delim(&parser_->libcsv, static_cast<unsigned char>(delimiter));
}

CsvReader::~CsvReader() { csv_free(&parser_->libcsv); }

std::optional<std::vector<std::string>> CsvReader::next() {
  while (parser_->rows.empty() && !parser_->finished) parser_->read_chunk();
  if (parser_->rows.empty()) return std::nullopt;
  auto row = std::move(parser_->rows.front());
  parser_->rows.pop_front();
  ++parser_->row_number;
  return row;
}

std::int64_t CsvReader::row_number() const { return parser_->row_number; }

const std::string& CsvReader::path() const { return parser_->path; }

double CsvReader::number(std::string_view cell, std::size_t column, std::string_view column_name) const {
  const char* begin = cell.data();
  const char* end = begin + cell.size();
  while (begin < end && (*begin == ' ' || *begin == '\t')) ++begin;
  while (end > begin && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) --end;
  if (end - begin > 1 && *begin == '+' && begin[1] != '-' && begin[1] != '+') ++begin;
  double value = 0;
  const auto [stop, error] = std::from_chars(begin, end, value);
  const bool valid = begin != end && stop == end && (error == std::errc() || error == std::errc::result_out_of_range);
  if (valid && error == std::errc()) return value;
  // A NUL byte would end the message where what() is read as a C string: it is shown as \0.
  std::string shown;
  for (const char c : cell) shown += c == '\0' ? std::string("\\0") : std::string(1, c);
  const std::string label =
      column_name.empty() ? fmt::format("column {}", column + 1) : fmt::format("column '{}' ({})", column_name, column + 1);
  throw InvalidArgument(fmt::format("{}: {}, row {}, {}: '{}' {}", parser_->caller, parser_->path, parser_->row_number, label, shown,
                                    valid ? "is out of the range of a double" : "is not a number"));
}

}  // namespace minidl::io
