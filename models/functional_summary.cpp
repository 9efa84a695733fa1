// Functional::summary_table(): Keras's layout for a functional model. A plain chain (one node per
// depth, each on one tensor, no layer called twice) gets the three columns of Sequential; any
// branch, merge or shared layer adds "Connected to": each input as layer[node][tensor].
#include <minidl/models/functional.hpp>

#include <minidl/models/summary_table.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace minidl::models {

namespace {

std::int64_t parameters(const layers::Layer& layer) {
  std::int64_t count = 0;
  for (const auto& weight : layer.weights()) count += element_count(weight->shape());
  return count;
}

// Keras's format_layer_shape: the shape of the layer's last call, or a list of its outputs' shapes.
std::string output_shape(const layers::Node& node) {
  if (node.output_count() == 1) return summary_shape(node.output_shapes[0]);
  std::vector<std::string> shapes;
  for (const auto& shape : node.output_shapes) shapes.push_back(summary_shape(shape));
  return fmt::format("[{}]", fmt::join(shapes, ", "));
}

}  // namespace

std::string Functional::summary_table() const {
  std::map<const layers::Layer*, std::vector<const layers::Node*>> calls;
  for (const auto& node : nodes_) calls[node->layer.get()].push_back(node.get());
  for (auto& [layer, nodes] : calls)
    std::sort(nodes.begin(), nodes.end(), [](const auto* a, const auto* b) { return a->index_in_layer < b->index_in_layer; });
  bool chain = true;
  for (const auto& group : nodes_by_depth_) chain = chain && group.size() == 1 && group[0]->inputs.size() <= 1;
  for (const auto& [layer, nodes] : calls) chain = chain && nodes.size() == 1;

  std::vector<std::vector<std::string>> rows;
  for (const auto& layer : layers_) {
    const auto& nodes = calls.at(layer.get());
    std::vector<std::string> row = {fmt::format("{} ({})", layer->name(), layer->class_name()), output_shape(*nodes.back()),
                                    with_commas(parameters(*layer))};
    if (!chain) {
      std::vector<std::string> connections;
      for (const auto* node : nodes)
        for (const auto& input : node->inputs)
          connections.push_back(
              fmt::format("{}[{}][{}]", input.node()->layer->name(), input.node()->index_in_layer, input.output_index()));
      row.push_back(connections.empty() ? "-" : fmt::format("{}", fmt::join(connections, ", ")));
    }
    rows.push_back(std::move(row));
  }
  if (chain) return render_summary_table({{"Layer (type)", 31}, {"Output Shape", 22}, {"Param #", 13, true}}, rows);
  // Keras's columns at 30%, 56%, 74% and 100% of 76 characters.
  return render_summary_table(
      {{"Layer (type)", 19}, {"Output Shape", 17}, {"Param #", 10, true}, {"Connected to", 17}}, rows);
}

}  // namespace minidl::models
