#include <minidl/models/model_file.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/models/sequential.hpp>
#include <minidl/models/weights_file.hpp>
#include <minidl/optim/serialization.hpp>

#include <climits>
#include <cmath>
#include <cstring>
#include <new>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

constexpr char magic[8] = {'M', 'I', 'N', 'I', 'D', 'L', 'M', '1'};

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw InvalidArgument(fmt::format("load_model: {} is not a valid minidl model file: {}", path, why));
}

// What building a model on a batch of one may allocate beyond its weights and optimizer state.
constexpr std::size_t build_headroom = std::size_t{256} << 20;

// Deep enough for any model's config; deeper nesting only serves to exhaust the stack.
constexpr int deepest_config = 64;
// Integers in a config are extents and counts; a float beyond this (or an unsigned beyond
// int64) would overflow when read as one.
constexpr double largest_config_number = 9007199254740992.0;  // 2^53

// Refuses numbers that cannot be read as the integers or finite values a config holds.
void check_numbers(const Json& value, const std::string& path) {
  if (value.is_number_float() && !(std::abs(value.get<double>()) <= largest_config_number))
    fail(path, fmt::format("the config holds the number {}, beyond what any argument takes", value.dump()));
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
    fail(path, fmt::format("the config holds the number {}, beyond what any argument takes", value.dump()));
  if (value.is_structured())
    for (const auto& item : value) check_numbers(item, path);
}

std::unique_ptr<Model> model_from(const Json& serialized) {
  const auto class_name = serialized.value("class_name", std::string());
  std::unique_ptr<layers::Layer> layer;
  if (class_name == "Sequential") layer = Sequential::from_config(serialized.value("config", Json::object()));
  else layer = layers::deserialize(serialized);
  auto* model = dynamic_cast<Model*>(layer.get());
  if (!model) throw InvalidArgument(fmt::format("load_model: '{}' is a layer, not a Model", class_name));
  layer.release();
  return std::unique_ptr<Model>(model);
}

}  // namespace

void save_model(const Model& model, const std::string& path) {
  if (!model.built())
    throw StateError(fmt::format("save_model: {} '{}' is not built; call it or build() it first", model.class_name(), model.name()));
  Json serialized = layers::serialize(model);
  serialized["module"] = "keras";
  serialized["compile_config"] = model.compile_config();
  const std::string config = serialized.dump();
  std::string bytes(magic, sizeof(magic));
  const auto length = std::uint64_t(config.size());
  bytes.append(reinterpret_cast<const char*>(&length), sizeof(length));
  bytes += config;
  const optim::Optimizer* optimizer = model.compiled() && model.optimizer().built() ? &model.optimizer() : nullptr;
  bytes += encode_weights(model, optimizer);
  io::write_atomically(path, bytes, "save_model");
}

std::unique_ptr<Model> load_model(const std::string& path) {
  const std::string bytes = io::read_whole_file(path, "load_model");
  if (bytes.size() < sizeof(magic) + sizeof(std::uint64_t)) fail(path, "truncated before the config");
  if (bytes.compare(0, sizeof(magic), magic, sizeof(magic)) != 0) fail(path, "wrong magic");
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data() + sizeof(magic), sizeof(length));
  const std::size_t config_start = sizeof(magic) + sizeof(length);
  if (length > bytes.size() - config_start) fail(path, fmt::format("a config of {} bytes, the file has {} left", length, bytes.size() - config_start));
  Json serialized;
  try {
    serialized = Json::parse(bytes.begin() + std::ptrdiff_t(config_start), bytes.begin() + std::ptrdiff_t(config_start + length),
                             [&](int depth, Json::parse_event_t, Json&) {
                               if (depth > deepest_config) fail(path, fmt::format("the config nests deeper than {} levels", deepest_config));
                               return true;
                             });
  } catch (const Json::exception& error) {
    fail(path, fmt::format("the config is not valid JSON: {}", error.what()));
  }
  check_numbers(serialized, path);
  // The model's weights, the optimizer's slots (up to three per weight) and the weights read back
  // take at most five times the weights section; beyond that only the build call's batch-of-one
  // activations. A config asking for more than that does not belong to this file.
  const std::size_t weights_bytes = bytes.size() - config_start - length;
  AllocationBudget budget(5 * weights_bytes + build_headroom,
                          fmt::format("load_model's budget for {} (5 × its {}-byte weights section + 256 MiB)", path, weights_bytes));
  std::unique_ptr<Model> model;
  try {
    model = model_from(serialized);
    // A model class creates its sublayers' weights on its first call; Sequential already has them.
    if (serialized.contains("build_config") && model->weights().empty()) {
      const Shape input_shape = layers::shape_from_json(serialized.at("build_config").at("input_shape"));
      NoGradGuard no_grad;
      (*model)(Tensor::zeros(input_shape, model->dtype()));
    }
    const Json compile = serialized.value("compile_config", Json());
    if (compile.is_object() && !compile.value("loss", Json()).is_null()) {
      model->compile(optim::from_config(compile.at("optimizer")), losses::Loss::deserialize(compile.at("loss")),
                     compile.value("metrics", std::vector<std::string>{}));
      model->optimizer().build(model->trainable_weights());
    }
  } catch (const Json::exception& error) {
    fail(path, fmt::format("the config is malformed: {}", error.what()));
  } catch (const MemoryError& error) {
    fail(path, fmt::format("the config asks for more memory than the file justifies: {}", error.what()));
  } catch (const std::bad_alloc&) {
    fail(path, "the config asks for layers larger than this machine's memory");
  }
  try {
    decode_weights(*model, bytes.substr(config_start + length), path, model->compiled() ? &model->optimizer() : nullptr);
  } catch (const ShapeError&) {
    throw;
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("load_model: the weights section of {}", error.what()));
  }
  return model;
}

}  // namespace minidl::models
