#pragma once
// The box table of Model::summary(), drawn as Keras draws it with rich when its output is not a
// terminal: fixed column widths, cells wrapped at spaces, a word too long for its column cut with
// "…". Shared by the Sequential-like and the functional layouts.
#include <string>
#include <vector>

namespace minidl::models {

struct SummaryColumn {
  std::string header;
  // Characters of text, without the padding and borders.
  std::size_t width;
  bool right_aligned = false;
};

std::string render_summary_table(const std::vector<SummaryColumn>& columns, const std::vector<std::vector<std::string>>& rows);

// "(None, 16, 4)": a shape with its batch extent as None.
std::string summary_shape(const std::vector<std::int64_t>& shape);

// 1234567 → "1,234,567", as Python's "{:,}".
std::string with_commas(std::int64_t count);

}  // namespace minidl::models
