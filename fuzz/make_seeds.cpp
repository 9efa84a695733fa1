// Writes the seed corpora under fuzz/corpus/: model and weights files saved by minidl, the layer
// and Sequential configs real Keras 3.15.1 wrote (tests/data/keras/models.json) with build
// configs added, and Conv1D option encodings of the cases the golden tests cover. Run once when
// the formats change: make_seeds <fuzz/corpus> <tests/data/keras/models.json>.
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
    write(corpus / "model_file" / "weights_with_adam", read(scratch));
    models::save_weights(model, scratch.string());
    write(corpus / "model_file" / "weights_only", read(scratch));
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
    write(corpus / "model_file" / "sequential_compiled", read(scratch));
  }
  {  // Not compiled: no optimizer state.
    models::Sequential model;
    model.add<layers::Dense>({.units = 2});
    model.build({1, 3});
    models::save_model(model, scratch.string());
    write(corpus / "model_file" / "dense_uncompiled", read(scratch));
  }
  fs::remove(scratch);
}

void config_seeds(const fs::path& corpus, const fs::path& keras_models) {
  const auto recorded = nlohmann::json::parse(read(keras_models));
  const std::vector<Shape> input_shapes = {{2, 5, 3}, {2, 5}, {2, 4}};
  int written = 0;
  for (const auto& layer : recorded.at("layer_configs")) {
    write(corpus / "config" / fmt::format("keras_{:02}_{}", written++, layer.at("class_name").get<std::string>()), layer.dump());
    nlohmann::json built = layer;  // with a build_config, so that deserialize builds it too
    built["build_config"] = {{"input_shape", layers::shape_to_json(layer.at("class_name") == "Dense" ? Shape{2, 4} : Shape{2, 6, 4})}};
    write(corpus / "config" / fmt::format("keras_{:02}_{}_built", written++, layer.at("class_name").get<std::string>()), built.dump());
  }
  const nlohmann::json sequential = {{"class_name", "Sequential"}, {"config", recorded.at("sequential_config")}};
  write(corpus / "config" / "keras_sequential", sequential.dump());
}

// Conv1D cases as fuzz_input.hpp reads them: filters, kernel_size, strides, padding, data_format,
// dilation_rate, groups, activation, use_bias, dtype, rank, extents, backward.
void conv1d_seeds(const fs::path& corpus) {
  const std::vector<std::vector<std::uint8_t>> cases = {
      // The Keras docs example: 32 filters of 3 on (4, 10, 128); here 8 filters on (4, 10, 16).
      {8, 3, 1, 0, 0, 1, 1, 1, 1, 0, 3, 4, 10, 16, 1},
      {4, 3, 1, 2, 0, 2, 1, 0, 0, 1, 3, 2, 12, 3, 1},   // causal, dilated, float64
      {6, 5, 2, 1, 0, 1, 2, 4, 1, 1, 3, 2, 11, 4, 1},   // same, strided, 2 groups, gelu
      {4, 2, 1, 0, 1, 1, 4, 2, 1, 0, 3, 1, 8, 6, 0},    // channels_first, 4 groups (a 7 would read as raw)
      {2, 9, 1, 0, 0, 1, 1, 0, 1, 0, 3, 1, 9, 1, 1},    // length equal to the receptive field
      {2, 3, 1, 0, 0, 1, 1, 0, 1, 0, 3, 0, 9, 2, 1},    // batch of 0
  };
  int index = 0;
  for (const auto& bytes : cases) write(corpus / "conv1d" / fmt::format("case_{}", index++), std::string(bytes.begin(), bytes.end()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: {} <fuzz/corpus> <tests/data/keras/models.json>\n", argv[0]);
    return 2;
  }
  model_file_seeds(argv[1]);
  config_seeds(argv[1], argv[2]);
  conv1d_seeds(argv[1]);
  return 0;
}
