#pragma once
// CSV files a row at a time through libcsv (RFC 4180: quoted cells, embedded delimiters and line
// breaks), for load_csv and csv_dataset. Errors name the caller, the file and the row, counted from
// 1 as a spreadsheet shows them.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minidl::io {

class CsvReader {
 public:
  // Opens `path`, which must be a regular file (read_whole_file's rule), and reads it a chunk of
  // `chunk_bytes` at a time. `caller` begins every error.
  CsvReader(const std::string& path, char delimiter, std::string caller, std::size_t chunk_bytes = std::size_t{1} << 16);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next row's cells, or nothing at the end of the file. Blank lines are not rows.
  std::optional<std::vector<std::string>> next();
  // The row next() returned last.
  std::int64_t row_number() const;
  const std::string& path() const;

  // A cell of that row as a number: spaces or tabs around it and a leading '+' (as NumPy and pandas
  // read them), nothing else. The error names the column by its position from 0 (shown from 1) and
  // its name when it has one: "column 'b' (2)" or "column 2".
  double number(std::string_view cell, std::size_t column, std::string_view column_name = {}) const;

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace minidl::io
