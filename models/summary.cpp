// Model::summary(): Keras's table, drawn with the box characters rich gives it.
#include <minidl/models/model.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace minidl::models {

namespace {

std::string without_batch(const std::optional<Shape>& shape) {
  if (!shape) return "?";
  std::string text = "(None";
  for (std::size_t i = 1; i < shape->size(); ++i) text += fmt::format(", {}", (*shape)[i]);
  return text + (shape->size() == 1 ? ",)" : ")");
}

std::int64_t parameters(const std::vector<std::shared_ptr<layers::Variable>>& weights) {
  std::int64_t count = 0;
  for (const auto& weight : weights) count += element_count(weight->shape());
  return count;
}

std::int64_t bytes(const std::vector<std::shared_ptr<layers::Variable>>& weights) {
  std::int64_t total = 0;
  for (const auto& weight : weights) total += element_count(weight->shape()) * std::int64_t(dtype_size(weight->value().dtype()));
  return total;
}

// 1234567 → "1,234,567", as Python's "{:,}".
std::string with_commas(std::int64_t count) {
  const std::string digits = std::to_string(count);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return text;
}

// Keras's readable_memory_size: binary units, two decimals.
std::string readable_size(double size) {
  static constexpr std::array units = {"B", "KB", "MB", "GB", "TB", "PB"};
  for (const char* unit : units) {
    if (size / 1024 < 1) return fmt::format("{:.2f} {}", size, unit);
    size /= 1024;
  }
  return fmt::format("{:.2f} {}", size, units.back());
}

std::string repeat(const char* piece, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += piece;
  return text;
}

}  // namespace

std::vector<Model::SummaryRow> Model::summary_rows() const {
  std::vector<SummaryRow> rows;
  for (const auto* layer : sublayers()) rows.push_back({layer, layer->last_output_shape()});
  return rows;
}

std::string Model::summary() const {
  if (!built()) throw StateError(fmt::format("{}: summary() needs a built model (call it or build() it first)", where()));
  std::vector<std::array<std::string, 3>> cells;
  for (const auto& row : summary_rows())
    cells.push_back({fmt::format("{} ({})", row.layer->name(), row.layer->class_name()), without_batch(row.output_shape),
                     with_commas(parameters(row.layer->weights()))});
  // Keras's columns at 45%, 80% and 100% of 76 characters, widened when a cell needs it.
  std::array<std::size_t, 3> width = {31, 22, 13};
  for (const auto& row : cells)
    for (std::size_t column = 0; column < 3; ++column) width[column] = std::max(width[column], row[column].size());
  const auto rule = [&](const char* left, const char* line, const char* middle, const char* right) {
    return fmt::format("{}{}{}{}{}{}{}\n", left, repeat(line, width[0] + 2), middle, repeat(line, width[1] + 2), middle,
                       repeat(line, width[2] + 2), right);
  };
  const auto line = [&](const char* border, const std::array<std::string, 3>& row) {
    return fmt::format("{0} {1:<{4}} {0} {2:<{5}} {0} {3:>{6}} {0}\n", border, row[0], row[1], row[2], width[0], width[1],
                       width[2]);
  };
  std::string text = fmt::format("Model: \"{}\"\n", name());
  text += rule("┏", "━", "┳", "┓") + line("┃", {"Layer (type)", "Output Shape", "Param #"}) + rule("┡", "━", "╇", "┩");
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) text += rule("├", "─", "┼", "┤");
    text += line("│", cells[i]);
  }
  text += rule("└", "─", "┴", "┘");
  const auto total = weights(), trainable = trainable_weights(), frozen = non_trainable_weights();
  text += fmt::format(" Total params: {} ({})\n", with_commas(parameters(total)), readable_size(double(bytes(total))));
  text += fmt::format(" Trainable params: {} ({})\n", with_commas(parameters(trainable)), readable_size(double(bytes(trainable))));
  text += fmt::format(" Non-trainable params: {} ({})\n", with_commas(parameters(frozen)), readable_size(double(bytes(frozen))));
  return text;
}

}  // namespace minidl::models
