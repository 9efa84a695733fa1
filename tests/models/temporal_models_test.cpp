// The two models issue "Models" is done by: a TCN written as a model class (causal dilated Conv1D
// residual blocks joined by Add) and a Conv1D classifier (Sequential). Both train with fit
// (callbacks, validation) and with a custom loop, and survive save_model → load_model exactly.
#include "../support/golden.hpp"
#include "../support/temporary.hpp"

#include <minidl/models/framed_file.hpp>

#include <doctest/doctest.h>
#include <cmath>
#include <filesystem>
#include <fstream>

using namespace minidl;
using namespace minidl::testing;

namespace {

// Residual blocks x + conv(conv(x)) with dilations 1, 2, 4, then a 1×1 head on the last step.
class TinyTcn : public models::Model {
 public:
  explicit TinyTcn(std::int64_t filters)
      : Model("TinyTcn", "", true, DType::float64, {}), filters_(filters) {
    for (std::int64_t dilation : {1, 2, 4}) {
      convs_.push_back(std::make_unique<layers::Conv1D>(layers::Conv1DOptions{
          .filters = filters, .kernel_size = 2, .padding = "causal", .dilation_rate = dilation, .activation = "relu",
          .kernel_initializer = initializers::GlorotUniform{.seed = std::uint64_t(dilation)}, .dtype = "float64"}));
      track(*convs_.back());
      adds_.push_back(std::make_unique<layers::Add>(layers::AddOptions{.dtype = "float64"}));
      track(*adds_.back());
    }
    track(lift_);
    track(head_);
  }
  Shape compute_output_shape(const Shape& input_shape) const override { return {input_shape[0], 1}; }
  nlohmann::json get_config() const override {
    auto config = Layer::get_config();
    config["filters"] = filters_;
    return config;
  }

 protected:
  void check_input(const Shape& input_shape) const override { require_rank_3(input_shape); }
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override {
    Tensor h = lift_(inputs);
    for (std::size_t i = 0; i < convs_.size(); ++i) h = (*adds_[i])({h, (*convs_[i])(h)});
    return head_(reshape(slice(h, 1, -1, h.shape()[1]), {h.shape()[0], filters_}));
  }

 private:
  std::int64_t filters_;
  layers::Conv1D lift_{{.filters = filters_, .kernel_size = 1, .kernel_initializer = initializers::GlorotUniform{.seed = 7},
                        .dtype = "float64"}};
  std::vector<std::unique_ptr<layers::Conv1D>> convs_;
  std::vector<std::unique_ptr<layers::Add>> adds_;
  layers::Dense head_{{.units = 1, .kernel_initializer = initializers::GlorotUniform{.seed = 9}, .dtype = "float64"}};
};

// Windows of a noisy sine and the next value.
std::pair<Tensor, Tensor> forecasting_data() {
  std::vector<double> series;
  Generator generator(11);
  const Tensor noise = Tensor::normal({400}, 0.0, 0.05, DType::float64, &generator);
  for (int t = 0; t < 400; ++t) series.push_back(std::sin(0.3 * t) + noise.to_vector()[std::size_t(t)]);
  return models::sliding_windows(Tensor(series, {400, 1}), {.window = 16, .horizon = 1});
}

}  // namespace

TEST_CASE("a TCN model class trains with fit and callbacks, and with a custom loop") {
  const auto data = forecasting_data();
  const Tensor& x = data.first;
  const Tensor& y = data.second;
  TinyTcn model(8);
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), "mse", {"mae"});
  models::EarlyStopping early_stopping({.patience = 3, .restore_best_weights = true});
  const auto history = model.fit(x, y, {.batch_size = 32, .epochs = 15, .verbose = 1, .callbacks = {&early_stopping},
                                        .validation_split = 0.2, .shuffle = false});
  CHECK(history.history.count("val_mae") == 1);
  CHECK(history.history.at("val_loss").back() < 0.5 * history.history.at("val_loss").front());
  // Weights in registration order, with Keras's names.
  REQUIRE(model.trainable_weights().size() == 3 * 2 + 2 + 2);
  CHECK(model.trainable_weights()[0]->shape() == Shape{2, 8, 8});  // the first residual conv, tracked first
  CHECK(model.trainable_weights()[6]->shape() == Shape{1, 1, 8});  // then the 1×1 lift

  // A custom loop on the same model: its own gradient step keeps lowering the loss.
  optim::SGD sgd({.learning_rate = 0.01});
  const auto loss_of = [&] { return losses::Loss("mse")(y, model(x, true)); };
  const double before = loss_of().item();
  for (int step = 0; step < 20; ++step) {
    const Tensor loss = loss_of();
    const auto gradients = autograd::grad({loss}, [&] {
      std::vector<Tensor> values;
      for (const auto& weight : model.trainable_weights()) values.push_back(weight->value());
      return values;
    }());
    sgd.apply(gradients, model.trainable_weights());
  }
  CHECK(loss_of().item() < before);
  // Only the class: the auto-name ("add", "add_3") depends on what the process built before.
  CHECK(model.summary().find(" (Add)") != std::string::npos);
}

TEST_CASE("a Conv1D classifier trains with fit, validation data and accuracy, and with a custom loop") {
  // Class 0: slow sines, class 1: fast sines, random phases.
  Generator generator(5);
  const std::int64_t samples = 96, steps = 32;
  const Tensor phases = Tensor::uniform({samples}, 0.0, 6.28, DType::float32, &generator);
  std::vector<double> values, labels;
  for (std::int64_t i = 0; i < samples; ++i) {
    const double frequency = i % 2 == 0 ? 0.2 : 0.9;
    for (std::int64_t t = 0; t < steps; ++t) values.push_back(std::sin(frequency * double(t) + phases.to_vector()[std::size_t(i)]));
    labels.push_back(double(i % 2));
  }
  const Tensor x = cast(Tensor(values, {samples, steps, 1}), DType::float32);
  const Tensor y = cast(Tensor(labels, {samples, 1}), DType::float32);
  const Tensor x_train = slice(x, 0, 0, 64), y_train = slice(y, 0, 0, 64);
  const Tensor x_val = slice(x, 0, 64, samples), y_val = slice(y, 0, 64, samples);

  seed_global_generator(3);
  models::Sequential model({.name = "classifier"});
  model.add<layers::Conv1D>({.filters = 8, .kernel_size = 5, .activation = "relu"});
  model.add<layers::MaxPooling1D>({.pool_size = 2});
  model.add<layers::Conv1D>({.filters = 8, .kernel_size = 3, .activation = "relu"});
  model.add<layers::GlobalAveragePooling1D>();
  model.add<layers::Dense>({.units = 2, .activation = "softmax"});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.02}), "sparse_categorical_crossentropy",
                {"sparse_categorical_accuracy"});
  models::ReduceLROnPlateau plateau({.monitor = "loss", .patience = 2});
  const auto history = model.fit(x_train, y_train, {.batch_size = 16, .epochs = 25, .verbose = 0, .callbacks = {&plateau},
                                                    .validation_data = std::pair{x_val, y_val}});
  CHECK(history.history.at("val_sparse_categorical_accuracy").back() >= 0.9);

  // A few custom steps with clipping keep it accurate.
  optim::Adam adam({.learning_rate = 0.001, .clipnorm = 1.0});
  for (int step = 0; step < 5; ++step) {
    const Tensor loss = losses::Loss("sparse_categorical_crossentropy")(y_train, model(x_train, true));
    loss.backward();
    adam.step(model.trainable_weights());
    for (const auto& weight : model.trainable_weights()) weight->value().zero_grad();
  }
  CHECK(model.evaluate(x_val, y_val).at("sparse_categorical_accuracy") >= 0.9);
}

TEST_CASE("save_model → load_model predicts identically and resumes training identically") {
  layers::register_layer("TinyTcn", [](const nlohmann::json& config) {
    return std::make_unique<TinyTcn>(config.at("filters").get<std::int64_t>());
  });
  const auto data = forecasting_data();
  const Tensor& x = data.first;
  const Tensor& y = data.second;
  const std::string path = temporary("minidl_model_test.minidl");
  const models::FitOptions more{.batch_size = 32, .epochs = 2, .verbose = 0, .shuffle = false};

  TinyTcn trained(8);
  trained.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), "mse", {"mae"});
  trained.fit(x, y, more);
  models::save_model(trained, path);
  auto loaded = models::load_model(path);
  CHECK(loaded->class_name() == "TinyTcn");
  CHECK(loaded->predict(x).to_vector() == trained.predict(x).to_vector());
  REQUIRE(loaded->compiled());
  CHECK(loaded->optimizer().iterations() == trained.optimizer().iterations());
  trained.fit(x, y, more);
  loaded->fit(x, y, more);
  CHECK(loaded->predict(x).to_vector() == trained.predict(x).to_vector());

  // A Sequential comes back with the same Keras-shaped config.
  models::Sequential sequential({.name = "seq"});
  sequential.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .kernel_regularizer = regularizers::L2{}});
  sequential.add<layers::BatchNormalization>();
  sequential.add<layers::Flatten>();
  sequential.add<layers::Dropout>({.rate = 0.1});
  sequential.add<layers::Dense>({.units = 2, .kernel_constraint = constraints::MaxNorm{.max_value = 2.0}});
  sequential.build({3, 10, 2});
  models::save_model(sequential, path);
  auto reloaded = models::load_model(path);
  CHECK(reloaded->get_config() == sequential.get_config());
  CHECK(!reloaded->compiled());
  const Tensor probe = Tensor::normal({3, 10, 2});
  CHECK(reloaded->predict(probe).to_vector() == sequential.predict(probe).to_vector());
  std::filesystem::remove(path);
}

TEST_CASE("Sequential's config has Keras's layout and reads Keras's own") {
  const auto data = load_test_data("keras/models.json");
  const auto& keras_config = data.at("sequential_config");
  auto model = models::Sequential::from_config(keras_config);
  CHECK(model->built());
  CHECK(model->get_config() == keras_config);
}

TEST_CASE("load_model names the file and the fault for damaged files") {
  const std::string path = temporary("minidl_model_damaged.minidl");
  models::Sequential model({.name = "m"});
  model.add<layers::Dense>({.units = 2});
  CHECK_THROWS_WITH_AS(models::save_model(model, path), doctest::Contains("is not built"), StateError);
  model.build({1, 3});
  models::save_model(model, path);
  const std::string bytes = read_file(path);
  const auto write = [&](const std::string& contents) { write_file(path, contents); };
  write(bytes.substr(0, bytes.size() - 3));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("truncated"), InvalidArgument);
  write("MINIDLW1" + bytes.substr(8));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("wrong magic"), InvalidArgument);
  write("MINIDLM7" + bytes.substr(8));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("format version 7 (this minidl reads versions 1 and 2)"),
                       InvalidArgument);
  // The config's checksum is checked before its JSON is read, and the weights section's entries
  // against their own.
  std::string damaged = bytes;
  damaged[16] = '#';
  write(damaged);
  CHECK_THROWS_WITH_AS(models::load_model(path),
                       doctest::Contains((path + " is not a valid minidl model file: the config section does not match its checksum").c_str()),
                       InvalidArgument);
  damaged = bytes;
  damaged[damaged.size() - 6] ^= 0x01;  // the last entry's data
  write(damaged);
  CHECK_THROWS_WITH_AS(models::load_model(path),
                       doctest::Contains(("load_model: the weights section of " + path + " is not a valid minidl weights file: entry 1").c_str()),
                       InvalidArgument);
  std::string huge_length = bytes;
  huge_length[15] = '\x7f';
  write(huge_length);
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains((path + " is not a valid minidl model file: a config of").c_str()),
                       InvalidArgument);
  // A config crafted against the reader, in a version-1 file (no checksum) so that the JSON reader
  // sees it: not JSON, nested past any real config, or numbers no argument takes.
  const auto with_config = [&](const std::string& config) {
    std::string crafted = "MINIDLM1";
    const auto length = std::uint64_t(config.size());
    crafted.append(reinterpret_cast<const char*>(&length), sizeof(length));
    return crafted + config;
  };
  write(with_config(R"({"class_name": #})"));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("not valid JSON"), InvalidArgument);
  write(with_config(std::string(100000, '[') + std::string(100000, ']')));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("nests deeper than 64 levels"), InvalidArgument);
  write(with_config(R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 1e300}}]}})"));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("holds the number 1e+300"), InvalidArgument);
  // 40 GB of Dense kernel asked for by a file with no weights: refused before any of it is allocated.
  write(with_config(R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", "config": )"
                    R"({"batch_shape": [null, 100000]}}, {"class_name": "Dense", "config": {"units": 100000}}]}})"));
  CHECK_THROWS_WITH_AS(models::load_model(path),
                       doctest::Contains("asks for more memory than the file justifies: Tensor: cannot allocate 40000000000 bytes"),
                       InvalidArgument);
  // Configs with valid checksums that do not describe a model: the layers' own errors name the file too.
  const auto saved = models::unframe(bytes, "MINIDLM", path, "test", "model file");
  const auto with_layer_config = [&](const char* from, const char* to) {
    std::string text = saved.header.dump();
    text.replace(text.find(from), std::string_view(from).size(), to);
    return models::frame("MINIDLM", nlohmann::json::parse(text), saved.weights);
  };
  write(with_layer_config("\"Dense\"", "\"Dunce\""));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("unknown layer class 'Dunce'"), InvalidArgument);
  write(with_layer_config("\"units\":2", "\"units\":-2"));
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains(("load_model: " + path + " is not a valid minidl model file: ").c_str()),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(models::load_model(path), doctest::Contains("received units=-2"), InvalidArgument);
  std::filesystem::remove(path);
}
