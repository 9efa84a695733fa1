#pragma once
// keras.utils.model_to_dot and plot_model: a functional model's graph as Graphviz dot text, and
// drawn to a picture by Graphviz's `dot` program (Debian's graphviz package).
//   models::plot_model(model, "model.png", {.show_shapes = true, .show_layer_names = true});
#include <minidl/models/functional.hpp>

#include <string>

namespace minidl::models {

struct PlotModelOptions {
  // Each layer's input and output shapes under its name.
  bool show_shapes = false;
  // "name (Class)" rather than the class alone.
  bool show_layer_names = false;
  // "TB" (top to bottom) or "LR" (left to right).
  std::string rankdir = "TB";
  int dpi = 200;
};

// One node per layer (Keras's record labels, as HTML tables), one edge per connected pair.
std::string model_to_dot(const Functional& model, const PlotModelOptions& options = {});

// Writes the picture; the format is the file's extension (png, svg, pdf, ...). Throws
// InvalidArgument naming the file when `dot` is missing or fails.
void plot_model(const Functional& model, const std::string& to_file, const PlotModelOptions& options = {});

}  // namespace minidl::models
