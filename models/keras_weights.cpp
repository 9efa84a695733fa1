#include <minidl/models/keras_weights.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/naming.hpp>
#include <minidl/io/child_process.hpp>
#include <minidl/io/hdf5_file.hpp>
#include <minidl/layers/bidirectional.hpp>
#include <minidl/layers/time_distributed.hpp>
#include <minidl/models/functional.hpp>
#include <minidl/models/sequential.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace minidl::models {

namespace {

// One "vars" group of the layout: the layer whose own weights it holds.
struct SavedLayer {
  std::string group;  // "" for the model itself, "/layers/conv1d", "/layers/sequential/layers/dense"
  const layers::Layer* layer;
  // What the group's vars hold: the layer's own weights, or none where Keras keeps them in a
  // part of the layer (a recurrent layer's cell).
  std::vector<std::shared_ptr<layers::Variable>> weights;
  // The group's "name" attribute: the layer's, or its cell's ("lstm_cell").
  std::string name;
};

// A layer's groups as Keras's saving walks its attributes: a recurrent layer's weights are its
// cell's ("lstm/cell/vars"), a Bidirectional's its two layers' ("forward_layer", "backward_layer"),
// a TimeDistributed's its layer's ("layer").
void add_layer(const layers::Layer& layer, const std::string& path, const char* caller, std::vector<SavedLayer>& saved) {
  if (dynamic_cast<const layers::Recurrent*>(&layer)) {
    saved.push_back({path, &layer, {}, layer.name()});
    saved.push_back({path + "/cell", &layer, layer.own_weights(), snake_case(layer.class_name()) + "_cell"});
  } else if (const auto* bidirectional = dynamic_cast<const layers::Bidirectional*>(&layer)) {
    saved.push_back({path, &layer, {}, layer.name()});
    add_layer(bidirectional->forward_layer(), path + "/forward_layer", caller, saved);
    add_layer(bidirectional->backward_layer(), path + "/backward_layer", caller, saved);
  } else if (const auto* wrapper = dynamic_cast<const layers::TimeDistributed*>(&layer)) {
    saved.push_back({path, &layer, {}, layer.name()});
    add_layer(wrapper->layer(), path + "/layer", caller, saved);
  } else {
    if (layer.weights().size() != layer.own_weights().size())
      throw InvalidArgument(fmt::format("{}: {} '{}' holds layers of its own, which minidl does not lay out in Keras files", caller,
                                        layer.class_name(), layer.name()));
    saved.push_back({path, &layer, layer.own_weights(), layer.name()});
  }
}

std::vector<const layers::Layer*> listed_layers(const Model& model, const char* caller) {
  std::vector<const layers::Layer*> listed;
  if (const auto* sequential = dynamic_cast<const Sequential*>(&model)) {
    for (const auto& layer : sequential->layers()) listed.push_back(layer.get());
  } else if (const auto* functional = dynamic_cast<const Functional*>(&model)) {
    for (const auto& layer : functional->layers()) listed.push_back(layer.get());
  } else {
    throw InvalidArgument(fmt::format("{}: {} '{}' is a model class; Keras files hold Sequential and functional models "
                                      "(build it with Sequential or Functional to exchange it with Keras)",
                                      caller, model.class_name(), model.name()));
  }
  return listed;
}

// The layout's groups in Keras's walking order: the model, then each listed layer, a nested
// model's own layers right after it.
void walk(const Model& model, const std::string& group, const char* caller, std::vector<SavedLayer>& saved) {
  saved.push_back({group, &model, model.own_weights(), model.name()});
  std::map<std::string, int> used;
  for (const auto* layer : listed_layers(model, caller)) {
    std::string name = snake_case(layer->class_name());
    const int seen = used[name]++;
    if (seen > 0) name += fmt::format("_{}", seen);
    const std::string path = group + "/layers/" + name;
    if (const auto* nested = dynamic_cast<const Model*>(layer)) walk(*nested, path, caller, saved);
    else add_layer(*layer, path, caller, saved);
  }
}

std::vector<SavedLayer> layout(const Model& model, const char* caller) {
  std::vector<SavedLayer> saved;
  walk(model, "", caller, saved);
  return saved;
}

std::vector<std::string> weight_names(const SavedLayer& saved) {
  std::vector<std::string> names;
  for (const auto& weight : saved.weights) names.push_back(weight->name());
  return names;
}

std::string vars_group(const SavedLayer& saved) { return saved.group + "/vars"; }

// The weights the layout's groups hold, in the file's order.
std::vector<std::shared_ptr<layers::Variable>> saved_weights(const std::vector<SavedLayer>& saved) {
  std::vector<std::shared_ptr<layers::Variable>> weights;
  for (const auto& entry : saved)
    for (const auto& weight : entry.weights) weights.push_back(weight);
  return weights;
}

// Each weight as the file holds it, read only once its count and shape are known to fit.
std::vector<Tensor> read_layers(const io::Hdf5Reader& file, const std::vector<SavedLayer>& saved) {
  const std::string& source = file.source();
  std::vector<Tensor> values;
  for (const auto& entry : saved) {
    const layers::Layer& layer = *entry.layer;
    const std::string group = vars_group(entry);
    if (!file.has_group(group))
      throw InvalidArgument(fmt::format("{}: there is no group {} for {} '{}': the file holds another model", source, group,
                                        layer.class_name(), layer.name()));
    const auto& weights = entry.weights;
    const auto members = file.members(group);
    if (members.size() != weights.size())
      throw InvalidArgument(fmt::format("{}: layer '{}' expected {} variables, but received {} variables during loading "
                                        "(in {}). Expected: [{}]",
                                        source, layer.name(), weights.size(), members.size(), group,
                                        fmt::join(weight_names(entry), ", ")));
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const std::string path = fmt::format("{}/{}", group, i);
      const Shape shape = file.dataset_shape(path);
      if (shape != weights[i]->shape())
        throw InvalidArgument(fmt::format("{}: {} holds {} of shape {}, the model's is {}", source, path,
                                          weights[i]->path(), shape_to_string(shape),
                                          shape_to_string(weights[i]->shape())));
      values.push_back(file.read(path, shape, weights[i]->value().dtype()));
    }
  }
  return values;
}

// What an unbuilt optimizer's keras_variables() holds: the iteration and a constant learning rate.
std::size_t unbuilt_count(const optim::Optimizer& optimizer) { return optimizer.learning_rate_is_constant() ? 2 : 1; }

// More variables than an unbuilt optimizer holds are slots: the optimizer is built to take them.
void prepare_optimizer(Model& model, optim::Optimizer& optimizer, std::size_t stored) {
  if (stored > unbuilt_count(optimizer) && !optimizer.built()) optimizer.build(model.trainable_weights());
}

std::vector<Tensor> read_optimizer(const io::Hdf5Reader& file, Model& model, optim::Optimizer& optimizer) {
  const std::string& source = file.source();
  const std::string group = "/optimizer/vars";
  const std::size_t stored = file.members(group).size();
  prepare_optimizer(model, optimizer, stored);
  const auto expected = optimizer.keras_variables();
  if (stored != expected.size())
    throw InvalidArgument(fmt::format("{}: {} holds {} variables, the model's {} optimizer '{}' has {} (the iteration{}{}): "
                                      "the file was saved with another optimizer or model",
                                      source, group, stored, optimizer.class_name(), optimizer.name(), expected.size(),
                                      optimizer.learning_rate_is_constant() ? ", the learning rate" : "",
                                      optimizer.built() ? " and the slots of each trainable weight" : ""));
  std::vector<Tensor> state;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const std::string path = fmt::format("{}/{}", group, i);
    const Shape shape = file.dataset_shape(path);
    if (shape != expected[i].second.shape())
      throw InvalidArgument(fmt::format("{}: {} holds {} of shape {}, the optimizer's is {}", source, path, expected[i].first,
                                        shape_to_string(shape), shape_to_string(expected[i].second.shape())));
    state.push_back(file.read(path, shape, i == 0 ? DType::float64 : expected[i].second.dtype()));
  }
  return state;
}

}  // namespace

std::string encode_keras_weights(const Model& model, const optim::Optimizer* optimizer) {
  io::Hdf5Writer file;
  for (const auto& entry : layout(model, "save_keras_model")) {
    const std::string group = vars_group(entry);
    file.group(group, entry.name);
    const auto& weights = entry.weights;
    for (std::size_t i = 0; i < weights.size(); ++i) file.write(fmt::format("{}/{}", group, i), weights[i]->value());
  }
  if (optimizer) {
    file.group("/optimizer/vars", optimizer->name());
    const auto state = optimizer->keras_variables();
    file.write_int32("/optimizer/vars/0", static_cast<std::int32_t>(std::min<std::int64_t>(optimizer->iterations(), INT32_MAX)));
    for (std::size_t i = 1; i < state.size(); ++i) file.write(fmt::format("/optimizer/vars/{}", i), state[i].second);
  }
  return file.bytes();
}

void decode_keras_weights(Model& model, const std::string& bytes, const std::string& source, optim::Optimizer* optimizer) {
  const auto saved = layout(model, "load_weights");
  // libhdf5 reads the file in a child process: a file that crashes it costs that process alone.
  // The child's values come back in the file's order, the optimizer's after the layers'.
  auto values = io::read_in_child_process(source, "libhdf5", [&] {
    io::Hdf5Reader file(bytes, source);
    auto values = read_layers(file, saved);
    if (optimizer && file.has_group("/optimizer/vars"))
      for (auto& value : read_optimizer(file, model, *optimizer)) values.push_back(std::move(value));
    return values;
  });
  const auto weights = saved_weights(saved);
  std::vector<Tensor> optimizer_state(std::make_move_iterator(values.begin() + std::ptrdiff_t(weights.size())),
                                      std::make_move_iterator(values.end()));
  if (!optimizer_state.empty()) prepare_optimizer(model, *optimizer, optimizer_state.size());
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->assign(values[i]);
  if (!optimizer_state.empty()) optimizer->load_keras_variables(optimizer_state);
}

}  // namespace minidl::models
