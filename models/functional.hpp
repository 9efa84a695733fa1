#pragma once
// keras.Model(inputs, outputs): a model that is a graph of layer calls, recorded by calling layers
// on the symbolic tensors Input() returns. Layers may be called more than once (shared), merge
// layers join branches, models are layers too, and a model may have several inputs and outputs.
//   SymbolicTensor x = Input({.shape = {128, 1}, .name = "series"});
//   SymbolicTensor h = layers::make<layers::Conv1D>({.filters = 16, .kernel_size = 3, .padding = "causal"})(x);
//   SymbolicTensor y = layers::make<layers::Dense>({.units = 1})(h);
//   models::Functional model(x, y, {.name = "forecaster"});
#include <minidl/layers/input_layer.hpp>
#include <minidl/layers/shared.hpp>
#include <minidl/models/model.hpp>

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace minidl::models {

// A functional model's inputs or outputs in the form they were given: one tensor, a list, or a
// dict by name (flattened in key order, as Keras flattens dicts). Keras's config keeps the form.
class SymbolicTensors {
 public:
  enum class Form { single, list, dict };
  SymbolicTensors(layers::SymbolicTensor single);
  SymbolicTensors(std::vector<layers::SymbolicTensor> list);
  SymbolicTensors(std::initializer_list<layers::SymbolicTensor> list);
  SymbolicTensors(std::map<std::string, layers::SymbolicTensor> by_name);

  Form form() const { return form_; }
  const std::vector<layers::SymbolicTensor>& flat() const { return flat_; }
  // A dict's keys in the order of flat(); empty for the other forms.
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  Form form_;
  std::vector<layers::SymbolicTensor> flat_;
  std::vector<std::string> keys_;
};

struct FunctionalOptions {
  // Empty: Keras's automatic name ("functional", "functional_1", ...).
  std::string name = "";
  bool trainable = true;
};

class Functional : public Model {
 public:
  using Layer::operator();
  // Every output must be computable from the inputs alone (inputs nothing uses are allowed, as in
  // Keras); inputs must come from Input(); layer names must be unique within the graph.
  Functional(SymbolicTensors inputs, SymbolicTensors outputs, FunctionalOptions options = {});

  // Eager calls on real tensors, one per input in input order; every output in output order.
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs, bool training = false);
  std::vector<Tensor> call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) override;

  // Keras's model.layers: every layer of the graph once, input layers included, ordered by depth
  // from the inputs (then by first use); the weights follow this order.
  const std::vector<std::shared_ptr<layers::Layer>>& layers() const { return layers_; }
  const SymbolicTensors& inputs() const { return inputs_; }
  const SymbolicTensors& outputs() const { return outputs_; }
  std::vector<std::string> input_names() const override;
  std::vector<std::string> output_names() const override;

  Shape compute_output_shape(const Shape& input_shape) const override;
  // Keras 3's functional config: the layers with their inbound_nodes, input_layers, output_layers.
  nlohmann::json get_config() const override;
  // Rebuilds the graph a config describes (ours or one Keras wrote), calling each layer anew.
  static std::unique_ptr<Functional> from_config(const nlohmann::json& config);
  // From Keras's own module, built from its graph alone: build_config {"input_shape": null}.
  nlohmann::json serialized() const override;

  // Every recorded call of the graph (input nodes included), in the order they run.
  const std::vector<std::shared_ptr<layers::Node>>& nodes() const { return nodes_; }

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;
  std::vector<Shape> node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const override;
  std::string summary_table() const override;

 private:
  // One recorded call, as the graph runs it: the slots its inputs are read from and its outputs
  // written to.
  struct Step {
    std::shared_ptr<layers::Node> node;
    std::vector<std::size_t> input_slots;
    std::size_t first_output_slot;
  };
  void map_graph();
  // Throws unless there is one tensor per input, each of the input's dtype and shape (any batch).
  void check_inputs(const std::vector<Shape>& shapes, const std::vector<DType>& dtypes) const;
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, bool training);

  SymbolicTensors inputs_;
  SymbolicTensors outputs_;
  std::vector<std::shared_ptr<layers::Layer>> layers_;
  // Every node of the graph (input nodes included), deepest first: the order they run in.
  std::vector<std::shared_ptr<layers::Node>> nodes_;
  // The nodes grouped by depth, deepest first, as Keras's _nodes_by_depth (summary() reads it).
  std::vector<std::vector<const layers::Node*>> nodes_by_depth_;
  std::vector<Step> steps_;
  std::vector<std::size_t> input_slots_;
  std::vector<std::size_t> output_slots_;
  std::size_t slot_count_ = 0;
};

}  // namespace minidl::models
