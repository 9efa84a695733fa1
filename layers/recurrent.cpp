#include <minidl/layers/recurrent.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/naming.hpp>
#include <minidl/layers/dropout_mask.hpp>
#include <minidl/layers/kernel_bias_options.hpp>
#include <minidl/layers/serialization.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

CellActivation fused_activation(const ActivationSpec& activation, const std::string& where, const char* argument) {
  if (const auto found = cell_activation(activation.name())) return *found;
  throw_invalid_argument(where, argument, fmt::format("expected one of the activations the fused cells offer ({})", cell_activation_names()),
                         fmt::format("{}=\"{}\"", argument, activation.name()));
}

// The arguments every recurrent layer validates alike: Dense's and Conv1D's, and the recurrent kernel's.
template <class Options>
Options validated_recurrent_options(Options options, const std::string& where) {
  // Bounded as every extent is, so that 4·units and the weights' sizes cannot overflow.
  if (options.units <= 0 || options.units > (std::int64_t{1} << 40))
    throw_invalid_argument(where, "units", "expected a positive integer of at most 2^40", fmt::format("units={}", options.units));
  validate_kernel_and_bias(options, where);
  if constexpr (requires { options.recurrent_activation; })
    options.recurrent_activation = options.recurrent_activation.validated(where, "recurrent_activation");
  options.recurrent_initializer = options.recurrent_initializer.validated(where, "recurrent_initializer");
  options.recurrent_regularizer = options.recurrent_regularizer.validated(where, "recurrent_regularizer");
  options.recurrent_constraint = options.recurrent_constraint.validated(where, "recurrent_constraint");
  // Keras clamps a rate outside [0, 1] without a word; minidl says so instead.
  for (const auto& [rate, argument] : {std::pair{options.dropout, "dropout"}, std::pair{options.recurrent_dropout, "recurrent_dropout"}})
    if (!(rate >= 0 && rate <= 1)) throw_invalid_argument(where, argument, "expected a float in [0, 1]", fmt::format("{}={}", argument, rate));
  return options;
}

template <class Options>
Recurrent::Weights weights_of(const Options& options) {
  return {options.units,
          options.use_bias,
          options.kernel_initializer,
          options.recurrent_initializer,
          options.bias_initializer,
          options.kernel_regularizer,
          options.recurrent_regularizer,
          options.bias_regularizer,
          options.kernel_constraint,
          options.recurrent_constraint,
          options.bias_constraint};
}

}  // namespace

Recurrent::Recurrent(std::string class_name, std::string name, bool trainable, const std::string& dtype,
                     regularizers::Regularizer activity_regularizer, bool return_sequences, bool return_state, bool stateful,
                     bool zero_output_for_mask)
    : Layer(class_name, std::move(name), trainable, parse_dtype(dtype, class_name), std::move(activity_regularizer)),
      return_sequences_(return_sequences),
      return_state_(return_state),
      stateful_(stateful),
      zero_output_for_mask_(zero_output_for_mask) {}

void Recurrent::configure(const Weights& weights, const RecurrentOptions& op_options, Shape bias_shape) {
  // Keras keeps the weights in the layer's cell: "lstm/lstm_cell/kernel".
  set_weight_scope(snake_case(class_name()) + "_cell/");
  units_ = weights.units;
  weights_ = weights;
  op_options_ = op_options;
  bias_shape_ = std::move(bias_shape);
}

void Recurrent::check_input(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input of rank 3 (batch, steps, features), received shape {}", where(),
                                 shape_to_string(input_shape)));
  if (input_shape[1] < 1)
    throw ShapeError(fmt::format("{}: expected at least one step, received an input of shape {}", where(), shape_to_string(input_shape)));
  if (built() && input_shape[2] != input_dim_)
    throw ShapeError(fmt::format("{}: expected axis -1 of the input shape to have value {} (the layer was built for it), received "
                                 "an input of shape {}",
                                 where(), input_dim_, shape_to_string(input_shape)));
}

Shape Recurrent::compute_output_shape(const Shape& input_shape) const {
  if (return_sequences_) return {input_shape[0], input_shape[1], units_};
  return {input_shape[0], units_};
}

std::vector<Shape> Recurrent::node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const {
  if (!list_argument && input_shapes.size() == 1 + state_count()) {
    check_input(input_shapes[0]);
    for (std::size_t i = 1; i < input_shapes.size(); ++i)
      if (input_shapes[i] != Shape{input_shapes[0][0], units_})
        throw ShapeError(fmt::format("{}: invalid argument `initial_state`: expected each state of shape {}, received {}", where(),
                                     shape_to_string({input_shapes[0][0], units_}), shape_to_string(input_shapes[i])));
    std::vector<Shape> shapes = {compute_output_shape(input_shapes[0])};
    if (return_state_) shapes.insert(shapes.end(), state_count(), Shape{input_shapes[0][0], units_});
    return shapes;
  }
  auto shapes = Layer::node_output_shapes(input_shapes, list_argument);
  if (return_state_) shapes.insert(shapes.end(), state_count(), Shape{input_shapes[0][0], units_});
  return shapes;
}

void Recurrent::configure_dropout(double dropout, double recurrent_dropout, std::optional<std::uint64_t> seed) {
  dropout_ = dropout;
  recurrent_dropout_ = recurrent_dropout;
  if (seed) track_generator(generator_.emplace(*seed));
}

RecurrentDropout Recurrent::dropout_masks(const Tensor& inputs) {
  if (!training()) return {};
  // Keras's cells apply a rate of 1 only in SimpleRNN (zeros); LSTM and GRU take 0 < rate < 1.
  const bool simple = op_options_.cell == CellKind::simple_rnn;
  const auto applies = [simple](double rate) { return simple ? rate > 0 : rate > 0 && rate < 1; };
  // With recurrent_dropout an LSTM or a GRU (Keras's implementation 1) draws a mask per gate for
  // both; otherwise one mask serves every gate.
  const std::int64_t gates = op_options_.cell == CellKind::lstm ? 4 : 3;
  const std::int64_t groups = !simple && recurrent_dropout_ != 0 ? gates : 1;
  Generator& source = generator_ ? *generator_ : global_generator();
  RecurrentDropout masks;
  if (applies(dropout_)) masks.input = dropout_mask({groups, inputs.dim(0), inputs.dim(2)}, dropout_, source, dtype());
  if (applies(recurrent_dropout_)) masks.recurrent = dropout_mask({groups, inputs.dim(0), units_}, recurrent_dropout_, source, dtype());
  return masks;
}

Tensor Recurrent::initial_bias(const Shape& shape) const { return weights_.bias_initializer(shape, dtype()); }

void Recurrent::build_weights(const Shape& input_shape) {
  input_dim_ = input_shape[2];
  const std::int64_t width = bias_shape_.back();
  kernel_ = add_weight("kernel", {input_dim_, width}, weights_.kernel_initializer, weights_.kernel_regularizer, weights_.kernel_constraint);
  recurrent_kernel_ = add_weight("recurrent_kernel", {units_, width}, weights_.recurrent_initializer, weights_.recurrent_regularizer,
                                 weights_.recurrent_constraint);
  if (weights_.use_bias) {
    const initializers::Initializer bias_values = [this](const Shape& shape, DType) { return initial_bias(shape); };
    bias_ = add_weight("bias", bias_shape_, bias_values, weights_.bias_regularizer, weights_.bias_constraint);
  }
}

Tensor Recurrent::compute_mask(const Tensor&, const Tensor& mask) const { return return_sequences_ ? mask : Tensor(); }

Tensor Recurrent::output_factors(const Tensor& mask) const {
  // Keras's output at a skipped step is the previous step's output, zeros before the first kept
  // step (or zeros throughout with zero_output_for_mask); the carried state is the previous
  // output from the first kept step on, so the output is the state times these factors.
  const std::int64_t batch = mask.dim(0), steps = mask.dim(1);
  const std::vector<double> kept = mask.to_vector();
  std::vector<double> factors(kept.size());
  for (std::int64_t b = 0; b < batch; ++b) {
    bool seen = false;
    for (std::int64_t s = 0; s < steps; ++s) {
      const double keep = kept[std::size_t(b * steps + (op_options_.go_backwards ? steps - 1 - s : s))];
      seen = seen || keep != 0;
      factors[std::size_t(b * steps + s)] = zero_output_for_mask_ ? double(keep != 0) : double(seen);
    }
  }
  return cast(Tensor(factors, {batch, steps, 1}), dtype());
}

Tensor Recurrent::call(const Tensor& inputs) {
  const std::lock_guard lock(call_state_mutex_);
  std::vector<Tensor> states = initial_state_;
  if (states.empty() && !stored_states_.empty()) {
    if (stored_states_[0].dim(0) != inputs.dim(0))
      throw ShapeError(fmt::format("{}: the layer is stateful and holds states for a batch of {}, received an input of shape {}; feed "
                                   "batches of one size, or call reset_states() first",
                                   where(), stored_states_[0].dim(0), shape_to_string(inputs.shape())));
    states = stored_states_;
  }
  if (states.empty()) states.assign(state_count(), Tensor::zeros({inputs.dim(0), units_}, dtype()));
  const Tensor& mask = input_mask();
  if (mask.defined() && mask.shape() != Shape{inputs.dim(0), inputs.dim(1)})
    throw ShapeError(fmt::format("{}: expected the input's mask of shape (batch, steps) = {}, received {}", where(),
                                 shape_to_string({inputs.dim(0), inputs.dim(1)}), shape_to_string(mask.shape())));
  const Tensor all = recurrent_sequence(inputs, kernel_->value(), recurrent_kernel_->value(), bias_ ? bias_->value() : Tensor(), states,
                                        op_options_, mask, dropout_masks(inputs));
  const std::int64_t steps = inputs.dim(1);
  const Tensor last = squeeze(slice(all, 1, steps - 1, steps), {1});
  const Tensor h = slice(last, 1, 0, units_);
  std::vector<Tensor> final_states = {h};
  if (state_count() == 2) final_states.push_back(slice(last, 1, units_, 2 * units_));
  if (keep_final_states_) final_states_ = final_states;
  if (stateful_) {
    stored_states_.clear();
    for (const auto& state : final_states) stored_states_.push_back(state.detach().clone());
  }
  if (!mask.defined()) return return_sequences_ ? slice(all, 2, 0, units_) : h;
  const Tensor outputs = slice(all, 2, 0, units_) * output_factors(mask);
  return return_sequences_ ? outputs : squeeze(slice(outputs, 1, steps - 1, steps), {1});
}

std::vector<Tensor> Recurrent::call_with_state(const Tensor& inputs, const std::vector<Tensor>& initial_state, bool training) {
  if (!initial_state.empty()) {
    if (initial_state.size() != state_count())
      throw_invalid_argument(where(), "initial_state", fmt::format("expected {} tensors (batch, {})", state_count(), units_),
                             fmt::format("{} tensors", initial_state.size()));
    for (const auto& state : initial_state)
      if (state.shape() != Shape{inputs.ndim() > 0 ? inputs.dim(0) : 0, units_} || state.dtype() != dtype()) {
        const std::string message =
            fmt::format("{}: invalid argument `initial_state`: expected each state of shape {} {}, received {} {}", where(),
                        shape_to_string({inputs.ndim() > 0 ? inputs.dim(0) : 0, units_}), dtype_name(dtype()), shape_to_string(state.shape()),
                        dtype_name(state.dtype()));
        if (state.dtype() != dtype()) throw InvalidArgument(message);
        throw ShapeError(message);
      }
  }
  const std::lock_guard lock(call_state_mutex_);
  // Held for the duration of the call, and dropped even if it throws.
  struct Held {
    Recurrent& layer;
    ~Held() {
      layer.initial_state_.clear();
      layer.final_states_.clear();
      layer.keep_final_states_ = false;
    }
  } held{*this};
  initial_state_ = initial_state;
  keep_final_states_ = true;
  std::vector<Tensor> outputs = {(*this)(inputs, training)};
  outputs.insert(outputs.end(), final_states_.begin(), final_states_.end());
  return outputs;
}

std::vector<SymbolicTensor> Recurrent::call_with_state(const SymbolicTensor& inputs, const std::vector<SymbolicTensor>& initial_state) {
  if (initial_state.size() != state_count())
    throw_invalid_argument(where(), "initial_state", fmt::format("expected {} tensors (batch, {})", state_count(), units_),
                           fmt::format("{} tensors", initial_state.size()));
  std::vector<SymbolicTensor> arguments = {inputs};
  arguments.insert(arguments.end(), initial_state.begin(), initial_state.end());
  return symbolic_call(arguments, false, {.count = initial_state.size(), .listed = state_count() > 1});
}

std::vector<Tensor> Recurrent::call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) {
  const bool with_states = !list_argument && inputs.size() == 1 + state_count();
  if (!return_state_ && !with_states) return Layer::call_node(inputs, list_argument, training);
  if (list_argument || (inputs.size() != 1 && !with_states))
    throw InvalidArgument(fmt::format("{}: expected one input tensor, received a list of {}", where(), inputs.size()));
  auto outputs = call_with_state(inputs[0], std::vector<Tensor>(inputs.begin() + 1, inputs.end()), training);
  if (!return_state_) outputs.resize(1);
  return outputs;
}

nlohmann::json Recurrent::serialized() const {
  nlohmann::json entry = Layer::serialized();
  if (first_call_state_shapes().empty() || !build_input_shape()) return entry;
  nlohmann::json states = nlohmann::json::array();
  for (const auto& shape : first_call_state_shapes()) states.push_back(shape_to_json(shape));
  entry["build_config"] = {{"shapes_dict",
                            {{"sequences_shape", shape_to_json(*build_input_shape())},
                             {"initial_state_shape", first_call_states_listed() ? states : states.at(0)}}}};
  return entry;
}

const Tensor& Recurrent::kernel() const {
  if (!kernel_) throw StateError(fmt::format("{}: the kernel does not exist until the layer is built", where()));
  return kernel_->value();
}

const Tensor& Recurrent::recurrent_kernel() const {
  if (!recurrent_kernel_) throw StateError(fmt::format("{}: the recurrent kernel does not exist until the layer is built", where()));
  return recurrent_kernel_->value();
}

Tensor Recurrent::bias() const {
  if (!kernel_) throw StateError(fmt::format("{}: the bias does not exist until the layer is built", where()));
  return bias_ ? bias_->value() : Tensor();
}

SimpleRNN::SimpleRNN(SimpleRNNOptions options)
    : Recurrent("SimpleRNN", options.name, options.trainable, options.dtype, options.activity_regularizer, options.return_sequences,
                options.return_state, options.stateful, options.zero_output_for_mask),
      options_(validated_recurrent_options(std::move(options), where())) {
  options_.name = name();
  configure_dropout(options_.dropout, options_.recurrent_dropout, options_.seed);
  configure(weights_of(options_), {.cell = CellKind::simple_rnn, .activation = fused_activation(options_.activation, where(), "activation"),
                                   .go_backwards = options_.go_backwards},
            {options_.units});
}

LSTM::LSTM(LSTMOptions options)
    : Recurrent("LSTM", options.name, options.trainable, options.dtype, options.activity_regularizer, options.return_sequences,
                options.return_state, options.stateful, options.zero_output_for_mask),
      options_(validated_recurrent_options(std::move(options), where())) {
  options_.name = name();
  configure_dropout(options_.dropout, options_.recurrent_dropout, options_.seed);
  configure(weights_of(options_),
            {.cell = CellKind::lstm,
             .activation = fused_activation(options_.activation, where(), "activation"),
             .recurrent_activation = fused_activation(options_.recurrent_activation, where(), "recurrent_activation"),
             .go_backwards = options_.go_backwards},
            {4 * options_.units});
}

Tensor LSTM::initial_bias(const Shape& shape) const {
  if (!options_.unit_forget_bias) return Recurrent::initial_bias(shape);
  // Keras: the bias initializer for the input gate, ones for the forget gate, the initializer again for the other two.
  const std::int64_t units = options_.units;
  return concat({options_.bias_initializer({units}, dtype()), Tensor::ones({units}, dtype()), options_.bias_initializer({2 * units}, dtype())},
                0);
}

GRU::GRU(GRUOptions options)
    : Recurrent("GRU", options.name, options.trainable, options.dtype, options.activity_regularizer, options.return_sequences,
                options.return_state, options.stateful, options.zero_output_for_mask),
      options_(validated_recurrent_options(std::move(options), where())) {
  options_.name = name();
  configure_dropout(options_.dropout, options_.recurrent_dropout, options_.seed);
  configure(weights_of(options_),
            {.cell = CellKind::gru,
             .activation = fused_activation(options_.activation, where(), "activation"),
             .recurrent_activation = fused_activation(options_.recurrent_activation, where(), "recurrent_activation"),
             .go_backwards = options_.go_backwards,
             .reset_after = options_.reset_after},
            options_.reset_after ? Shape{2, 3 * options_.units} : Shape{3 * options_.units});
}

}  // namespace minidl::layers
