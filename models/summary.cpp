// Model::summary(): Keras's table, drawn with the box characters rich gives it.
#include <minidl/models/model.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/models/summary_table.hpp>

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace minidl::models {

namespace {

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

// Keras's readable_memory_size: binary units, two decimals.
std::string readable_size(double size) {
  static constexpr std::array units = {"B", "KB", "MB", "GB", "TB", "PB"};
  for (const char* unit : units) {
    if (size / 1024 < 1) return fmt::format("{:.2f} {}", size, unit);
    size /= 1024;
  }
  return fmt::format("{:.2f} {}", size, units.back());
}

}  // namespace

std::vector<Model::SummaryRow> Model::summary_rows() const {
  std::vector<SummaryRow> rows;
  for (const auto* layer : sublayers()) rows.push_back({layer, layer->last_output_shape()});
  return rows;
}

// Keras's columns at 45%, 80% and 100% of 76 characters.
std::string Model::summary_table() const {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : summary_rows())
    cells.push_back({fmt::format("{} ({})", row.layer->name(), row.layer->class_name()),
                     row.output_shape ? summary_shape(*row.output_shape) : "?", with_commas(parameters(row.layer->weights()))});
  return render_summary_table({{"Layer (type)", 31}, {"Output Shape", 22}, {"Param #", 13, true}}, cells);
}

std::string Model::summary() const {
  if (!built()) throw StateError(fmt::format("{}: summary() needs a built model (call it or build() it first)", where()));
  std::string text = fmt::format("Model: \"{}\"\n", name()) + summary_table();
  const auto total = weights(), trainable = trainable_weights(), frozen = non_trainable_weights();
  text += fmt::format(" Total params: {} ({})\n", with_commas(parameters(total)), readable_size(double(bytes(total))));
  text += fmt::format(" Trainable params: {} ({})\n", with_commas(parameters(trainable)), readable_size(double(bytes(trainable))));
  text += fmt::format(" Non-trainable params: {} ({})\n", with_commas(parameters(frozen)), readable_size(double(bytes(frozen))));
  return text;
}

}  // namespace minidl::models
