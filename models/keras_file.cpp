#include <minidl/models/keras_file.hpp>

#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/io/zip_archive.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/models/keras_weights.hpp>
#include <minidl/models/rebuild.hpp>

#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

constexpr const char* config_member = "config.json";
constexpr const char* weights_member = "model.weights.h5";
constexpr const char* metadata_member = "metadata.json";
// The Keras release whose format these files follow (and whose loader checks them).
constexpr const char* keras_format_version = "3.15.1";

std::string date_saved() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d@%H:%M:%S", &local);
  return text;
}

const io::ZipMember& member(const std::vector<io::ZipMember>& members, const char* name, const std::string& path) {
  const auto found = std::find_if(members.begin(), members.end(), [&](const auto& entry) { return entry.name == name; });
  if (found == members.end()) {
    std::vector<std::string> names;
    for (const auto& entry : members) names.push_back(entry.name);
    throw InvalidArgument(fmt::format("load_keras_model: {} is not a Keras model file: it has no {} (its members: [{}])", path,
                                      name, fmt::join(names, ", ")));
  }
  return *found;
}

Json parsed(const io::ZipMember& entry, const std::string& path) {
  try {
    return Json::parse(entry.bytes);
  } catch (const Json::exception& error) {
    throw InvalidArgument(fmt::format("load_keras_model: {}: {} is not JSON: {}", path, entry.name, error.what()));
  }
}

}  // namespace

void save_keras_model(const Model& model, const std::string& path) {
  if (!path.ends_with(".keras"))
    throw InvalidArgument(fmt::format("save_keras_model: the path must end in .keras, as Keras's native format requires; "
                                      "received path=\"{}\"",
                                      path));
  if (!model.built())
    throw StateError(fmt::format("save_keras_model: {} '{}' is not built; call it or build() it first", model.class_name(),
                                 model.name()));
  Json config = layers::serialize(model);
  const Json metadata = {{"keras_version", keras_format_version}, {"date_saved", date_saved()}};
  const optim::Optimizer* optimizer = model.compiled() ? &model.optimizer() : nullptr;
  // The weights first: a model class is refused there, before anything is written.
  std::string weights = encode_keras_weights(model, optimizer);
  const std::string archive = io::write_zip({{metadata_member, metadata.dump()},
                                             {config_member, config.dump()},
                                             {weights_member, std::move(weights)}});
  io::write_atomically(path, archive, "save_keras_model");
}

std::unique_ptr<Model> load_keras_model(const std::string& path) {
  const auto members = io::read_zip(io::read_whole_file(path, "load_keras_model"), path);
  const Json config = parsed(member(members, config_member, path), path);
  const auto& weights = member(members, weights_member, path);
  if (const auto found = std::find_if(members.begin(), members.end(), [](const auto& entry) { return entry.name == metadata_member; });
      found != members.end() && !parsed(*found, path).is_object())
    throw InvalidArgument(fmt::format("load_keras_model: {}: {} is not a JSON object", path, metadata_member));
  // As load_model: the build and the optimizer's slots stay within a multiple of the weights read.
  AllocationBudget budget(8 * weights.bytes.size() + rebuild_headroom,
                          fmt::format("load_keras_model's budget for {} (8 × its {}-byte {} + 256 MiB)", path,
                                      weights.bytes.size(), weights_member));
  const std::string context = fmt::format("load_keras_model: {}", path);
  std::unique_ptr<Model> model;
  try {
    model = rebuild_model(config, context);
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("{}: {}", context, error.what()));
  } catch (const InvalidArgument& error) {
    if (std::string_view(error.what()).starts_with(context)) throw;
    throw InvalidArgument(fmt::format("{}: {}", context, error.what()));
  }
  try {
    decode_keras_weights(*model, weights.bytes, fmt::format("{} ({})", path, weights_member),
                         model->compiled() ? &model->optimizer() : nullptr);
  } catch (const MemoryError& error) {
    throw InvalidArgument(fmt::format("{}: the optimizer's state needs more memory than the file justifies: {}", context,
                                      error.what()));
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("load_keras_model: {}", error.what()));
  }
  return model;
}

}  // namespace minidl::models
