#include <minidl/models/summary_table.hpp>

#include <cstdint>
#include <fmt/format.h>

namespace minidl::models {

namespace {

std::string repeat(const char* piece, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += piece;
  return text;
}

// rich's word wrap: words joined greedily by single spaces; a word longer than the width keeps a
// line of its own, cut to width − 1 characters and an ellipsis. The text is ASCII.
std::vector<std::string> wrapped(const std::string& text, std::size_t width) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t space = text.find(' ', start);
    const std::size_t stop = space == std::string::npos ? text.size() : space;
    if (stop > start) words.push_back(text.substr(start, stop - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  std::vector<std::string> lines;
  std::string line;
  for (const auto& word : words) {
    if (!line.empty() && line.size() + 1 + word.size() <= width) {
      line += ' ' + word;
      continue;
    }
    if (!line.empty()) lines.push_back(line);
    line = word;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  for (auto& item : lines)
    if (item.size() > width) item = item.substr(0, width - 1) + "…";
  return lines;
}

// Pads to the width in characters (the ellipsis is one character of three bytes).
std::string padded(const std::string& text, std::size_t width, bool right) {
  const std::size_t ellipses = text.size() >= 3 && text.compare(text.size() - 3, 3, "…") == 0 ? 1 : 0;
  const std::size_t shown = text.size() - 2 * ellipses;
  const std::string fill(width > shown ? width - shown : 0, ' ');
  return right ? fill + text : text + fill;
}

}  // namespace

std::string render_summary_table(const std::vector<SummaryColumn>& columns, const std::vector<std::vector<std::string>>& rows) {
  const auto rule = [&](const char* left, const char* line, const char* middle, const char* right) {
    std::string text = left;
    for (std::size_t column = 0; column < columns.size(); ++column)
      text += repeat(line, columns[column].width + 2) + (column + 1 < columns.size() ? middle : right);
    return text + "\n";
  };
  const auto row_lines = [&](const char* border, const std::vector<std::string>& cells) {
    std::vector<std::vector<std::string>> lines;
    std::size_t height = 1;
    for (std::size_t column = 0; column < columns.size(); ++column) {
      lines.push_back(wrapped(cells[column], columns[column].width));
      height = std::max(height, lines.back().size());
    }
    std::string text;
    for (std::size_t line = 0; line < height; ++line) {
      text += border;
      for (std::size_t column = 0; column < columns.size(); ++column)
        text += fmt::format(" {} {}", padded(line < lines[column].size() ? lines[column][line] : "", columns[column].width,
                                             columns[column].right_aligned),
                            border);
      text += "\n";
    }
    return text;
  };
  std::vector<std::string> headers;
  for (const auto& column : columns) headers.push_back(column.header);
  std::string text = rule("┏", "━", "┳", "┓") + row_lines("┃", headers) + rule("┡", "━", "╇", "┩");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) text += rule("├", "─", "┼", "┤");
    text += row_lines("│", rows[i]);
  }
  return text + rule("└", "─", "┴", "┘");
}

std::string summary_shape(const std::vector<std::int64_t>& shape) {
  std::string text = "(None";
  for (std::size_t i = 1; i < shape.size(); ++i) text += fmt::format(", {}", shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

std::string with_commas(std::int64_t count) {
  const std::string digits = std::to_string(count);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

}  // namespace minidl::models
