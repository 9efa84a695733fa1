#pragma once
// Keras 3's recurrent layers (keras/src/layers/rnn/): SimpleRNN, LSTM and GRU over (batch, steps,
// features), with Keras's arguments, defaults and weight layouts (kernel (features, g·units),
// recurrent_kernel (units, g·units), gates in Keras's order: LSTM i, f, c, o; GRU z, r, h), so
// weights move between Keras and minidl unchanged. Each runs the whole sequence as one op with its
// own backward through time (autograd/ops/recurrent.hpp).
//   layers::LSTM lstm({.units = 64, .return_sequences = true});
//   Tensor sequence = lstm(x);                       // (batch, steps, 64)
//   std::vector<Tensor> all = lstm.call_with_state(x);  // {sequence, h, c}: Keras's return_state
// A mask on the input (layers::Masking) skips the steps it marks, as Keras: states carry over them.
#include <minidl/autograd/ops/recurrent.hpp>
#include <minidl/core/random.hpp>
#include <minidl/layers/activation.hpp>
#include <minidl/layers/layer.hpp>

#include <memory>
#include <mutex>
#include <optional>

namespace minidl::layers {

// The order of Keras's constructor arguments, so that designated initializers read as Keras calls.
struct SimpleRNNOptions {
  // Size of the state and of each step's output; required, > 0.
  std::int64_t units = 0;
  ActivationSpec activation = "tanh";
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer recurrent_initializer = "orthogonal";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer recurrent_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint recurrent_constraint = {};
  constraints::Constraint bias_constraint = {};
  // In training calls, the fraction of the input's features (dropout) and of the previous state's
  // units (recurrent_dropout) zeroed, in [0, 1]; Keras draws one mask per sequence, the same at every
  // step, and with recurrent_dropout one per gate (see docs/recurrent.md).
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  // Seeds the layer's own generator of those masks; unset: the global generator.
  std::optional<std::uint64_t> seed = std::nullopt;
  // The output of every step (batch, steps, units), or of the last one (batch, units).
  bool return_sequences = false;
  // Also the final state(s), from call_with_state() and in functional models.
  bool return_state = false;
  // Read the steps last to first; a sequence output comes out in that (reversed) order, as Keras's.
  bool go_backwards = false;
  // Start each call from the final states of the call before (reset_states() zeroes them): one
  // long sequence fed in consecutive chunks, sample i of each batch continuing sample i of the last.
  bool stateful = false;
  // Keras's unrolling changes how its graph is built, not the numbers: kept for configs only.
  bool unroll = false;
  // With a mask: the output of a skipped step is zeros (else the last kept step's output, as Keras).
  bool zero_output_for_mask = false;
  std::string name = "";
  bool trainable = true;
  std::string dtype = "float32";
};

struct LSTMOptions {
  std::int64_t units = 0;
  ActivationSpec activation = "tanh";
  // The gates' activation.
  ActivationSpec recurrent_activation = "sigmoid";
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer recurrent_initializer = "orthogonal";
  initializers::Initializer bias_initializer = "zeros";
  // Start the forget gate's bias at ones, whatever bias_initializer says (Jozefowicz et al., 2015), as Keras.
  bool unit_forget_bias = true;
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer recurrent_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint recurrent_constraint = {};
  constraints::Constraint bias_constraint = {};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  std::optional<std::uint64_t> seed = std::nullopt;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;
  bool zero_output_for_mask = false;
  std::string name = "";
  bool trainable = true;
  std::string dtype = "float32";
};

struct GRUOptions {
  std::int64_t units = 0;
  ActivationSpec activation = "tanh";
  ActivationSpec recurrent_activation = "sigmoid";
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer recurrent_initializer = "orthogonal";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer recurrent_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint recurrent_constraint = {};
  constraints::Constraint bias_constraint = {};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  std::optional<std::uint64_t> seed = std::nullopt;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;
  bool zero_output_for_mask = false;
  // Apply the reset gate after the recurrent product (Keras 3's default, and cuDNN's), with
  // separate input and recurrent biases, bias (2, 3·units); false: before it, bias (3·units).
  bool reset_after = true;
  std::string name = "";
  bool trainable = true;
  std::string dtype = "float32";
};

// What SimpleRNN, LSTM and GRU share: the weights, the run through time and the outputs.
class Recurrent : public Layer {
 public:
  // (batch, steps, units) with return_sequences, else (batch, units).
  Shape compute_output_shape(const Shape& input_shape) const override;
  // Keras's layer(x, initial_state=...) with the final states after the output, whatever
  // return_state says: {output, h}, for an LSTM {output, h, c}. initial_state: none (zeros) or
  // one (batch, units) tensor per state, differentiable.
  std::vector<Tensor> call_with_state(const Tensor& inputs, const std::vector<Tensor>& initial_state = {}, bool training = false);
  // Keras's layer(x, initial_state=[h, c]) in a functional model (an encoder's final states
  // starting a decoder): the output, then the final states with return_state. A single state may
  // be given alone, as Keras's initial_state=h.
  std::vector<SymbolicTensor> call_with_state(const SymbolicTensor& inputs, const std::vector<SymbolicTensor>& initial_state);
  // In a functional model: the output, then the states when return_state; the inputs may end with
  // the initial states.
  std::vector<Tensor> call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) override;
  // Keras's build_config of a layer first called with initial_state: a shapes_dict of both.
  nlohmann::json serialized() const override;
  // The input's mask goes on with the sequence (return_sequences), never with a last step alone.
  bool supports_masking() const override { return true; }
  Tensor compute_mask(const Tensor& inputs, const Tensor& mask) const override;
  std::int64_t units() const { return units_; }
  bool stateful() const { return stateful_; }
  // A stateful layer's next call starts from zeros again, with a batch of any size (Keras keeps the
  // batch size of the first call; see docs/recurrent.md).
  void reset_states() override { stored_states_.clear(); }
  // A stateful layer's states, what its next call starts from: empty before the first call and
  // after reset_states().
  const std::vector<Tensor>& states() const { return stored_states_; }
  bool return_sequences() const { return return_sequences_; }
  bool return_state() const { return return_state_; }
  const Tensor& kernel() const;
  const Tensor& recurrent_kernel() const;
  Tensor bias() const;

  // The weights' settings each class's options hold.
  struct Weights {
    std::int64_t units = 0;
    bool use_bias = true;
    initializers::Initializer kernel_initializer = "glorot_uniform";
    initializers::Initializer recurrent_initializer = "orthogonal";
    initializers::Initializer bias_initializer = "zeros";
    regularizers::Regularizer kernel_regularizer = {}, recurrent_regularizer = {}, bias_regularizer = {};
    constraints::Constraint kernel_constraint = {}, recurrent_constraint = {}, bias_constraint = {};
  };

 protected:
  // It runs two of these, checking its input and counting states as they do.
  friend class Bidirectional;
  Recurrent(std::string class_name, std::string name, bool trainable, const std::string& dtype,
            regularizers::Regularizer activity_regularizer, bool return_sequences, bool return_state, bool stateful,
            bool zero_output_for_mask);
  // Set by each class's constructor, after validating its options.
  void configure(const Weights& weights, const RecurrentOptions& op_options, Shape bias_shape);
  void configure_dropout(double dropout, double recurrent_dropout, std::optional<std::uint64_t> seed);
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  std::vector<Shape> node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const override;
  // The bias's initial value (an LSTM's with unit_forget_bias differs).
  virtual Tensor initial_bias(const Shape& shape) const;
  std::size_t state_count() const { return op_options_.cell == CellKind::lstm ? 2 : 1; }
  // (batch, steps, 1): what each step's state is multiplied by to give Keras's output under this mask.
  Tensor output_factors(const Tensor& mask) const;

 private:
  std::int64_t units_ = 0;
  bool return_sequences_, return_state_, stateful_, zero_output_for_mask_;
  Weights weights_;
  RecurrentOptions op_options_;
  Shape bias_shape_;
  std::int64_t input_dim_ = 0;
  std::shared_ptr<Variable> kernel_, recurrent_kernel_, bias_;
  // For a call_with_state in progress: the initial states it was given, whether it wants the
  // final states, and those, handed back at its end (plain calls keep nothing).
  std::vector<Tensor> initial_state_;
  bool keep_final_states_ = false;
  std::vector<Tensor> final_states_;
  // A stateful layer's final states of its latest call, outside any graph.
  std::vector<Tensor> stored_states_;
  // The members above are a call's: calls on several threads take turns (recursive, as
  // call_with_state calls the layer).
  std::recursive_mutex call_state_mutex_;
  double dropout_ = 0.0, recurrent_dropout_ = 0.0;
  std::optional<Generator> generator_;  // seeded: a reproducible stream of dropout masks
  // This call's dropout masks (none outside training).
  RecurrentDropout dropout_masks(const Tensor& inputs);
};

class SimpleRNN : public Recurrent {
 public:
  using Options = SimpleRNNOptions;
  explicit SimpleRNN(SimpleRNNOptions options);
  nlohmann::json get_config() const override;
  static std::unique_ptr<SimpleRNN> from_config(const nlohmann::json& config);
  const SimpleRNNOptions& options() const { return options_; }

 private:
  SimpleRNNOptions options_;
};

class LSTM : public Recurrent {
 public:
  using Options = LSTMOptions;
  explicit LSTM(LSTMOptions options);
  nlohmann::json get_config() const override;
  static std::unique_ptr<LSTM> from_config(const nlohmann::json& config);
  const LSTMOptions& options() const { return options_; }

 protected:
  Tensor initial_bias(const Shape& shape) const override;

 private:
  LSTMOptions options_;
};

class GRU : public Recurrent {
 public:
  using Options = GRUOptions;
  explicit GRU(GRUOptions options);
  nlohmann::json get_config() const override;
  static std::unique_ptr<GRU> from_config(const nlohmann::json& config);
  const GRUOptions& options() const { return options_; }

 private:
  GRUOptions options_;
};

}  // namespace minidl::layers
