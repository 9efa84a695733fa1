#pragma once
// Keras's symbolic tensors (KerasTensor) and the calls that make them (Node): what Input()
// returns and what calling a layer on symbolic tensors gives. A symbolic tensor holds no data,
// only its shape, dtype and the layer call that produced it, so that models::Functional can
// replay the calls on real tensors.
//   SymbolicTensor x = Input({.shape = {128, 1}});
//   SymbolicTensor y = layers::make<layers::Conv1D>({.filters = 16, .kernel_size = 3})(x);
#include <minidl/core/dtype.hpp>
#include <minidl/core/shape.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace minidl::layers {

class Layer;
struct Node;

// The batch extent of a symbolic shape that Input() left open (Keras's None).
inline constexpr std::int64_t unknown_batch = -1;

class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  bool defined() const { return data_ != nullptr; }

  // Batch axis first: unknown_batch unless Input() fixed a batch size.
  const Shape& shape() const;
  DType dtype() const;
  const std::string& name() const;
  // The layer call that produced this tensor, and which of that call's outputs it is.
  const std::shared_ptr<Node>& node() const;
  std::size_t output_index() const;
  // The shape a layer is built and checked on: the batch extent 1 where it is unknown.
  Shape concrete_shape() const;
  // "(None, 128, 1)", as Keras prints shapes.
  std::string shape_string() const;
  // Keras's repr, for messages: "<KerasTensor shape=(None, 8, 4), dtype=float32, name=x>".
  std::string to_string() const;

  // The output `index` of `node`; the name empty gets Keras's automatic one ("keras_tensor_3").
  static SymbolicTensor make(Shape shape, DType dtype, std::shared_ptr<Node> node, std::size_t index, std::string name = "");
  // One tensor is the same as another when it is the same output of the same call.
  bool same_as(const SymbolicTensor& other) const { return node() == other.node() && output_index() == other.output_index(); }

 private:
  struct Data {
    Shape shape;
    DType dtype;
    std::string name;
    std::shared_ptr<Node> node;
    std::size_t index;
  };
  std::shared_ptr<const Data> data_;
};

// One call of a layer on symbolic tensors (Keras's Node). Input() makes a node without inputs.
// Keras's initial_state keyword in a recurrent layer's call: the call's last `count` inputs, given
// as a list or (one state alone) as a single tensor, as Keras's config writes them back.
struct StateKeyword {
  std::size_t count = 0;
  bool listed = true;
};

struct Node {
  std::shared_ptr<Layer> layer;
  std::vector<SymbolicTensor> inputs;
  // Whether the layer was called on a list (a merge layer; a model of several inputs) rather than
  // one tensor: Keras's config writes the arguments as [[a, b]] or [a].
  bool list_argument = false;
  // The shapes of the tensors the call gave (each tensor points back to this node, not the
  // other way round), batch axis first as in SymbolicTensor::shape().
  std::vector<Shape> output_shapes;
  // Which call of its layer this is (Keras's node_index in keras_history).
  std::size_t index_in_layer = 0;
  StateKeyword initial_state = {};
  bool is_input() const { return inputs.empty(); }
  std::size_t output_count() const { return output_shapes.size(); }
};

}  // namespace minidl::layers
