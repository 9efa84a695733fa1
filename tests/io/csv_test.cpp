// load_csv: every row and every cell is checked, so that a file that is not the rectangle of
// numbers it seems to be is an error naming the file, the row, the column and the cell.
#include "../support/temporary.hpp"

#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

std::string load_error(const std::string& path, const std::string& text, const io::CsvOptions& options = {}) {
  testing::write_file(path, text);
  try {
    io::load_csv(path, options);
  } catch (const InvalidArgument& error) {
    return error.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("load_csv reads quoted cells, spaces, a leading plus, CRLF and blank lines, and keeps the columns asked for") {
  const std::string path = testing::temporary("minidl_load_csv.csv");
  testing::write_file(path, "time,\"level, m\",flow\r\n1,0.1,+3\r\n\r\n2, 0.25 ,\"-4e2\"\r\n");
  const Tensor everything = io::load_csv(path, {.skip_rows = 1, .dtype = DType::float64});
  CHECK(everything.shape() == Shape{2, 3});
  CHECK(everything.to_vector<double>() == std::vector<double>{1, 0.1, 3, 2, 0.25, -400});
  const Tensor picked = io::load_csv(path, {.skip_rows = 1, .columns = {2, 0}});
  CHECK(picked.dtype() == DType::float32);
  CHECK(picked.to_vector<double>() == std::vector<double>{3, 1, -400, 2});
  testing::write_file(path, "1;2\n3;4\n");
  CHECK(io::load_csv(path, {.delimiter = ';'}).to_vector<double>() == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("load_csv refuses ragged rows, other delimiters, units, comments and empty files, naming file, row, column and cell") {
  const std::string path = testing::temporary("minidl_load_csv_bad.csv");
  const std::string file = "load_csv: " + path;
  // Six cells in rows of 3, 2 and 1 would fill a 2 × 3 rectangle: each row is checked on its own.
  CHECK(load_error(path, "1,2,3\n4,5\n6\n") == file + ", row 2: 2 cells where the first row read has 3");
  CHECK(load_error(path, "1;2\n3;4\n") == file + ", row 1, column 1: '1;2' is not a number");
  CHECK(load_error(path, "w,h\n1,2\n3,1.5kg\n", {.skip_rows = 1}) == file + ", row 3, column 2: '1.5kg' is not a number");
  CHECK(load_error(path, "# measured in May\n1,2\n") == file + ", row 1, column 1: '# measured in May' is not a number");
  CHECK(load_error(path, "1,2\n#3,4\n") == file + ", row 2, column 1: '#3' is not a number");
  // A cell outside the kept columns is checked too.
  CHECK(load_error(path, "1,2\n3,x\n", {.columns = {0}}) == file + ", row 2, column 2: 'x' is not a number");
  CHECK(load_error(path, "1,1e999\n") == file + ", row 1, column 2: '1e999' is out of the range of a double");
  CHECK(load_error(path, "1,+-1\n") == file + ", row 1, column 2: '+-1' is not a number");
  CHECK(load_error(path, std::string("1,1.5\0kg\n", 10)) == file + ", row 1, column 2: '1.5\\0kg' is not a number");
  CHECK(load_error(path, "") == file + " has no rows after the 0 skipped");
  CHECK(load_error(path, "a,b\n", {.skip_rows = 1}) == file + " has no rows after the 1 skipped");
  CHECK(load_error(path, "1,\"2\n").find(file + " is not valid CSV after row 0") == 0);
  CHECK(load_error(path, "1,2\n", {.columns = {2}}) ==
        "load_csv: invalid argument `columns`: expected column indices in [0, 2) for " + path + ", received 2");
}
