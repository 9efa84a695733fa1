#include <minidl/layers/bidirectional.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/serialization.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

using Json = nlohmann::json;

std::string without_prefix(const std::string& name, const std::string& prefix) {
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

// A new layer from `layer`'s config, as Keras's Bidirectional makes its own: renamed, and with
// zero_output_for_mask set to return_sequences, as Keras forces it.
std::unique_ptr<Recurrent> remade(const Recurrent& layer, const std::string& prefix, bool backwards, bool keep_weights) {
  Json entry = serialize(layer);
  Json& config = entry.at("config");
  config["name"] = prefix + without_prefix(layer.name(), prefix);
  if (backwards) config["go_backwards"] = true;
  config["zero_output_for_mask"] = layer.return_sequences();
  auto copy = deserialize(entry);
  if (!dynamic_cast<Recurrent*>(copy.get()))
    throw InvalidArgument(fmt::format("Bidirectional: the class registered as '{}' made a {}, not a recurrent layer", layer.class_name(),
                                      copy->class_name()));
  std::unique_ptr<Recurrent> recurrent(static_cast<Recurrent*>(copy.release()));
  if (keep_weights && layer.built()) recurrent->set_weights(layer.get_weights());
  return recurrent;
}

}  // namespace

Bidirectional::Bidirectional(const Recurrent& layer, BidirectionalOptions options)
    : Bidirectional(remade(layer, "forward_", false, false), remade(layer, "backward_", true, false), std::move(options)) {}

Bidirectional::Bidirectional(const Recurrent& layer, const Recurrent& backward_layer, BidirectionalOptions options)
    : Bidirectional(remade(layer, "forward_", false, false), remade(backward_layer, "", false, true), std::move(options)) {}

Bidirectional::Bidirectional(std::unique_ptr<Recurrent> forward, std::unique_ptr<Recurrent> backward, BidirectionalOptions options)
    : Layer("Bidirectional", options.name, options.trainable, forward->dtype(), {}),
      forward_(std::move(forward)),
      backward_(std::move(backward)),
      merge_mode_(options.merge_mode) {
  if (merge_mode_ && *merge_mode_ != "concat" && *merge_mode_ != "sum" && *merge_mode_ != "mul" && *merge_mode_ != "ave")
    throw_invalid_argument(where(), "merge_mode", "expected one of \"sum\", \"mul\", \"ave\", \"concat\" or none",
                           fmt::format("merge_mode=\"{}\"", *merge_mode_));
  if (!options.dtype.empty() && parse_dtype(options.dtype, where()) != dtype())
    throw_invalid_argument(where(), "dtype", fmt::format("expected the wrapped layer's dtype ({})", dtype_name(dtype())),
                           fmt::format("dtype=\"{}\"", options.dtype));
  const auto differ = [&](const char* attribute, auto forward_value, auto backward_value) {
    if (forward_value != backward_value)
      throw InvalidArgument(fmt::format("{}: the forward and backward layers should have the same {}, received {} for {} and {} for {}", where(),
                                        attribute, forward_value, forward_->where(), backward_value, backward_->where()));
  };
  if (forward_->op_options_.go_backwards == backward_->op_options_.go_backwards)
    throw InvalidArgument(fmt::format("{}: the forward and backward layers should have different go_backwards, both have {}", where(),
                                      forward_->op_options_.go_backwards));
  differ("return_sequences", forward_->return_sequences(), backward_->return_sequences());
  differ("return_state", forward_->return_state(), backward_->return_state());
  differ("stateful", forward_->stateful(), backward_->stateful());
  differ("dtype", dtype_name(forward_->dtype()), dtype_name(backward_->dtype()));
  track(*forward_);
  track(*backward_);
  set_path_prefix("");
  if (!trainable()) set_trainable(false);
}

void Bidirectional::set_path_prefix(const std::string& prefix) {
  Layer::set_path_prefix(prefix);
  set_path_prefix_of(*forward_, prefix + name() + "/");
  set_path_prefix_of(*backward_, prefix + name() + "/");
}

void Bidirectional::check_input(const Shape& input_shape) const {
  forward_->check_input(input_shape);
  backward_->check_input(input_shape);
}

void Bidirectional::build_weights(const Shape& input_shape) {
  forward_->build(input_shape);
  backward_->build(input_shape);
}

Shape Bidirectional::compute_output_shape(const Shape& input_shape) const {
  Shape shape = forward_->compute_output_shape(input_shape);
  if (merge_mode_ == "concat") shape.back() *= 2;
  return shape;
}

std::vector<Shape> Bidirectional::node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const {
  auto shapes = Layer::node_output_shapes(input_shapes, list_argument);
  if (!merge_mode_) shapes.push_back(shapes.front());
  if (return_state()) shapes.insert(shapes.end(), 2 * forward_->state_count(), Shape{input_shapes[0][0], forward_->units()});
  return shapes;
}

Tensor Bidirectional::compute_mask(const Tensor&, const Tensor& mask) const { return return_sequences() ? mask : Tensor(); }

Tensor Bidirectional::call(const Tensor& inputs) {
  const std::lock_guard lock(call_state_mutex_);
  if (!merge_mode_ && !keep_all_outputs_)
    throw InvalidArgument(fmt::format("{}: merge_mode is none, so the layer gives two outputs; call call_with_state() or use it in a "
                                      "functional model",
                                      where()));
  // Both layers refuse a batch their held states do not fit before either runs, so that neither
  // moves on alone.
  for (const Recurrent* layer : {forward_.get(), backward_.get()})
    if (initial_state_.empty() && !layer->states().empty() && layer->states()[0].dim(0) != inputs.dim(0))
      throw ShapeError(fmt::format("{}: {} is stateful and holds states for a batch of {}, received an input of shape {}; feed batches of "
                                   "one size, or call reset_states() first",
                                   where(), layer->where(), layer->states()[0].dim(0), shape_to_string(inputs.shape())));
  const auto half = std::ptrdiff_t(initial_state_.size() / 2);
  const std::vector<Tensor> forward_state(initial_state_.begin(), initial_state_.begin() + half);
  const std::vector<Tensor> backward_state(initial_state_.begin() + half, initial_state_.end());
  const std::vector<Tensor> forward = forward_->call_with_state(inputs, forward_state, training());
  const std::vector<Tensor> backward = backward_->call_with_state(inputs, backward_state, training());
  const Tensor& y = forward[0];
  // The backward layer's sequence comes in its processing order: back to time order.
  Tensor y_reversed = return_sequences() ? flip(backward[0], 1) : backward[0];
  Tensor output = y;
  if (merge_mode_ == "concat") output = concat({y, y_reversed}, -1);
  else if (merge_mode_ == "sum") output = y + y_reversed;
  else if (merge_mode_ == "ave") output = (y + y_reversed) / 2.0;
  else if (merge_mode_ == "mul") output = y * y_reversed;
  if (keep_all_outputs_) {
    more_outputs_.clear();
    if (!merge_mode_) {
      if (const Tensor mask = compute_mask(inputs, input_mask()); mask.defined()) y_reversed.set_keras_mask(mask);
      more_outputs_.push_back(y_reversed);
    }
    more_outputs_.insert(more_outputs_.end(), forward.begin() + 1, forward.end());
    more_outputs_.insert(more_outputs_.end(), backward.begin() + 1, backward.end());
  }
  return output;
}

std::vector<Tensor> Bidirectional::call_with_state(const Tensor& inputs, const std::vector<Tensor>& initial_state, bool training) {
  if (!initial_state.empty() && initial_state.size() != 2 * forward_->state_count())
    throw_invalid_argument(where(), "initial_state",
                           fmt::format("expected {} tensors (batch, {}): the forward layer's states, then the backward one's",
                                       2 * forward_->state_count(), forward_->units()),
                           fmt::format("{} tensors", initial_state.size()));
  const std::lock_guard lock(call_state_mutex_);
  struct Held {
    Bidirectional& layer;
    ~Held() {
      layer.initial_state_.clear();
      layer.more_outputs_.clear();
      layer.keep_all_outputs_ = false;
    }
  } held{*this};
  initial_state_ = initial_state;
  keep_all_outputs_ = true;
  std::vector<Tensor> outputs = {(*this)(inputs, training)};
  outputs.insert(outputs.end(), more_outputs_.begin(), more_outputs_.end());
  return outputs;
}

std::vector<Tensor> Bidirectional::call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) {
  if (merge_mode_ && !return_state()) return Layer::call_node(inputs, list_argument, training);
  if (list_argument || inputs.size() != 1)
    throw InvalidArgument(fmt::format("{}: expected one input tensor, received a list of {}", where(), inputs.size()));
  auto outputs = call_with_state(inputs[0], {}, training);
  if (!return_state()) outputs.resize(output_count());
  return outputs;
}

Json Bidirectional::get_config() const {
  auto config = Layer::get_config();
  config["merge_mode"] = merge_mode_ ? Json(*merge_mode_) : Json(nullptr);
  config["layer"] = serialize(*forward_);
  config["backward_layer"] = serialize(*backward_);
  return config;
}

std::unique_ptr<Bidirectional> Bidirectional::from_config(const Json& config) {
  check_known_arguments(config, "Bidirectional.from_config", {"merge_mode", "layer", "backward_layer"});
  BidirectionalOptions options;
  read_common_fields(config, options);
  if (config.contains("merge_mode")) options.merge_mode = config.at("merge_mode").is_null() ? std::nullopt : std::optional(config.at("merge_mode").get<std::string>());
  const auto recurrent = [](const Json& entry, const char* key) {
    auto layer = deserialize(entry);
    if (!dynamic_cast<Recurrent*>(layer.get()))
      throw_invalid_argument("Bidirectional.from_config", key, "expected a SimpleRNN, LSTM or GRU", entry.value("class_name", "?"));
    return layer;
  };
  const auto forward = recurrent(config.at("layer"), "layer");
  if (config.contains("backward_layer") && !config.at("backward_layer").is_null()) {
    const auto backward = recurrent(config.at("backward_layer"), "backward_layer");
    return std::make_unique<Bidirectional>(static_cast<const Recurrent&>(*forward), static_cast<const Recurrent&>(*backward), options);
  }
  return std::make_unique<Bidirectional>(static_cast<const Recurrent&>(*forward), options);
}

}  // namespace minidl::layers
