// Keras 3.15.1's own files (tests/data/keras/files, written by generator/generate_keras_files.py,
// and the classifier of ../shared/conformance/keras_files copied to tests/data/keras/files/conformance):
// they load, predict what Keras predicted, hold Keras's weights and optimizer state, and go on
// training as Keras went on; what minidl writes has Keras's layout and reads back the same.
#include "../support/golden.hpp"

#include <minidl/io/hdf5_file.hpp>
#include <minidl/io/zip_archive.hpp>

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace minidl;
using namespace minidl::testing;
using nlohmann::json;

namespace {

const json& cases() {
  static const json data = load_test_data("keras/files/cases.json");
  return data.at("cases");
}

std::map<std::string, std::shared_ptr<layers::Variable>> weights_by_path(const models::Model& model) {
  std::map<std::string, std::shared_ptr<layers::Variable>> found;
  for (const auto& weight : model.weights()) found[weight->path()] = weight;
  return found;
}

// Keras's paths start with the model's name for a Sequential's layers ("conv_classifier/conv_a/kernel").
std::shared_ptr<layers::Variable> weight_at(const models::Model& model, const std::string& keras_path) {
  const auto found = weights_by_path(model);
  if (const auto it = found.find(keras_path); it != found.end()) return it->second;
  const auto tail = keras_path.substr(keras_path.find('/') + 1);
  if (const auto it = found.find(tail); it != found.end()) return it->second;
  FAIL("no weight ", keras_path);
  return nullptr;
}

void check_weights(const models::Model& model, const json& recorded, double rtol, double atol) {
  REQUIRE(model.weights().size() == recorded.size());
  for (const auto& entry : recorded) {
    CAPTURE(entry.at("path").get<std::string>());
    CHECK_CLOSE(weight_at(model, entry.at("path"))->value(), tensor_from_json(entry, DType::float32), rtol, atol);
  }
}

void check_optimizer(const optim::Optimizer& optimizer, const json& recorded, double rtol, double atol) {
  const auto state = optimizer.keras_variables();
  REQUIRE(state.size() == recorded.size());
  for (std::size_t i = 0; i < state.size(); ++i) {
    const auto& entry = recorded[i];
    CAPTURE(entry.at("path").get<std::string>());
    // Keras's path is "<optimizer name>/<variable name>", where a Sequential's layers carry the
    // model's name first ("adam/conv_classifier_conv_a_kernel_momentum").
    const std::string keras_path = entry.at("path");
    CHECK((keras_path.ends_with("/" + state[i].first) || keras_path.ends_with("_" + state[i].first)));
    CHECK_CLOSE(cast(state[i].second, DType::float64), tensor_from_json(entry), rtol, atol);
  }
}

std::vector<Tensor> predicted(models::Model& model, const json& inputs) {
  return model.predict_outputs(models::Arrays(tensors_from_json(inputs, DType::float32)), 1024);
}

void check_outputs(const std::vector<Tensor>& outputs, const json& expected) {
  REQUIRE(outputs.size() == expected.size());
  for (std::size_t i = 0; i < outputs.size(); ++i)
    CHECK_CLOSE(outputs[i], tensor_from_json(expected[i], DType::float32), 1e-6, 1e-7);
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

std::string temporary(const std::string& name) {
  return (std::filesystem::temp_directory_path() / fmt::format("minidl-keras-{}-{}", ::getpid(), name)).string();
}

// Every group and dataset under `path`, as the generator lists Keras's files: {path, kind, shape}.
void list_layout(const io::Hdf5Reader& file, const std::string& path, std::vector<std::string>& listing) {
  for (const auto& name : file.members(path.empty() ? "/" : path)) {
    const std::string child = path + "/" + name;
    if (file.has_group(child)) {
      listing.push_back(child + " group");
      list_layout(file, child, listing);
    } else {
      listing.push_back(child + " dataset " + shape_to_string(file.dataset_shape(child)));
    }
  }
}

std::vector<std::string> keras_layout(const json& h5) {
  std::vector<std::string> listing;
  for (const auto& entry : h5) {
    const std::string path = entry.at("path");
    if (entry.at("kind") == "group") {
      listing.push_back(path + " group");
    } else {
      listing.push_back(path + " dataset " + shape_to_string(entry.at("shape").get<Shape>()));
    }
  }
  return listing;
}

std::vector<std::string> sorted(std::vector<std::string> listing) {
  std::sort(listing.begin(), listing.end());
  return listing;
}

// Keras numbers the objects its config shares (a layer's dtype policy); the numbers are its own.
json without_shared_ids(json config) {
  if (config.is_object()) {
    config.erase("shared_object_id");
    for (auto& [key, value] : config.items()) value = without_shared_ids(value);
  } else if (config.is_array()) {
    for (auto& value : config) value = without_shared_ids(value);
  }
  return config;
}

std::string zip_member(const std::string& path, const std::string& name) {
  for (auto& entry : io::read_zip(read_file(path), path))
    if (entry.name == name) return entry.bytes;
  FAIL("no member ", name, " in ", path);
  return {};
}

}  // namespace

TEST_CASE("Keras 3's .keras files load and predict what Keras predicted") {
  for (const auto& c : cases()) {
    CAPTURE(c.at("id").get<std::string>());
    auto model = models::load_keras_model(keras_files_dir() + c.at("files").at("keras").get<std::string>());
    CHECK(model->class_name() == c.at("model_class"));
    CHECK(model->input_names().size() == c.at("input_names").size());
    CHECK(model->output_names() == c.at("output_names").get<std::vector<std::string>>());
    check_weights(*model, c.at("weights"), 0, 0);
    check_outputs(predicted(*model, c.at("inputs")), c.at("expected_outputs"));
    CHECK(model->compiled() == c.at("compiled").get<bool>());
    if (c.contains("optimizer")) {
      CHECK(model->optimizer().class_name() == c.at("optimizer").at("class"));
      CHECK(model->optimizer().iterations() == c.at("optimizer").at("iterations").get<std::int64_t>());
      check_optimizer(model->optimizer(), c.at("optimizer").at("variables"), 0, 0);
    }
  }
}

TEST_CASE("A model loaded from Keras's .keras file trains on as Keras did after loading it") {
  for (const auto& c : cases()) {
    if (!c.contains("resume")) continue;
    CAPTURE(c.at("id").get<std::string>());
    const auto& resume = c.at("resume");
    auto model = models::load_keras_model(keras_files_dir() + c.at("files").at("keras").get<std::string>());
    const auto x = tensors_from_json(resume.at("x"), DType::float32), y = tensors_from_json(resume.at("y"), DType::float32);
    const auto history = model->fit(models::Arrays(x), models::Arrays(y),
                                    {.batch_size = resume.at("batch_size"), .epochs = resume.at("epochs"), .verbose = 0, .shuffle = false});
    CHECK(model->optimizer().iterations() == resume.at("optimizer_iterations_after").get<std::int64_t>());
    // Two float32 steps on top of Keras's: only the rounding of each side differs (a slot near 1e-3 by 2e-8).
    check_weights(*model, resume.at("weights_after"), 1e-6, 1e-7);
    check_optimizer(model->optimizer(), resume.at("optimizer_variables_after"), 1e-6, 1e-7);
    CHECK(history.history.at("loss").front() == doctest::Approx(resume.at("history").at("loss").front().get<double>()).epsilon(1e-5));
  }
}

TEST_CASE("Keras's .weights.h5 files load into the model rebuilt from its config") {
  for (const auto& c : cases()) {
    CAPTURE(c.at("id").get<std::string>());
    auto layer = layers::deserialize(c.at("config_json"));
    auto* model = dynamic_cast<models::Model*>(layer.get());
    REQUIRE(model);
    models::load_weights(*model, keras_files_dir() + c.at("files").at("weights_h5").get<std::string>());
    check_weights(*model, c.at("weights"), 0, 0);
    check_outputs(predicted(*model, c.at("inputs")), c.at("expected_outputs"));
  }
}

TEST_CASE("The conformance classifier Keras saved loads, predicts and holds Keras's weights") {
  const json recorded = load_test_data("keras/files/conformance/classifier.json");
  for (const char* file : {"classifier.keras", "classifier.weights.h5"}) {
    CAPTURE(file);
    std::unique_ptr<models::Model> model;
    if (std::string(file).ends_with(".keras")) {
      model = models::load_keras_model(keras_files_dir() + "conformance/" + file);
      CHECK(model->optimizer().iterations() == recorded.at("fit").at("steps").get<std::int64_t>());
    } else {
      auto layer = layers::deserialize(recorded.at("config_json"));
      model.reset(dynamic_cast<models::Model*>(layer.release()));
      models::load_weights(*model, keras_files_dir() + "conformance/" + file);
    }
    std::vector<json> weights;
    for (const auto& entry : recorded.at("weights")) weights.push_back({{"path", entry.at("path")}, {"shape", entry.at("value").at("shape")},
                                                                          {"data", entry.at("value").at("data")}});
    check_weights(*model, weights, 0, 0);
    check_outputs({model->predict(tensor_from_json(recorded.at("x"), DType::float32))}, json::array({recorded.at("predict")}));
  }
}

TEST_CASE("What minidl writes has Keras's HDF5 layout and reads back identically") {
  for (const auto& c : cases()) {
    CAPTURE(c.at("id").get<std::string>());
    auto model = models::load_keras_model(keras_files_dir() + c.at("files").at("keras").get<std::string>());
    const std::string keras_path = temporary(c.at("id").get<std::string>() + ".keras");
    const std::string weights_path = temporary(c.at("id").get<std::string>() + ".weights.h5");
    models::save_keras_model(*model, keras_path);
    models::save_weights(*model, weights_path, model->compiled() ? &model->optimizer() : nullptr);

    // The zip holds Keras's three members, stored, in Keras's order.
    std::vector<std::string> names;
    for (const auto& entry : io::read_zip(read_file(keras_path), keras_path)) names.push_back(entry.name);
    CHECK(names == std::vector<std::string>{"metadata.json", "config.json", "model.weights.h5"});
    const json metadata = json::parse(zip_member(keras_path, "metadata.json"));
    CHECK(metadata.at("keras_version") == "3.15.1");

    // config.json is Keras's, but for the ids Keras gives shared objects and the optimizer's
    // module: Keras names its backend's class ("keras.src.backend.torch.optimizers.torch_adam"),
    // minidl the public one, which every backend reads.
    const json config = json::parse(zip_member(keras_path, "config.json"));
    json keras_config = without_shared_ids(c.at("config_json"));
    if (keras_config.at("compile_config").contains("optimizer")) {
      auto& optimizer = keras_config["compile_config"]["optimizer"];
      CHECK(optimizer.at("registered_name") == optimizer.at("class_name"));
      optimizer["module"] = "keras.optimizers";
      optimizer["registered_name"] = nullptr;
    }
    CHECK(config_difference(config, keras_config) == "");

    for (const auto& bytes : {zip_member(keras_path, "model.weights.h5"), read_file(weights_path)}) {
      io::Hdf5Reader file(bytes, keras_path);
      std::vector<std::string> ours;
      list_layout(file, "", ours);
      CHECK(sorted(ours) == sorted(keras_layout(c.at("h5"))));
    }

    auto reloaded = models::load_keras_model(keras_path);
    const auto before = predicted(*model, c.at("inputs")), after = predicted(*reloaded, c.at("inputs"));
    for (std::size_t i = 0; i < before.size(); ++i) CHECK_CLOSE(after[i], before[i], 0, 0);
    if (model->compiled()) {
      const auto saved = model->optimizer().keras_variables(), restored = reloaded->optimizer().keras_variables();
      REQUIRE(saved.size() == restored.size());
      for (std::size_t i = 0; i < saved.size(); ++i) CHECK_CLOSE(restored[i].second, saved[i].second, 0, 0);
    }
    std::filesystem::remove(keras_path);
    std::filesystem::remove(weights_path);
  }
}

TEST_CASE("Bad Keras files are refused with errors that name the file and what is wrong") {
  const std::string good = keras_files_dir() + "g_compiled_unfitted_adam.keras";
  const std::string path = temporary("bad.keras");
  const auto write = [&](const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; };
  const auto members = io::read_zip(read_file(good), good);
  const auto without = [&](const std::string& name) {
    std::vector<io::ZipMember> kept;
    for (const auto& entry : members)
      if (entry.name != name) kept.push_back(entry);
    return kept;
  };
  const auto replaced = [&](const std::string& name, const std::string& bytes) {
    auto changed = members;
    for (auto& entry : changed)
      if (entry.name == name) entry.bytes = bytes;
    return changed;
  };
  const std::string config_text = zip_member(good, "config.json");

  write("not a zip at all");
  CHECK_THROWS_WITH_AS(models::load_keras_model(path), doctest::Contains(path.c_str()), InvalidArgument);
  write(io::write_zip(without("model.weights.h5")));
  CHECK_THROWS_WITH_AS(models::load_keras_model(path), doctest::Contains("it has no model.weights.h5 (its members: [metadata.json, config.json])"),
                       InvalidArgument);
  write(io::write_zip(replaced("config.json", "{not json")));
  CHECK_THROWS_WITH_AS(models::load_keras_model(path), doctest::Contains("config.json is not JSON"), InvalidArgument);
  json unknown = json::parse(config_text);
  unknown["config"]["layers"][1]["class_name"] = "Bogus";
  write(io::write_zip(replaced("config.json", unknown.dump())));
  CHECK_THROWS_WITH_AS(models::load_keras_model(path),
                       doctest::Contains("unknown layer class 'Bogus' (minidl has Activation, Add, AveragePooling1D"), InvalidArgument);
  // Dense(3) saved, Dense(4) asked for: the kernel in the file has the wrong shape.
  json wider = json::parse(config_text);
  wider["config"]["layers"][1]["config"]["units"] = 4;
  write(io::write_zip(replaced("config.json", wider.dump())));
  CHECK_THROWS_WITH_AS(models::load_keras_model(path),
                       doctest::Contains("/layers/dense/vars/0 holds dense/kernel of shape (4, 3), the model's is (4, 4)"), InvalidArgument);
  write(io::write_zip(replaced("model.weights.h5", "HDF5 it is not")));
  CHECK_THROWS_WITH_AS(models::load_keras_model(path), doctest::Contains((path + " (model.weights.h5)").c_str()), InvalidArgument);
  std::filesystem::remove(path);

  // A layer whose file entry holds too few variables: Keras's own message.
  auto model = models::load_keras_model(good);
  const std::string weights_path = temporary("bad.weights.h5");
  {
    io::Hdf5Writer file;
    file.group("/vars", "tiny_dense");
    file.group("/layers/dense/vars", "dense");
    file.write("/layers/dense/vars/0", Tensor::zeros({4, 3}));
    file.group("/layers/dense_1/vars", "dense_1");
    file.write("/layers/dense_1/vars/0", Tensor::zeros({3, 2}));
    file.write("/layers/dense_1/vars/1", Tensor::zeros({2}));
    std::ofstream(weights_path, std::ios::binary) << file.bytes();
  }
  const auto before = model->get_weights();
  CHECK_THROWS_WITH_AS(models::load_weights(*model, weights_path),
                       doctest::Contains("layer 'dense' expected 2 variables, but received 1 variables during loading (in "
                                         "/layers/dense/vars). Expected: [kernel, bias]"),
                       InvalidArgument);
  const auto after = model->get_weights();
  for (std::size_t i = 0; i < before.size(); ++i) CHECK_CLOSE(after[i], before[i], 0, 0);  // nothing written
  std::filesystem::remove(weights_path);

  // The first kernel stored as strings (generator/make_bad_dtype_weights.py).
  CHECK_THROWS_WITH_AS(models::load_weights(*model, keras_files_dir() + "bad_dtype.weights.h5"),
                       doctest::Contains("bad_dtype.weights.h5: the dataset /layers/dense/vars/0 is not of a number type minidl "
                                         "reads (a float or an integer)"),
                       InvalidArgument);
  const auto untouched = model->get_weights();
  for (std::size_t i = 0; i < before.size(); ++i) CHECK_CLOSE(untouched[i], before[i], 0, 0);

  CHECK_THROWS_WITH_AS(models::save_keras_model(*model, temporary("model.h5")), doctest::Contains("the path must end in .keras"),
                       InvalidArgument);
}

// libhdf5 1.10.8 reads this file through a null pointer (under H5Lexists), as h5py does; it came
// from fuzzing a_seq_conv_adam.weights.h5. Read in a child process, it costs only that process.
TEST_CASE("A .weights.h5 that crashes libhdf5 is refused, and the caller goes on") {
  auto model = models::load_keras_model(keras_files_dir() + "a_seq_conv_adam.keras");
  optim::Adam adam({.learning_rate = 0.01});
  const auto before = model->get_weights();
  CHECK_THROWS_WITH_AS(models::load_weights(*model, keras_files_dir() + "crashes_libhdf5.weights.h5", &adam),
                       doctest::Contains("crashes_libhdf5.weights.h5 is damaged: libhdf5 crashed reading it (Segmentation fault"),
                       InvalidArgument);
  const auto after = model->get_weights();
  for (std::size_t i = 0; i < before.size(); ++i) CHECK_CLOSE(after[i], before[i], 0, 0);
  CHECK_FALSE(adam.built());
  // libhdf5 in this process is untouched: the file the crashing one came from still loads.
  models::load_weights(*model, keras_files_dir() + "a_seq_conv_adam.weights.h5", &adam);
  CHECK(adam.built());
  CHECK(adam.iterations() > 0);
}

TEST_CASE("A loaded BatchNormalization keeps its moving statistics out of training, frozen and unfrozen") {
  auto model = models::load_keras_model(keras_files_dir() + "b_tcn_bn_sgdm.keras");
  CHECK(model->trainable_weights().size() == 12);
  CHECK(model->non_trainable_weights().size() == 4);
  model->set_trainable(false);
  model->set_trainable(true);
  CHECK(model->trainable_weights().size() == 12);
}
