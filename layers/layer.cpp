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

// A call's input mask is the call's only: dropped when it ends, even by an exception.
struct MaskOfCall {
  Tensor& mask;
  MaskOfCall(Tensor& held, const Tensor& given) : mask(held) { mask = given; }
  ~MaskOfCall() { mask = Tensor(); }
  MaskOfCall(const MaskOfCall&) = delete;
  MaskOfCall& operator=(const MaskOfCall&) = delete;
};
thread_local std::uint64_t outermost_calls = 0;

}  // namespace

CallScope::CallScope() {
  if (call_depth++ == 0) ++outermost_calls;
}

CallScope::~CallScope() { --call_depth; }

std::uint64_t CallScope::outermost() { return outermost_calls; }

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
  if (built_) return;
  check_extents(input_shape, where());
  check_input(input_shape);
  build_weights(input_shape);
  build_input_shape_ = input_shape;
  built_ = true;
}

Tensor Layer::operator()(const Tensor& inputs, bool training) {
  if (inputs.dtype() != dtype_)
    throw InvalidArgument(fmt::format("{}: invalid argument `inputs`: expected dtype {} (the layer's dtype), received {}; "
                                      "cast the input",
                                      where(), dtype_name(dtype_), dtype_name(inputs.dtype())));
  const CallScope scope;
  check_input(inputs.shape());
  build(inputs.shape());
  training_ = training;
  const MaskOfCall held_mask(input_mask_, inputs.keras_mask());
  if (input_mask_.defined() && input_mask_.dtype() != inputs.dtype())
    throw InvalidArgument(fmt::format("{}: the input's mask has dtype {}, expected the input's ({})", where(), dtype_name(input_mask_.dtype()),
                                      dtype_name(inputs.dtype())));
  Tensor outputs = call(inputs);
  if (supports_masking() && !outputs.keras_mask().defined())
    if (const Tensor mask = compute_mask(inputs, input_mask_); mask.defined()) outputs.set_keras_mask(mask);
  last_output_shape_ = outputs.shape();
  if (activity_losses_call_ != CallScope::outermost()) {
    activity_losses_.clear();
    activity_losses_call_ = CallScope::outermost();
  }
  if (activity_regularizer_) {
    Tensor loss = activity_regularizer_(outputs);
    if (outputs.ndim() > 0 && outputs.shape()[0] > 0) loss = loss / static_cast<double>(outputs.shape()[0]);
    activity_losses_.push_back(loss);
  }
  return outputs;
}

void Layer::set_path_prefix(const std::string& prefix) {
  path_prefix_ = prefix;
  for (auto& weight : weights_) weight->set_path(fmt::format("{}{}/{}{}", path_prefix_, name_, weight_scope_, weight->name()));
}

Tensor Layer::call_of(Layer& layer, const Tensor& inputs, bool training, const Tensor& mask) {
  layer.training_ = training;
  const MaskOfCall held_mask(layer.input_mask_, mask);
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
  result.insert(result.end(), activity_losses_.begin(), activity_losses_.end());
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
