// Functional::get_config and from_config, in Keras 3's functional format: each layer's serialized
// form with its name and inbound_nodes (the calls made on it, each argument a "__keras_tensor__"
// whose keras_history is [layer, node, tensor]), then input_layers and output_layers.
#include <minidl/models/functional.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/serialization.hpp>

#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace minidl::models {

namespace {

using Json = nlohmann::json;
using layers::Layer;
using layers::Node;
using layers::SymbolicTensor;

// The keyword arguments Keras records with a call: the layers whose call takes a mask record
// mask=None, Dropout its training=False default.
Json recorded_kwargs(const Layer& layer) {
  static const std::set<std::string> takes_mask = {"BatchNormalization", "Bidirectional", "Functional", "GlobalAveragePooling1D",
                                                   "Sequential", "TimeDistributed"};
  static const std::set<std::string> recurrent = {"GRU", "LSTM", "SimpleRNN"};
  if (takes_mask.count(layer.class_name())) return {{"mask", nullptr}};
  if (recurrent.count(layer.class_name())) return {{"training", false}, {"mask", nullptr}};
  if (layer.class_name() == "Dropout") return {{"training", false}};
  return Json::object();
}

Json shape_json(const Shape& shape) {
  Json extents = Json::array();
  for (const auto extent : shape) extents.push_back(extent == layers::unknown_batch ? Json(nullptr) : Json(extent));
  return extents;
}

}  // namespace

Json Functional::get_config() const {
  // Node indices count only this model's calls of a layer (Keras's node reindexing).
  std::map<const Layer*, std::vector<const Node*>> calls;
  for (const auto& node : nodes_) calls[node->layer.get()].push_back(node.get());
  for (auto& [layer, nodes] : calls)
    std::sort(nodes.begin(), nodes.end(), [](const auto* a, const auto* b) { return a->index_in_layer < b->index_in_layer; });
  const auto own_index = [&](const Node* node) {
    const auto& nodes = calls.at(node->layer.get());
    return std::size_t(std::find(nodes.begin(), nodes.end(), node) - nodes.begin());
  };
  const auto tensor_json = [&](const SymbolicTensor& tensor) {
    return Json{{"class_name", "__keras_tensor__"},
                {"config",
                 {{"shape", shape_json(tensor.shape())},
                  {"dtype", dtype_name(tensor.dtype())},
                  {"keras_history", {tensor.node()->layer->name(), own_index(tensor.node().get()), tensor.output_index()}}}}};
  };
  Json layer_configs = Json::array();
  for (const auto& layer : layers_) {
    Json entry = layers::serialize(*layer);
    entry["name"] = layer->name();
    entry["inbound_nodes"] = Json::array();
    for (const Node* node : calls.at(layer.get())) {
      if (node->is_input()) continue;
      Json tensors = Json::array(), states = Json::array();
      const std::size_t positional = node->inputs.size() - node->initial_state.count;
      for (std::size_t i = 0; i < node->inputs.size(); ++i) (i < positional ? tensors : states).push_back(tensor_json(node->inputs[i]));
      // Keras records a call given initial_state with that keyword alone.
      const Json kwargs = node->initial_state.count == 0 ? recorded_kwargs(*layer)
                                                         : Json{{"initial_state", node->initial_state.listed ? states : states.at(0)}};
      entry["inbound_nodes"].push_back({{"args", node->list_argument ? Json::array({tensors}) : tensors}, {"kwargs", kwargs}});
    }
    layer_configs.push_back(std::move(entry));
  }
  // Keras counts a functional layer's nodes from 1 here (and from_config takes the 1 off again).
  const auto end_json = [&](const SymbolicTensor& tensor) {
    const std::size_t offset = tensor.node()->layer->class_name() == "Functional" ? 1 : 0;
    return Json::array({tensor.node()->layer->name(), own_index(tensor.node().get()) + offset, tensor.output_index()});
  };
  const auto ends_json = [&](const SymbolicTensors& ends) {
    if (ends.form() == SymbolicTensors::Form::single) return end_json(ends.flat()[0]);
    Json result = ends.form() == SymbolicTensors::Form::dict ? Json::object() : Json::array();
    for (std::size_t i = 0; i < ends.flat().size(); ++i) {
      if (ends.form() == SymbolicTensors::Form::dict) result[ends.keys()[i]] = end_json(ends.flat()[i]);
      else result.push_back(end_json(ends.flat()[i]));
    }
    return result;
  };
  return {{"name", name()},
          {"trainable", trainable()},
          {"layers", layer_configs},
          {"input_layers", ends_json(inputs_)},
          {"output_layers", ends_json(outputs_)}};
}

Json Functional::serialized() const {
  Json entry = Model::serialized();
  entry["module"] = "keras.src.models.functional";
  entry["registered_name"] = "Functional";
  entry["build_config"] = {{"input_shape", nullptr}};
  return entry;
}

namespace {

// Rebuilding: layers are created first, then their calls are replayed once every tensor a call
// reads exists (a shared layer's later calls may read tensors of layers listed after it).
class GraphReader {
 public:
  std::unique_ptr<Functional> read(const Json& config) {
    std::vector<std::pair<std::shared_ptr<Layer>, std::vector<Json>>> pending;
    for (const auto& entry : config.at("layers")) {
      const std::string name = entry.contains("name") ? entry.at("name").get<std::string>()
                                                      : entry.at("config").at("name").get<std::string>();
      if (layers_.count(name)) fail(fmt::format("two layers are named '{}'", name));
      std::shared_ptr<Layer> layer;
      if (entry.value("class_name", "") == "InputLayer") {
        auto input = std::shared_ptr<layers::InputLayer>(layers::InputLayer::from_config(entry.at("config")));
        outputs_[name].push_back(input->symbolic_call({}, false));
        layer = input;
      } else {
        layer = std::shared_ptr<Layer>(layers::deserialize(entry));
      }
      layers_[name] = layer;
      std::vector<Json> nodes;
      for (const auto& node : entry.value("inbound_nodes", Json::array())) nodes.push_back(node);
      pending.push_back({layer, std::move(nodes)});
    }
    for (bool progress = true; progress;) {
      progress = false;
      for (auto& [layer, nodes] : pending) {
        while (!nodes.empty()) {
          auto call = arguments(nodes.front());
          if (!call) break;
          outputs_[layer->name()].push_back(layer->symbolic_call(call->tensors, call->list, call->initial_state));
          nodes.erase(nodes.begin());
          progress = true;
        }
      }
    }
    for (const auto& [layer, nodes] : pending)
      if (!nodes.empty())
        fail(fmt::format("the calls of '{}' cannot be resolved: the graph has loops or disconnected nodes", layer->name()));
    return std::make_unique<Functional>(ends(config.at("input_layers")), ends(config.at("output_layers")),
                                        FunctionalOptions{.name = config.value("name", std::string()),
                                                          .trainable = config.value("trainable", true)});
  }

 private:
  [[noreturn]] static void fail(const std::string& why) {
    throw InvalidArgument(fmt::format("Functional.from_config: invalid functional model configuration: {}", why));
  }

  // The tensor [layer, node, tensor] names, if that call was replayed already.
  std::optional<SymbolicTensor> find(const Json& history, std::size_t node_offset = 0) const {
    const auto name = history.at(0).get<std::string>();
    if (!layers_.count(name)) fail(fmt::format("a call reads the unknown layer '{}'", name));
    const auto node = history.at(1).get<std::int64_t>() - std::int64_t(node_offset);
    const auto tensor = history.at(2).get<std::int64_t>();
    const auto found = outputs_.find(name);
    if (node < 0 || tensor < 0) fail(fmt::format("invalid keras_history {}", history.dump()));
    if (found == outputs_.end() || std::size_t(node) >= found->second.size()) return std::nullopt;
    if (std::size_t(tensor) >= found->second[std::size_t(node)].size())
      fail(fmt::format("'{}' has no output {} (keras_history {})", name, tensor, history.dump()));
    return found->second[std::size_t(node)][std::size_t(tensor)];
  }

  struct Call {
    std::vector<SymbolicTensor> tensors;
    bool list = false;
    layers::StateKeyword initial_state;
  };

  // A call's tensors, whether they are a list, and its initial_state keyword's tensors (last);
  // nothing while one of them does not exist yet.
  std::optional<Call> arguments(const Json& node) const {
    std::vector<Json> histories;
    bool list = false;
    layers::StateKeyword initial_state;
    if (node.is_array()) {  // Keras 2's form: [[layer, node, tensor, kwargs], ...]
      for (const auto& item : node) histories.push_back(Json::array({item.at(0), item.at(1), item.at(2)}));
      list = histories.size() > 1;
    } else {
      const Json kwargs = node.value("kwargs", Json::object());
      for (const auto& [key, value] : kwargs.items())
        if (!(key == "mask" && value.is_null()) && !(key == "training" && value.is_boolean()) && key != "initial_state")
          fail(fmt::format("the call keyword argument {}={} is not supported", key, value.dump()));
      const Json& args = node.at("args");
      if (args.size() != 1) fail(fmt::format("a call with {} positional arguments is not supported", args.size()));
      const Json& first = args.at(0);
      list = first.is_array();
      for (const auto& tensor : list ? first : Json::array({first}))
        histories.push_back(tensor.at("config").at("keras_history"));
      if (kwargs.contains("initial_state") && !kwargs.at("initial_state").is_null()) {
        const Json& states = kwargs.at("initial_state");
        initial_state = {.count = states.is_array() ? states.size() : 1, .listed = states.is_array()};
        for (const auto& tensor : states.is_array() ? states : Json::array({states}))
          histories.push_back(tensor.at("config").at("keras_history"));
      }
    }
    std::vector<SymbolicTensor> tensors;
    for (const auto& history : histories) {
      auto tensor = find(history);
      if (!tensor) return std::nullopt;
      tensors.push_back(*tensor);
    }
    return Call{std::move(tensors), list, initial_state};
  }

  SymbolicTensor end(const Json& history) const {
    const bool functional = layers_.count(history.at(0).get<std::string>()) &&
                            layers_.at(history.at(0).get<std::string>())->class_name() == "Functional";
    auto tensor = find(history, functional ? 1 : 0);
    if (!tensor) fail(fmt::format("an input or output names a call that does not exist: {}", history.dump()));
    return *tensor;
  }

  SymbolicTensors ends(const Json& value) const {
    if (value.is_array() && value.size() == 3 && value.at(0).is_string()) return end(value);
    if (value.is_object()) {
      std::map<std::string, SymbolicTensor> by_name;
      for (const auto& [key, history] : value.items()) by_name.emplace(key, end(history));
      return by_name;
    }
    std::vector<SymbolicTensor> list;
    for (const auto& history : value) list.push_back(end(history));
    return list;
  }

  std::map<std::string, std::shared_ptr<Layer>> layers_;
  std::map<std::string, std::vector<std::vector<SymbolicTensor>>> outputs_;
};

}  // namespace

std::unique_ptr<Functional> Functional::from_config(const Json& config) {
  if (const auto* number = layers::find_unreadable_number(config))
    throw InvalidArgument(fmt::format("Functional.from_config: the config holds the number {}, beyond what any argument takes",
                                      number->dump()));
  try {
    return GraphReader().read(config);
  } catch (const Json::exception& error) {
    throw InvalidArgument(fmt::format("Functional.from_config: the config is malformed: {}", error.what()));
  } catch (const StateError& error) {  // a layer the config leaves unusable, such as a model without layers
    throw InvalidArgument(fmt::format("Functional.from_config: {}", error.what()));
  }
}

}  // namespace minidl::models
