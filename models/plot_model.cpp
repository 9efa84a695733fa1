#include <minidl/models/plot_model.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/models/summary_table.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace minidl::models {

namespace {

// Keras prints shapes as Python tuples: "(None, 16, 4)", a list of them for several.
std::string python_shapes(const std::vector<Shape>& shapes) {
  std::vector<std::string> parts;
  for (const auto& shape : shapes) parts.push_back(summary_shape(shape));
  return parts.size() == 1 ? parts[0] : fmt::format("[{}]", fmt::join(parts, ", "));
}

std::string escaped(const std::string& text) {
  std::string result;
  for (const char c : text) {
    if (c == '<') result += "&lt;";
    else if (c == '>') result += "&gt;";
    else if (c == '&') result += "&amp;";
    else result += c;
  }
  return result;
}

std::string label(const layers::Layer& layer, const std::vector<const layers::Node*>& calls, const PlotModelOptions& options) {
  std::string title = options.show_layer_names ? fmt::format("<b>{}</b> ({})", escaped(layer.name()), layer.class_name())
                                               : fmt::format("<b>{}</b>", layer.class_name());
  std::vector<std::string> cells;
  if (options.show_shapes) {
    // A layer called more than once has no single input or output shape: Keras shows "?".
    std::string input = "?", output = "?";
    if (calls.size() == 1) {
      std::vector<Shape> inputs;
      for (const auto& tensor : calls[0]->inputs) inputs.push_back(tensor.shape());
      input = inputs.empty() ? "?" : python_shapes(inputs);
      output = python_shapes(calls[0]->output_shapes);
    }
    if (layer.class_name() != "InputLayer")
      cells.push_back(fmt::format("<td bgcolor=\"white\"><font point-size=\"14\">Input shape: <b>{}</b></font></td>", input));
    cells.push_back(fmt::format("<td bgcolor=\"white\"><font point-size=\"14\">Output shape: <b>{}</b></font></td>", output));
  }
  std::string table = fmt::format(
      "<<table border=\"0\" cellborder=\"1\" bgcolor=\"black\" cellpadding=\"10\"><tr><td colspan=\"{}\" bgcolor=\"black\">"
      "<font point-size=\"16\" color=\"white\">{}</font></td></tr>",
      options.show_shapes ? 2 : 1, title);
  if (!cells.empty()) table += fmt::format("<tr>{}</tr>", fmt::join(cells, ""));
  return table + "</table>>";
}

}  // namespace

std::string model_to_dot(const Functional& model, const PlotModelOptions& options) {
  if (options.rankdir != "TB" && options.rankdir != "LR" && options.rankdir != "BT" && options.rankdir != "RL")
    throw_invalid_argument("model_to_dot", "rankdir", "expected one of \"TB\", \"LR\", \"BT\", \"RL\"", options.rankdir);
  std::map<const layers::Layer*, std::size_t> id;
  std::map<const layers::Layer*, std::vector<const layers::Node*>> calls;
  for (const auto& layer : model.layers()) id.emplace(layer.get(), id.size());
  for (const auto& node : model.nodes()) calls[node->layer.get()].push_back(node.get());
  std::string dot = fmt::format("digraph G {{\nconcentrate=True;\ndpi={};\nrankdir={};\nsplines=ortho;\nnode [shape=record];\n",
                                options.dpi, options.rankdir);
  for (const auto& layer : model.layers())
    dot += fmt::format("{} [border=0, fontname=Helvetica, label={}, margin=0];\n", id.at(layer.get()),
                       label(*layer, calls[layer.get()], options));
  std::set<std::pair<std::size_t, std::size_t>> edges;
  for (const auto& node : model.nodes())
    for (const auto& input : node->inputs) {
      const std::pair edge{id.at(input.node()->layer.get()), id.at(node->layer.get())};
      if (edges.insert(edge).second) dot += fmt::format("{} -> {}  [penwidth=2];\n", edge.first, edge.second);
    }
  return dot + "}\n";
}

void plot_model(const Functional& model, const std::string& to_file, const PlotModelOptions& options) {
  const std::string format = std::filesystem::path(to_file).extension().string();
  if (format.size() < 2) throw_invalid_argument("plot_model", "to_file", "expected a file name with an extension (model.png)", to_file);
  const std::string source = to_file + ".dot";
  io::write_atomically(source, model_to_dot(model, options), "plot_model");
  const std::string type = "-T" + format.substr(1);
  std::vector<std::string> arguments = {"dot", type, "-o", to_file, source};
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  const int spawned = posix_spawnp(&child, "dot", nullptr, nullptr, argv.data(), environ);
  int status = 0;
  if (spawned == 0) waitpid(child, &status, 0);
  std::filesystem::remove(source);
  if (spawned != 0)
    throw InvalidArgument(fmt::format("plot_model: cannot draw {}: Graphviz's `dot` could not be started ({}); apt-get install graphviz",
                                      to_file, std::strerror(spawned)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw InvalidArgument(fmt::format("plot_model: Graphviz's `dot {}` failed to write {} (exit status {})", type, to_file,
                                      WIFEXITED(status) ? WEXITSTATUS(status) : -1));
}

}  // namespace minidl::models
