// The graph of a Sequential or Functional model as stages. Each layer is sorted into: a causal
// convolution, a Dense, a merge, an activation, a pass-through at inference, a layer that works on
// each step on its own, or a refusal that says why the layer cannot run a step at a time.
#include <minidl/streaming/plan.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/basic.hpp>
#include <minidl/layers/conv1d.hpp>
#include <minidl/layers/dense.hpp>
#include <minidl/layers/input_layer.hpp>
#include <minidl/layers/merging.hpp>
#include <minidl/models/functional.hpp>
#include <minidl/models/sequential.hpp>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

namespace minidl::streaming {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

[[noreturn]] void refuse(const layers::Layer& layer, const std::string& why) {
  throw InvalidArgument(fmt::format("Stream: layer '{}' ({}) cannot run a step at a time: {}", layer.name(), layer.class_name(), why));
}

// Whether an axis (of a rank-3 input) is the feature axis, 2 or −1.
bool is_feature_axis(const nlohmann::json& axis) { return axis.is_number_integer() && (axis == 2 || axis == -1); }

class Planner {
 public:
  Planner(Graph& graph, std::int64_t batch) : graph_(graph), batch_(batch) {}

  std::size_t input_block(std::int64_t features, DType dtype) { return add_block(features, dtype); }

  // Plans one call of `layer` on `inputs`; returns its output's block.
  std::size_t call(layers::Layer& layer, const std::vector<std::size_t>& inputs) {
    const std::string& kind = layer.class_name();
    const Block& first = *graph_.blocks[inputs[0]];
    const std::int64_t field = max_field(inputs);
    if (dynamic_cast<models::Model*>(&layer))
      refuse(layer, "it is a model nested in this one; stream a model whose layers are its own");
    if (kind == "InputLayer" || kind == "Dropout" || kind == "SpatialDropout1D") return inputs[0];  // the identity at inference
    if (kind == "Conv1D") {
      auto& conv = dynamic_cast<layers::Conv1D&>(layer);
      const auto& options = conv.options();
      if (options.data_format && *options.data_format == "channels_first")
        refuse(layer, "data_format=\"channels_first\" puts the channels on axis 1; a stream takes its steps along axis 1");
      if (options.strides != 1)
        refuse(layer, fmt::format("strides={} makes one output step of every {} input steps", options.strides, options.strides));
      const std::string padding = lowercase(options.padding);
      if (options.kernel_size > 1 && padding == "same")
        refuse(layer, fmt::format("padding=\"same\" with kernel_size={} reads {} step(s) ahead of the output step", options.kernel_size,
                                  (options.dilation_rate * (options.kernel_size - 1) + 1) / 2));
      if (options.kernel_size > 1 && padding == "valid")
        refuse(layer, fmt::format("padding=\"valid\" with kernel_size={} drops the first {} steps, so output step t is input step t + {}; "
                                  "use padding=\"causal\"",
                                  options.kernel_size, options.dilation_rate * (options.kernel_size - 1),
                                  options.dilation_rate * (options.kernel_size - 1)));
      const std::size_t output = add_block(options.filters, first.dtype);
      graph_.stages.push_back(causal_convolution_stage(layer, first, *graph_.blocks[output], batch_));
      field_[output] = field + graph_.stages.back()->reach();
      return output;
    }
    if (kind == "Dense") {
      const std::size_t output = add_block(dynamic_cast<layers::Dense&>(layer).options().units, first.dtype);
      graph_.stages.push_back(dense_stage(layer, first, *graph_.blocks[output]));
      field_[output] = field;
      return output;
    }
    if (kind == "Add" || kind == "Concatenate") {
      std::vector<const Block*> blocks;
      std::int64_t features = 0;
      for (const auto input : inputs) {
        blocks.push_back(graph_.blocks[input].get());
        features += graph_.blocks[input]->features;
      }
      if (kind == "Add") {
        for (const Block* block : blocks)
          if (block->features != first.features)
            refuse(layer, fmt::format("its inputs have {} and {} features; a stream adds inputs of one shape only", first.features,
                                      block->features));
        const std::size_t output = add_block(first.features, first.dtype);
        graph_.stages.push_back(add_stage(std::move(blocks), *graph_.blocks[output]));
        field_[output] = field;
        return output;
      }
      const auto axis = layer.get_config().at("axis");
      if (!is_feature_axis(axis)) refuse(layer, fmt::format("axis={} joins its inputs across time or the batch", axis.dump()));
      const std::size_t output = add_block(features, first.dtype);
      graph_.stages.push_back(concatenate_stage(std::move(blocks), *graph_.blocks[output]));
      field_[output] = field;
      return output;
    }
    if (kind == "Activation") {
      const std::size_t output = add_block(first.features, first.dtype);
      graph_.stages.push_back(activation_stage(dynamic_cast<layers::Activation&>(layer).activation(), first, *graph_.blocks[output]));
      field_[output] = field;
      return output;
    }
    if (kind == "LayerNormalization" || kind == "BatchNormalization") {
      const auto axis = layer.get_config().at("axis");
      const bool over_features = is_feature_axis(axis) || (axis.is_array() && !axis.empty() &&
                                                           std::all_of(axis.begin(), axis.end(), is_feature_axis));
      if (!over_features) refuse(layer, fmt::format("axis={} normalizes across time", axis.dump()));
      return stepwise(layer, first, field);
    }
    if (kind == "DepthwiseConv1D" || kind == "SeparableConv1D") {
      const auto config = layer.get_config();
      if (config.at("kernel_size") != nlohmann::json::array({1}) || config.at("strides") != nlohmann::json::array({1}))
        refuse(layer, "with kernel_size or strides above 1 it reads future steps or skips steps (Keras refuses causal padding for it)");
      return stepwise(layer, first, field);
    }
    static const std::map<std::string, std::string> reasons = {
        {"MaxPooling1D", "it pools over windows of steps"},
        {"AveragePooling1D", "it pools over windows of steps"},
        {"GlobalAveragePooling1D", "it reduces over every step of the sequence"},
        {"GlobalMaxPooling1D", "it reduces over every step of the sequence"},
        {"Flatten", "it flattens the steps into one vector"},
        {"Reshape", "it reshapes across the steps"},
        {"ZeroPadding1D", "it adds steps"},
        {"Cropping1D", "it removes steps"},
        {"UpSampling1D", "it repeats steps"},
        {"Conv1DTranspose", "it makes several output steps of each input step and reads ahead"}};
    const auto reason = reasons.find(kind);
    refuse(layer, reason != reasons.end() ? reason->second : "it is not known to work on each step on its own");
  }

  void finish(std::size_t output) {
    graph_.output = output;
    graph_.receptive_field = field_[output];
  }

 private:
  std::size_t add_block(std::int64_t features, DType dtype) {
    auto block = std::make_unique<Block>();
    block->features = features;
    block->dtype = dtype;
    graph_.blocks.push_back(std::move(block));
    field_.push_back(1);
    return graph_.blocks.size() - 1;
  }

  std::size_t stepwise(layers::Layer& layer, const Block& input, std::int64_t field) {
    const Shape shape = layer.compute_output_shape({batch_, 1, input.features});
    const std::size_t output = add_block(shape.back(), input.dtype);
    graph_.stages.push_back(stepwise_layer_stage(layer, input, *graph_.blocks[output]));
    field_[output] = field;
    return output;
  }

  std::int64_t max_field(const std::vector<std::size_t>& inputs) const {
    std::int64_t field = 1;
    for (const auto input : inputs) field = std::max(field, field_[input]);
    return field;
  }

  Graph& graph_;
  std::int64_t batch_;
  // Per block: the receptive field of its values.
  std::vector<std::int64_t> field_;
};

void require_sequence(const Shape& shape, const models::Model& model, const char* what) {
  if (shape.size() == 3) return;
  std::string text;
  for (std::size_t axis = 0; axis < shape.size(); ++axis)
    text += (axis ? ", " : "") + (shape[axis] == layers::unknown_batch ? std::string("None") : std::to_string(shape[axis]));
  throw InvalidArgument(fmt::format("Stream: model '{}' has the {} ({}); a stream needs (batch, steps, features)", model.name(), what,
                                    text + (shape.size() == 1 ? "," : "")));
}

void plan_sequential(models::Sequential& model, Planner& planner) {
  if (!model.build_input_shape())
    throw StateError(fmt::format("Stream: model '{}' is not built; call it or build() it first", model.name()));
  const Shape& input_shape = *model.build_input_shape();
  require_sequence(input_shape, model, "input shape");
  std::size_t block = planner.input_block(input_shape[2], model.dtype());
  for (const auto& layer : model.layers()) block = planner.call(*layer, {block});
  require_sequence(model.compute_output_shape(input_shape), model, "output shape");
  planner.finish(block);
}

void plan_functional(models::Functional& model, Planner& planner) {
  const auto& inputs = model.inputs().flat();
  const auto& outputs = model.outputs().flat();
  if (inputs.size() != 1 || outputs.size() != 1)
    throw InvalidArgument(fmt::format("Stream: model '{}' has {} inputs and {} outputs; a stream runs a model of one input and one output",
                                      model.name(), inputs.size(), outputs.size()));
  require_sequence(inputs[0].shape(), model, "input shape");
  std::map<std::pair<const layers::Node*, std::size_t>, std::size_t> block_of;
  block_of[{inputs[0].node().get(), inputs[0].output_index()}] = planner.input_block(inputs[0].shape()[2], inputs[0].dtype());
  for (const auto& node : model.nodes()) {
    if (node->is_input()) continue;
    if (node->output_count() != 1) throw InvalidArgument(fmt::format("Stream: layer '{}' has several outputs", node->layer->name()));
    std::vector<std::size_t> sources;
    for (const auto& input : node->inputs) sources.push_back(block_of.at({input.node().get(), input.output_index()}));
    block_of[{node.get(), 0}] = planner.call(*node->layer, sources);
  }
  require_sequence(outputs[0].shape(), model, "output shape");
  planner.finish(block_of.at({outputs[0].node().get(), outputs[0].output_index()}));
}

}  // namespace

Graph plan_graph(models::Model& model, std::int64_t batch) {
  Graph graph;
  Planner planner(graph, batch);
  if (auto* sequential = dynamic_cast<models::Sequential*>(&model)) plan_sequential(*sequential, planner);
  else if (auto* functional = dynamic_cast<models::Functional*>(&model)) plan_functional(*functional, planner);
  else
    throw InvalidArgument(fmt::format("Stream: model '{}' ({}) is neither Sequential nor Functional, so its call cannot be planned "
                                      "a step at a time; build it as a functional model",
                                      model.name(), model.class_name()));
  return graph;
}

}  // namespace minidl::streaming
