// Writes the seed corpora under fuzz/corpus/: model and weights files saved by minidl, the layer
// and Sequential configs real Keras 3.15.1 wrote (tests/data/keras/models.json) with build
// configs added, the functional models' configs Keras wrote (tests/data/keras/functional.json),
// Conv1D cases: those the golden tests cover and float32 calls for the tiles, and .keras files
// Keras 3.15.1 wrote with a weights layout read from one of its .weights.h5 (tests/data/keras/files).
// Run once when the formats change: make_seeds <fuzz/corpus> <tests/data/keras>.
#include "weights_layout.hpp"

#include <minidl/io/hdf5_file.hpp>
#include <minidl/minidl.hpp>

#include <cstdint>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

using namespace minidl;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string read(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

// The files are format version 2, their sections checksummed, so most mutations end at a checksum.
// The version-1 files of the same names without "_v2" (written by an earlier make_seeds, and
// still read) are kept: without checksums, their mutations reach the readers behind them.
void model_file_seeds(const fs::path& corpus) {
  const fs::path scratch = fs::temp_directory_path() / "minidl_make_seeds.bin";
  {  // The weights fuzzer's target model (model_file_fuzzer.cpp), with and without Adam's state.
    models::Sequential model;
    model.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .activation = "relu"});
    model.add<layers::Dense>({.units = 1});
    model.build({2, 8, 2});
    optim::Adam adam;
    adam.build(model.trainable_weights());
    models::save_weights(model, scratch.string(), &adam);
    write(corpus / "model_file" / "weights_with_adam_v2", read(scratch));
    models::save_weights(model, scratch.string());
    write(corpus / "model_file" / "weights_only_v2", read(scratch));
  }
  {  // A compiled Sequential with every kind of layer a small temporal model uses.
    models::Sequential model({.name = "seed"});
    model.add<layers::Conv1D>({.filters = 3, .kernel_size = 2, .padding = "causal", .dilation_rate = 2, .activation = "relu"});
    model.add<layers::BatchNormalization>();
    model.add<layers::Dropout>({.rate = 0.2, .seed = 1});
    model.add<layers::MaxPooling1D>({.pool_size = 2});
    model.add<layers::LayerNormalization>();
    model.add<layers::GlobalAveragePooling1D>();
    model.add<layers::Dense>({.units = 2});
    model.build({1, 6, 2});
    model.compile(std::make_unique<optim::Adam>(), losses::Loss("mse"));
    model.optimizer().build(model.trainable_weights());
    models::save_model(model, scratch.string());
    write(corpus / "model_file" / "sequential_compiled_v2", read(scratch));
  }
  {  // A compiled functional model of two inputs and two outputs, with a shared layer.
    auto a = Input({.shape = {6, 2}, .name = "a"}), b = Input({.shape = {6, 2}, .name = "b"});
    auto shared = layers::make<layers::Conv1D>({.filters = 3, .kernel_size = 2, .padding = "causal", .name = "shared"});
    auto joined = layers::make<layers::Concatenate>({.name = "joined"})({shared(a), shared(b)});
    auto level = layers::make<layers::Dense>({.units = 1, .name = "level"})(layers::make<layers::GlobalAveragePooling1D>()(joined));
    models::Functional model({a, b}, {level, joined}, {.name = "seed_functional"});
    model.compile(std::make_unique<optim::Adam>(), {.loss = {"mse", "mae"}, .loss_weights = {1.0, 0.5}, .metrics = {"mae", "mse"}});
    model.optimizer().build(model.trainable_weights());
    models::save_model(model, scratch.string());
    write(corpus / "model_file" / "functional_compiled_v2", read(scratch));
  }
  {  // Not compiled: no optimizer state.
    models::Sequential model;
    model.add<layers::Dense>({.units = 2});
    model.build({1, 3});
    models::save_model(model, scratch.string());
    write(corpus / "model_file" / "dense_uncompiled_v2", read(scratch));
  }
  fs::remove(scratch);
}

void config_seeds(const fs::path& corpus, const fs::path& keras_data) {
  const auto recorded = nlohmann::json::parse(read(keras_data / "models.json"));
  const std::vector<Shape> input_shapes = {{2, 5, 3}, {2, 5}, {2, 4}};
  int written = 0;
  for (const auto& layer : recorded.at("layer_configs")) {
    write(corpus / "config" / fmt::format("keras_{:02}_{}", written++, layer.at("class_name").get<std::string>()), layer.dump());
    nlohmann::json built = layer;  // with a build_config, so that deserialize builds it too
    built["build_config"] = {{"input_shape", layers::shape_to_json(layer.at("class_name") == "Dense" ? Shape{2, 4} : Shape{2, 6, 4})}};
    write(corpus / "config" / fmt::format("keras_{:02}_{}_built", written++, layer.at("class_name").get<std::string>()), built.dump());
  }
  // Each layer again with every integer it holds, its build shape's included, at one extreme: the
  // sizes near 2^31, 2^53 and 2^63 and the negative ones that once overflowed shape arithmetic.
  const std::vector<std::int64_t> extremes = {std::int64_t{1} << 31, (std::int64_t{1} << 53) + 1, INT64_MAX, -1, INT64_MIN};
  const auto set_integers = [](auto& self, nlohmann::json& value, std::int64_t extreme) -> void {
    if (value.is_number_integer()) value = extreme;
    else if (value.is_structured())
      for (auto& item : value) self(self, item, extreme);
  };
  int extreme_written = 0;
  for (const auto& layer : recorded.at("layer_configs"))
    for (const std::int64_t extreme : extremes) {
      nlohmann::json changed = layer;
      changed["build_config"] = {{"input_shape", layers::shape_to_json(layer.at("class_name") == "Dense" ? Shape{2, 4} : Shape{2, 6, 4})}};
      set_integers(set_integers, changed.at("config"), extreme);
      set_integers(set_integers, changed.at("build_config"), extreme);
      write(corpus / "config" / fmt::format("extreme_{:03}_{}", extreme_written++, layer.at("class_name").get<std::string>()), changed.dump());
    }
  const nlohmann::json sequential = {{"class_name", "Sequential"}, {"config", recorded.at("sequential_config")}};
  write(corpus / "config" / "keras_sequential", sequential.dump());
  const auto functional = nlohmann::json::parse(read(keras_data / "functional.json"));
  for (const auto& item : functional.at("cases"))
    for (const char* id : {"residual_tcn", "two_inputs", "shared_conv_twice", "nested_sequential", "nested_functional_twice",
                           "dict_io_three_way_add"})
      if (item.at("id") == id) write(corpus / "config" / fmt::format("keras_functional_{}", id), item.at("saved_config_json").dump());
}

// The layout (weights_layout.hpp) of a Keras-written .weights.h5: every group of layout_groups
// that holds variables, named, then its datasets with their shapes (the optimizer's iteration as an int32).
std::vector<fuzzing::LayoutEntry> keras_layout(const fs::path& weights_file, bool with_optimizer) {
  const io::Hdf5Reader file(read(weights_file), weights_file.string());
  std::vector<fuzzing::LayoutEntry> entries;
  for (std::uint8_t group = 0; group < std::size(fuzzing::layout_groups); ++group) {
    const std::string path = fuzzing::layout_groups[group];
    if (!path.ends_with("/vars") || !file.has_group(path) || (!with_optimizer && path == "/optimizer/vars")) continue;
    entries.push_back({.kind = fuzzing::LayoutKind::named_group, .group = group});
    for (const auto& member : file.members(path)) {
      const auto index = std::uint8_t(std::stoi(member));
      if (path == "/optimizer/vars" && index == 0) {
        entries.push_back({.kind = fuzzing::LayoutKind::int32, .group = group, .index = 0, .fill = 128});
        continue;
      }
      std::vector<std::uint8_t> extents;
      for (auto extent : file.dataset_shape(path + "/" + member)) extents.push_back(std::uint8_t(extent));
      entries.push_back({.kind = fuzzing::LayoutKind::float32, .group = group, .index = index, .extents = extents, .fill = 130});
    }
  }
  return entries;
}

// keras_file_fuzzer.cpp: .keras files as Keras wrote them, the weights target's .weights.h5 as
// Keras wrote it and as fuzzing damaged it into crashing libhdf5, and its layout with and without
// its Adam state.
void keras_file_seeds(const fs::path& corpus, const fs::path& keras_data) {
  fs::remove_all(corpus / "keras_file");
  for (const char* file : {"f_dense_seq_adamw.keras", "g_compiled_unfitted_adam.keras", "a_seq_conv_adam.weights.h5",
                           "crashes_libhdf5.weights.h5"})
    write(corpus / "keras_file" / file, read(keras_data / "files" / file));
  const fs::path weights = keras_data / "files" / "a_seq_conv_adam.weights.h5";
  write(corpus / "keras_file" / "a_seq_conv_adam_layout_with_adam", fuzzing::encode_layout(keras_layout(weights, true)));
  write(corpus / "keras_file" / "a_seq_conv_adam_layout", fuzzing::encode_layout(keras_layout(weights, false)));
}

// A Conv1D case as conv1d_fuzzer.cpp reads it. Indices are into its tables: padding 0 valid,
// 1 same, 2 causal; data_format 0 channels_last, 1 channels_first; activation 0 none, 1 relu,
// 2 tanh, 3 sigmoid, 4 gelu, 7 swish.
struct Conv1DCase {
  std::uint8_t filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation;
  bool use_bias, float64;
  std::vector<std::uint8_t> shape;
  bool backward;
};

// Each extent is a selector byte (0: a small value; 7 in its low bits would select a raw 64-bit
// one) and the value's byte; the other fields are one byte each.
std::string encode(const Conv1DCase& c) {
  std::string bytes;
  const auto extent = [&](std::uint8_t value) { bytes += {'\0', char(value)}; };
  const auto byte = [&](std::uint8_t value) { bytes += char(value); };
  extent(c.filters);
  extent(c.kernel_size);
  extent(c.strides);
  byte(c.padding);
  byte(c.data_format);
  extent(c.dilation_rate);
  extent(c.groups);
  byte(c.activation);
  byte(c.use_bias);
  byte(c.float64);
  byte(std::uint8_t(c.shape.size()));
  for (auto value : c.shape) extent(value);
  byte(c.backward);
  return bytes;
}

void conv1d_seeds(const fs::path& corpus) {
  const std::vector<Conv1DCase> cases = {
      // The Keras docs example, 32 filters of 3 on (4, 10, 128), made smaller.
      {8, 3, 1, 0, 0, 1, 1, 1, true, false, {4, 10, 16}, true},
      {4, 3, 1, 2, 0, 2, 1, 0, false, true, {2, 12, 3}, true},  // causal, dilated, float64
      {6, 5, 2, 1, 0, 1, 2, 4, true, true, {2, 11, 4}, true},   // same, strided, 2 groups, gelu
      {4, 2, 1, 0, 1, 1, 4, 2, true, false, {1, 8, 6}, false},  // channels_first, 4 groups
      {2, 9, 1, 0, 0, 1, 1, 0, true, false, {1, 9, 1}, true},   // length equal to the receptive field
      {2, 3, 1, 0, 0, 1, 1, 0, true, false, {0, 9, 2}, true},   // batch of 0
      // float32 with whole vectors of filters and channels: the register tiles, forward and both
      // gradients, on AVX-512 CPUs.
      {32, 3, 1, 1, 0, 1, 1, 2, true, false, {8, 40, 16}, true},   // same
      {64, 3, 1, 2, 0, 2, 1, 3, true, false, {4, 64, 32}, true},   // causal, dilated, 64 filters
      {48, 5, 2, 0, 0, 1, 1, 7, false, false, {8, 69, 16}, true},  // strided: the input gradient by phases
      {64, 3, 1, 2, 0, 1, 2, 4, true, false, {8, 48, 32}, true},   // 2 groups of 32 filters
  };
  fs::remove_all(corpus / "conv1d");
  int index = 0;
  for (const auto& c : cases) write(corpus / "conv1d" / fmt::format("case_{}", index++), encode(c));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: {} <fuzz/corpus> <tests/data/keras>\n", argv[0]);
    return 2;
  }
  model_file_seeds(argv[1]);
  config_seeds(argv[1], argv[2]);
  conv1d_seeds(argv[1]);
  keras_file_seeds(argv[1], argv[2]);
  return 0;
}
