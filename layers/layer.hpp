#pragma once
// The base of every layer, after Keras's Layer: a name, weights registered by name with their
// rules (add_weight), lazy build on the first call, and the regularization losses of that call.
#include <minidl/core/tensor.hpp>
#include <minidl/layers/constraints/constraints.hpp>
#include <minidl/layers/initializers/initializers.hpp>
#include <minidl/layers/regularizers/regularizers.hpp>
#include <minidl/layers/symbolic_tensor.hpp>
#include <minidl/layers/variable.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <thread>
#include <vector>

namespace minidl::layers {

// Marks a call of a layer or a model. The activity regularization losses of a layer gather over
// all its calls within the outermost call (a shared layer's calls add up) and start afresh with
// the next outermost call, as in Keras; each thread's calls apart.
class CallScope {
 public:
  CallScope();
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;
  // The number of this thread's outermost call in progress, or latest: unique in the process.
  static std::uint64_t outermost();
};

// The arguments every Keras layer takes, for a layer of one's own:
//   explicit Gate(GateOptions options) : Layer("Gate", {.dtype = options.dtype, .name = options.name}) {}
struct LayerOptions {
  regularizers::Regularizer activity_regularizer = {};
  bool trainable = true;
  std::string dtype = "float32";
  // Empty: Keras's automatic name, the class name in snake_case then _1, _2, ...
  std::string name = "";
};

// Keras's add_weight keywords, with its defaults.
struct WeightOptions {
  Shape shape = {};
  initializers::Initializer initializer = "glorot_uniform";
  bool trainable = true;
  regularizers::Regularizer regularizer = {};
  constraints::Constraint constraint = {};
  // Empty: "variable", then "variable_1", ... within the layer.
  std::string name = "";
};

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  // A layer of one's own derives from Layer and overrides call(), and build_weights() when it has
  // weights; check_input() and compute_output_shape() have working defaults.
  Layer(std::string class_name, const LayerOptions& options);
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // Builds on the first call (from the input's shape), runs call(), then records the activity
  // regularization loss of the output (divided by the batch size, as Keras >= 3.14). `training`
  // switches Dropout and BatchNormalization to their training behaviour (off by default, as a
  // direct Keras call). The flag and the input's mask belong to the call, not to the layer: calls
  // of one built layer on several threads at once do not see each other's (docs/training.md#threads).
  Tensor operator()(const Tensor& inputs, bool training = false);
  // Keras's stateless_call: runs the layer with `trainable_values` (one per trainable weight, in
  // trainable_weights() order, shapes checked) in place of its trainable weights, so that
  // gradients flow to those tensors: what gradcheck of a layer needs. The weights are untouched.
  Tensor stateless_call(const std::vector<Tensor>& trainable_values, const Tensor& inputs);
  // The functional API (models/functional.hpp): called on symbolic tensors, a layer checks and
  // builds itself for their shapes and records the call, which models::Functional replays on real
  // tensors. The call shares the layer, so it must be owned by a std::shared_ptr (layers::make).
  SymbolicTensor operator()(const SymbolicTensor& inputs);
  // A call on a list: merge layers, models of several inputs.
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& inputs);
  // Every output of a call on one tensor (`list_argument` false, one input) or on a list; a
  // recurrent layer's call may end with its initial_state keyword's tensors.
  std::vector<SymbolicTensor> symbolic_call(const std::vector<SymbolicTensor>& inputs, bool list_argument,
                                            StateKeyword initial_state = {});
  // How a functional model runs a recorded call on real tensors: every output. By default the
  // call on the one input; merge layers and models override it.
  virtual std::vector<Tensor> call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training);
  // Keras's len(layer._inbound_nodes): how many symbolic calls the layer has had.
  std::size_t inbound_node_count() const { return inbound_node_count_; }

  // Keras's masks (Tensor::keras_mask): a layer that supports masking passes its input's mask on
  // through compute_mask; one that does not drops it, as Keras's does.
  virtual bool supports_masking() const { return false; }
  // The output's mask for this input and its mask (undefined for none): by default the input's
  // mask when the layer supports masking.
  virtual Tensor compute_mask(const Tensor& inputs, const Tensor& mask) const;

  // Creates the weights for inputs of this shape; a second build is a no-op.
  void build(const Shape& input_shape);
  // Zeroes the states stateful layers hold between calls (recurrent layers'), in this layer and
  // every sublayer; a model's next call then starts as its first.
  virtual void reset_states() {
    for (Layer* layer : sublayers_) layer->reset_states();
  }
  // By default the shape of call()'s output on zeros of this shape (the layer built first), as
  // Keras traces call() symbolically; override it where the call is costly or needs real values.
  virtual Shape compute_output_shape(const Shape& input_shape) const;

  const std::string& name() const { return name_; }
  // Keras's class name ("Conv1D").
  const std::string& class_name() const { return class_name_; }
  DType dtype() const { return dtype_; }
  bool built() const { return built_.load(std::memory_order_acquire); }
  // The input shape the layer was built for (Keras's build_config), once built.
  const std::optional<Shape>& build_input_shape() const { return build_input_shape_; }
  // The input shapes of the first call of a layer called on a list (a merge layer), for its
  // build_config; empty otherwise.
  const std::vector<Shape>& build_input_shapes() const { return build_input_shapes_; }
  // The output shape of the latest call, for summary(); unset before the first call.
  std::optional<Shape> last_output_shape() const;
  bool trainable() const { return trainable_; }
  void set_trainable(bool trainable);

  // Weights in creation order, then each tracked sublayer's in tracking order; trainable ones only
  // while the layer is trainable.
  std::vector<std::shared_ptr<Variable>> weights() const;
  std::vector<std::shared_ptr<Variable>> trainable_weights() const;
  std::vector<std::shared_ptr<Variable>> non_trainable_weights() const;
  // The layer's own weights in creation order, without its sublayers' (what Keras files keep in
  // a layer's "vars"; every minidl layer creates its trainable weights first, as Keras saves them).
  const std::vector<std::shared_ptr<Variable>>& own_weights() const { return weights_; }
  // Copies of the weights' values, in weights() order.
  std::vector<Tensor> get_weights() const;
  // Overwrites every weight in place; count, shapes and dtypes must match (checked before any write).
  void set_weights(const std::vector<Tensor>& values);

  // The regularization losses, differentiable: each trainable weight's regularizer applied to its
  // current value (recomputed on every access, as Keras), then the activity losses of this
  // thread's latest call.
  std::vector<Tensor> losses() const;
  // Their sum (a scalar 0 for none): what a custom training loop adds to its loss, as Keras's
  // `loss + sum(model.losses)`.
  Tensor regularization_loss() const;

  // The random generators this layer and its sublayers draw from (a seeded Dropout's), in tracking
  // order: their states are part of a training run's state, as Keras's seed generator variables.
  std::vector<Generator*> generators() const;

  // Keras's get_config(): name, trainable, dtype, then the layer's own arguments.
  virtual nlohmann::json get_config() const;
  // Keras's serialize_keras_object: {"module", "class_name", "config", "registered_name"} and the
  // build_config of a layer Keras builds by shape (layers::serialize() calls it). Models add to it.
  virtual nlohmann::json serialized() const;

 protected:
  // `name` empty gets Keras's automatic name: the snake_case class name, then _1, _2, ...
  Layer(std::string class_name, std::string name, bool trainable, DType dtype,
        regularizers::Regularizer activity_regularizer);

  // Validates input-dependent facts (rank, channels) before build; throws with where() in the
  // message. By default any shape is accepted.
  virtual void check_input(const Shape&) const {}
  // Creates the weights (add_weight) for inputs of this shape; by default none.
  virtual void build_weights(const Shape&) {}
  virtual Tensor call(const Tensor& inputs) = 0;
  // For a symbolic call on tensors of these shapes (the batch extent 1 where unknown): checks
  // them as a real call would and returns the output shapes. By default one tensor, the layer's
  // own check_input and compute_output_shape; the call then builds the layer on that tensor.
  virtual std::vector<Shape> node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const;

  std::shared_ptr<Variable> add_weight(const std::string& name, const Shape& shape,
                                       const initializers::Initializer& initializer,
                                       const regularizers::Regularizer& regularizer,
                                       const constraints::Constraint& constraint, bool trainable = true);
  // As Keras's add_weight(shape=..., initializer=..., ...): add_weight({.shape = {units}, .initializer = "zeros", .name = "bias"}).
  std::shared_ptr<Variable> add_weight(const WeightOptions& options);
  // For a wrapper (TimeDistributed): `layer`'s own input check, and its call() alone, as Keras's
  // wrappers call layer.call (no build, no activity loss, no mask).
  static void check_input_of(const Layer& layer, const Shape& input_shape) { layer.check_input(input_shape); }
  // Keras's name scopes in weight paths: a wrapper puts "<its name>/" before its layer's weights'
  // paths (and a wrapper inside passes it on); a recurrent layer puts its cell's scope after its
  // own name ("lstm/lstm_cell/kernel"). Weights made before or after get it alike.
  virtual void set_path_prefix(const std::string& prefix);
  static void set_path_prefix_of(Layer& layer, const std::string& prefix) { layer.set_path_prefix(prefix); }
  void set_weight_scope(std::string scope) { weight_scope_ = std::move(scope); }
  static Tensor call_of(Layer& layer, const Tensor& inputs, bool training, const Tensor& mask = Tensor());
  // Makes `layer` part of this one (Keras tracks sublayers by attribute): its weights, losses and
  // trainability are this layer's too, in tracking order. The sublayer must outlive this layer.
  template <class SomeLayer>
  SomeLayer& track(SomeLayer& layer) {
    sublayers_.push_back(&layer);
    return layer;
  }
  const std::vector<Layer*>& sublayers() const { return sublayers_; }
  // Makes `generator` (a member of this layer) one of generators().
  void track_generator(Generator& generator) { generators_.push_back(&generator); }
  // "Conv1D 'conv1d_2'": how messages name this layer.
  std::string where() const;
  const regularizers::Regularizer& activity_regularizer() const { return activity_regularizer_; }
  // Throws ShapeError naming this layer unless the input has rank 3 (the 1D layers' inputs).
  void require_rank_3(const Shape& input_shape) const;
  // Whether this layer's call in progress on this thread is a training call.
  bool training() const;
  // The mask the input of this layer's call in progress on this thread carries; undefined when none.
  const Tensor& input_mask() const;
  void set_last_output_shape(const Shape& shape);
  // For a layer built by other means than build(): a functional model, built by its graph.
  void mark_built() { built_.store(true, std::memory_order_release); }
  // Keeps the shapes of a layer's first call on a list.
  void record_build_shapes(const std::vector<Shape>& shapes);
  // A recurrent layer whose first symbolic call had Keras's initial_state keyword: the states'
  // shapes and form, for its build_config.
  const std::vector<Shape>& first_call_state_shapes() const { return first_call_state_shapes_; }
  bool first_call_states_listed() const { return first_call_states_listed_; }

 private:
  std::string class_name_;
  std::string name_;
  bool trainable_;
  DType dtype_;
  // Set once built; first calls on several threads at once build under build_mutex_, once.
  std::atomic<bool> built_ = false;
  std::recursive_mutex build_mutex_;
  std::string path_prefix_, weight_scope_;
  std::optional<Shape> build_input_shape_;
  std::vector<Shape> build_input_shapes_;
  std::vector<Shape> first_call_state_shapes_;
  bool first_call_states_listed_ = true;
  regularizers::Regularizer activity_regularizer_;
  std::vector<std::shared_ptr<Variable>> weights_;
  std::vector<Layer*> sublayers_;
  std::vector<Generator*> generators_;
  std::size_t inbound_node_count_ = 0;
  // What calls leave behind, kept per thread where threads could mix them: the latest output
  // shape, and each calling thread's activity losses with the outermost call they belong to.
  struct ActivityLosses {
    std::thread::id thread;
    std::uint64_t call = 0;
    std::vector<Tensor> losses;
  };
  mutable std::mutex calls_mutex_;
  std::optional<Shape> last_output_shape_;
  std::vector<ActivityLosses> activity_losses_;
};

}  // namespace minidl::layers
