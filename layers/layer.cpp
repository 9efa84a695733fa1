#include <minidl/layers/layer.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/naming.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

thread_local int call_depth = 0;
std::atomic<std::uint64_t> outermost_calls_begun = 0;
thread_local std::uint64_t outermost_call = 0;

// The layer calls in progress on this thread, innermost first: the training flag and the input
// mask are a call's, not the layer's, so that calls of one layer on several threads (inference on
// one, training on another) never see each other's. A layer reads its own call's, even after
// calling sublayers; a frame ends with its call, even by an exception.
struct LayerCallFrame;
thread_local const LayerCallFrame* innermost_layer_call = nullptr;
struct LayerCallFrame {
  const Layer* layer;
  bool training;
  Tensor mask;
  const LayerCallFrame* outer = innermost_layer_call;
  LayerCallFrame(const Layer& called, bool training_call, Tensor input_mask)
      : layer(&called), training(training_call), mask(std::move(input_mask)) {
    innermost_layer_call = this;
  }
  ~LayerCallFrame() { innermost_layer_call = outer; }
  LayerCallFrame(const LayerCallFrame&) = delete;
  LayerCallFrame& operator=(const LayerCallFrame&) = delete;
  static const LayerCallFrame* of(const Layer& layer) {
    const LayerCallFrame* frame = innermost_layer_call;
    while (frame && frame->layer != &layer) frame = frame->outer;
    return frame;
  }
};

}  // namespace

CallScope::CallScope() {
  if (call_depth++ == 0) outermost_call = ++outermost_calls_begun;
}

CallScope::~CallScope() { --call_depth; }

std::uint64_t CallScope::outermost() { return outermost_call; }

Layer::Layer(std::string class_name, std::string name, bool trainable, DType dtype,
             regularizers::Regularizer activity_regularizer)
    : class_name_(std::move(class_name)),
      name_(name.empty() ? automatic_name(class_name_) : std::move(name)),
      trainable_(trainable),
      dtype_(dtype) {
  activity_regularizer_ = activity_regularizer.validated(where(), "activity_regularizer");
}

Layer::Layer(std::string class_name, const LayerOptions& options)
    : Layer(class_name, options.name, options.trainable, parse_dtype(options.dtype, class_name), options.activity_regularizer) {}

Shape Layer::compute_output_shape(const Shape& input_shape) const {
  // The layer is not const, only this view of it: building and calling it changes no value a
  // caller of compute_output_shape can see but the weights it would have made on its first call.
  auto& layer = const_cast<Layer&>(*this);
  NoGradGuard no_grad;
  layer.build(input_shape);
  const Tensor output = call_of(layer, Tensor::zeros(input_shape, dtype_), false);
  return output.shape();
}

void Layer::require_rank_3(const Shape& input_shape) const {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input of rank 3, received shape {} of rank {}", where(),
                                 shape_to_string(input_shape), input_shape.size()));
}

std::string Layer::where() const { return fmt::format("{} '{}'", class_name_, name_); }

void Layer::build(const Shape& input_shape) {
  if (built()) return;
  const std::lock_guard lock(build_mutex_);
  if (built()) return;
  check_extents(input_shape, where());
  check_input(input_shape);
  build_weights(input_shape);
  build_input_shape_ = input_shape;
  built_.store(true, std::memory_order_release);
}

void Layer::record_build_shapes(const std::vector<Shape>& shapes) {
  const std::lock_guard lock(build_mutex_);
  if (build_input_shapes_.empty()) build_input_shapes_ = shapes;
}

bool Layer::training() const {
  const LayerCallFrame* frame = LayerCallFrame::of(*this);
  return frame && frame->training;
}

const Tensor& Layer::input_mask() const {
  static const Tensor none;
  const LayerCallFrame* frame = LayerCallFrame::of(*this);
  return frame ? frame->mask : none;
}

std::optional<Shape> Layer::last_output_shape() const {
  const std::lock_guard lock(calls_mutex_);
  return last_output_shape_;
}

void Layer::set_last_output_shape(const Shape& shape) {
  const std::lock_guard lock(calls_mutex_);
  if (last_output_shape_ != shape) last_output_shape_ = shape;
}

Tensor Layer::operator()(const Tensor& inputs, bool training) {
  if (inputs.dtype() != dtype_)
    throw InvalidArgument(fmt::format("{}: invalid argument `inputs`: expected dtype {} (the layer's dtype), received {}; "
                                      "cast the input",
                                      where(), dtype_name(dtype_), dtype_name(inputs.dtype())));
  const CallScope scope;
  check_input(inputs.shape());
  build(inputs.shape());
  const LayerCallFrame frame(*this, training, inputs.keras_mask());
  if (frame.mask.defined() && frame.mask.dtype() != inputs.dtype())
    throw InvalidArgument(fmt::format("{}: the input's mask has dtype {}, expected the input's ({})", where(), dtype_name(frame.mask.dtype()),
                                      dtype_name(inputs.dtype())));
  Tensor outputs = call(inputs);
  if (supports_masking() && !outputs.keras_mask().defined())
    if (const Tensor mask = compute_mask(inputs, frame.mask); mask.defined()) outputs.set_keras_mask(mask);
  set_last_output_shape(outputs.shape());
  if (activity_regularizer_) {
    Tensor loss = activity_regularizer_(outputs);
    if (outputs.ndim() > 0 && outputs.shape()[0] > 0) loss = loss / static_cast<double>(outputs.shape()[0]);
    const std::lock_guard lock(calls_mutex_);
    const auto thread = std::this_thread::get_id();
    auto entry = std::find_if(activity_losses_.begin(), activity_losses_.end(), [&](const auto& losses) { return losses.thread == thread; });
    if (entry == activity_losses_.end()) entry = activity_losses_.insert(entry, ActivityLosses{thread, 0, {}});
    if (entry->call != CallScope::outermost()) {
      entry->losses.clear();
      entry->call = CallScope::outermost();
    }
    entry->losses.push_back(loss);
  }
  return outputs;
}

void Layer::set_path_prefix(const std::string& prefix) {
  path_prefix_ = prefix;
  for (auto& weight : weights_) weight->set_path(fmt::format("{}{}/{}{}", path_prefix_, name_, weight_scope_, weight->name()));
}

Tensor Layer::call_of(Layer& layer, const Tensor& inputs, bool training, const Tensor& mask) {
  const LayerCallFrame frame(layer, training, mask);
  return layer.call(inputs);
}

Tensor Layer::compute_mask(const Tensor&, const Tensor& mask) const { return supports_masking() ? mask : Tensor(); }

Tensor Layer::stateless_call(const std::vector<Tensor>& trainable_values, const Tensor& inputs) {
  build(inputs.shape());
  const auto trainable = trainable_weights();
  if (trainable_values.size() != trainable.size())
    throw_invalid_argument(where(), "trainable_values", fmt::format("expected {} tensors (the trainable weights)", trainable.size()),
                           fmt::format("{} tensors", trainable_values.size()));
  for (std::size_t i = 0; i < trainable.size(); ++i)
    if (trainable_values[i].shape() != trainable[i]->shape() || trainable_values[i].dtype() != dtype_)
      throw ShapeError(fmt::format("{}: stateless_call: trainable value {} ('{}') must have shape {} {}, received {} {}",
                                   where(), i, trainable[i]->name(), shape_to_string(trainable[i]->shape()),
                                   dtype_name(dtype_), shape_to_string(trainable_values[i].shape()),
                                   dtype_name(trainable_values[i].dtype())));
  // Swap the given tensors in for the call, and back out even if it throws.
  struct Swap {
    const std::vector<std::shared_ptr<Variable>>& weights;
    std::vector<Tensor> held;
    ~Swap() {
      for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->swap_value(held[i]);
    }
  } swap{trainable, trainable_values};
  for (std::size_t i = 0; i < trainable.size(); ++i) trainable[i]->swap_value(swap.held[i]);
  return (*this)(inputs);
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (auto& weight : weights_)
    if (weight->created_trainable()) weight->set_trainable(trainable);
  for (auto* layer : sublayers_) layer->set_trainable(trainable);
}

std::vector<Generator*> Layer::generators() const {
  std::vector<Generator*> all = generators_;
  for (const auto* layer : sublayers_) {
    const auto inner = layer->generators();
    all.insert(all.end(), inner.begin(), inner.end());
  }
  return all;
}

std::vector<std::shared_ptr<Variable>> Layer::weights() const {
  std::vector<std::shared_ptr<Variable>> result = weights_;
  for (const auto* layer : sublayers_)
    for (auto& weight : layer->weights()) result.push_back(std::move(weight));
  return result;
}

std::vector<std::shared_ptr<Variable>> Layer::trainable_weights() const {
  std::vector<std::shared_ptr<Variable>> result;
  if (!trainable_) return result;
  for (const auto& weight : weights_)
    if (weight->trainable()) result.push_back(weight);
  for (const auto* layer : sublayers_)
    for (auto& weight : layer->trainable_weights()) result.push_back(std::move(weight));
  return result;
}

std::vector<std::shared_ptr<Variable>> Layer::non_trainable_weights() const {
  std::vector<std::shared_ptr<Variable>> result;
  for (const auto& weight : weights_)
    if (!trainable_ || !weight->trainable()) result.push_back(weight);
  for (const auto* layer : sublayers_)
    for (auto& weight : layer->non_trainable_weights()) result.push_back(std::move(weight));
  return result;
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> values;
  for (const auto& weight : weights()) values.push_back(weight->value().clone());
  return values;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  const auto all = weights();
  if (values.size() != all.size())
    throw_invalid_argument(where(), "weights", fmt::format("expected {} arrays (the layer's weights)", all.size()),
                           fmt::format("{} arrays", values.size()));
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i].shape() != all[i]->shape() || values[i].dtype() != all[i]->value().dtype())
      throw ShapeError(fmt::format("{}: set_weights: weight {} ('{}') expects shape {} {}, received {} {}", where(), i,
                                   all[i]->path(), shape_to_string(all[i]->shape()), dtype_name(all[i]->value().dtype()),
                                   shape_to_string(values[i].shape()), dtype_name(values[i].dtype())));
  for (std::size_t i = 0; i < values.size(); ++i) all[i]->assign(values[i]);
}

std::vector<Tensor> Layer::losses() const {
  std::vector<Tensor> result;
  if (trainable_)
    for (const auto& weight : weights_)
      if (weight->trainable() && weight->regularizer()) result.push_back(weight->regularizer()(weight->value()));
  {
    const std::lock_guard lock(calls_mutex_);
    for (const auto& entry : activity_losses_)
      if (entry.thread == std::this_thread::get_id()) result.insert(result.end(), entry.losses.begin(), entry.losses.end());
  }
  for (const auto* layer : sublayers_)
    for (auto& loss : layer->losses()) result.push_back(std::move(loss));
  return result;
}

Tensor Layer::regularization_loss() const {
  Tensor total = Tensor::scalar(0.0, dtype_);
  for (const auto& loss : losses()) total = total + loss;
  return total;
}

std::shared_ptr<Variable> Layer::add_weight(const WeightOptions& options) {
  std::string name = options.name;
  if (name.empty()) {
    const auto taken = [&](const std::string& candidate) {
      return std::any_of(weights_.begin(), weights_.end(), [&](const auto& weight) { return weight->name() == candidate; });
    };
    name = "variable";
    for (int suffix = 1; taken(name); ++suffix) name = fmt::format("variable_{}", suffix);
  }
  return add_weight(name, options.shape, options.initializer, options.regularizer, options.constraint, options.trainable);
}

std::shared_ptr<Variable> Layer::add_weight(const std::string& name, const Shape& shape,
                                            const initializers::Initializer& initializer,
                                            const regularizers::Regularizer& regularizer,
                                            const constraints::Constraint& constraint, bool trainable) {
  Tensor value;
  try {
    // A weight owns contiguous storage, whatever a custom initializer returns (a view, a shared tensor).
    value = initializer(shape, dtype_).detach().clone();
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("{}: cannot initialize `{}`: {}", where(), name, error.what()));
  }
  auto weight = std::make_shared<Variable>(fmt::format("{}{}/{}{}", path_prefix_, name_, weight_scope_, name), value, trainable && trainable_, regularizer,
                                           constraint);
  weights_.push_back(weight);
  return weight;
}

nlohmann::json Layer::get_config() const {
  return {{"name", name_},
          {"trainable", trainable_},
          {"dtype",
           {{"module", "keras"},
            {"class_name", "DTypePolicy"},
            {"config", {{"name", dtype_name(dtype_)}}},
            {"registered_name", nullptr}}}};
}

}  // namespace minidl::layers
