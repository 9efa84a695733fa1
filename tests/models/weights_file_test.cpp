// Saving and loading weights and optimizer state: an exact round trip, a resumed run identical
// to an uninterrupted one, clear errors naming the file for truncated, corrupted and mismatched
// files, and version-1 files (no checksums) still read. Every bit flipped: bit_flip_test.cpp.
#include "../support/golden.hpp"
#include "../support/temporary.hpp"

#include <doctest/doctest.h>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace minidl;
using minidl::testing::read_file;
using minidl::testing::temporary;
using minidl::testing::write_file;

namespace {

std::unique_ptr<models::Sequential> small_model() {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "m", .dtype = "float64"});
  model->add<layers::Conv1D>({.filters = 3, .kernel_size = 2, .padding = "causal",
                              .kernel_initializer = initializers::GlorotUniform{.seed = 1}, .name = "conv", .dtype = "float64"});
  model->add<layers::GlobalAveragePooling1D>({.dtype = "float64"});
  model->add<layers::Dense>({.units = 1, .kernel_initializer = initializers::GlorotUniform{.seed = 2}, .name = "head",
                             .dtype = "float64"});
  model->compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), "mse");
  return model;
}

// A version-1 weights file (no checksums) of float64 entries, laid out by hand as weights_file.hpp
// documents it.
std::string version_1_weights(const std::vector<std::pair<std::string, Tensor>>& entries) {
  std::string bytes = "MINIDLW1";
  const auto put = [&](auto value) { bytes.append(reinterpret_cast<const char*>(&value), sizeof(value)); };
  put(std::uint32_t(entries.size()));
  for (const auto& entry : entries) {
    put(std::uint32_t(entry.first.size()));
    bytes += entry.first;
    put(std::uint8_t(1));
    put(std::uint32_t(entry.second.ndim()));
    for (auto extent : entry.second.shape()) put(std::int64_t(extent));
    const auto values = entry.second.to_vector();
    bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  }
  return bytes;
}

// The model's weights under their paths, each plus `shift`, then its optimizer's state.
std::vector<std::pair<std::string, Tensor>> shifted_entries(const models::Model& model, double shift) {
  std::vector<std::pair<std::string, Tensor>> entries;
  for (const auto& weight : model.weights()) entries.emplace_back(weight->path(), weight->value() + shift);
  for (const auto& [name, value] : model.optimizer().variables()) entries.emplace_back("optimizer/" + name, value);
  return entries;
}

}  // namespace

TEST_CASE("weights and optimizer state round-trip, and a resumed run equals an uninterrupted one") {
  Generator generator(3);
  const Tensor x = Tensor::normal({16, 6, 2}, 0.0, 1.0, DType::float64, &generator);
  const Tensor y = Tensor::normal({16, 1}, 0.0, 1.0, DType::float64, &generator);
  const models::FitOptions options{.batch_size = 16, .epochs = 3, .verbose = 0, .shuffle = false};

  auto straight = small_model();
  straight->fit(x, y, {.batch_size = 16, .epochs = 6, .verbose = 0, .shuffle = false});

  auto first = small_model();
  first->fit(x, y, options);
  const std::string path = temporary("minidl_weights_test.bin");
  models::save_weights(*first, path, &first->optimizer());

  auto resumed = small_model();
  resumed->build(x.shape());
  resumed->optimizer().build(resumed->trainable_weights());
  models::load_weights(*resumed, path, &resumed->optimizer());
  CHECK(resumed->optimizer().iterations() == 3);
  resumed->fit(x, y, options);
  for (std::size_t i = 0; i < straight->weights().size(); ++i)
    CHECK(resumed->weights()[i]->value().to_vector() == straight->weights()[i]->value().to_vector());
  std::filesystem::remove(path);
}

TEST_CASE("damaged and mismatched files give clear errors and change nothing") {
  auto model = small_model();
  model->build({2, 6, 2});
  const std::string path = temporary("minidl_weights_damaged.bin");
  models::save_weights(*model, path);
  const std::string good = read_file(path);
  const auto before = model->get_weights();

  write_file(path, good.substr(0, good.size() - 5));
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("truncated while reading tensor data"), InvalidArgument);
  write_file(path, "NOTMINIDL" + good.substr(9));
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("wrong magic"), InvalidArgument);
  write_file(path, "MINIDLW3" + good.substr(8));
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("format version 3 (this minidl reads versions 1 and 2)"),
                       InvalidArgument);
  // The first entry's data begins after magic (8), count (4), the header's checksum (4), name length
  // (4), name, dtype (1), rank (4) and 3 extents (24).
  const std::size_t extent_at = 8 + 4 + 4 + 4 + std::string("conv/kernel").size() + 1 + 4;
  std::string flipped = good;
  flipped[extent_at + 24 + 5] ^= 0x10;
  write_file(path, flipped);
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path),
                       doctest::Contains(("load_weights: " + path + " is not a valid minidl weights file: entry 0 'conv/kernel' "
                                          "does not match its checksum (stored 0x")
                                             .c_str()),
                       InvalidArgument);
  flipped = good;
  flipped[9] ^= 0x01;  // the entry count
  write_file(path, flipped);
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("the header does not match its checksum"), InvalidArgument);
  std::string huge = good;
  const std::int64_t absurd = std::int64_t{1} << 50;
  std::memcpy(huge.data() + extent_at, &absurd, sizeof(absurd));
  write_file(path, huge);
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("absurd shape for 'conv/kernel'"), InvalidArgument);
  write_file(path, good + "x");
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("trailing bytes"), InvalidArgument);

  models::Sequential other({.dtype = "float64"});
  other.add<layers::Dense>({.units = 1, .name = "head", .dtype = "float64"});
  other.build({2, 3});
  write_file(path, good);
  CHECK_THROWS_WITH_AS(models::load_weights(other, path), doctest::Contains("it holds 4 weights, the model has 2"), InvalidArgument);
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(model->get_weights()[i].to_vector() == before[i].to_vector());

  CHECK_THROWS_AS(models::save_weights(*model, "/nonexistent-directory/w.bin"), InvalidArgument);
  CHECK(read_file(path) == good);  // a failed save elsewhere leaves this file alone
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("cannot open"), InvalidArgument);
}

TEST_CASE("ModelCheckpoint formats its path as Keras does, with Python's format specs") {
  const models::Logs logs = {{"loss", 0.123456}, {"val_loss", 1.5}};
  // What Keras's filepath.format(epoch=epoch + 1, **logs) gives for these.
  CHECK(models::checkpoint_path("w-{epoch:02d}-{val_loss:.2f}.bin", 4, logs) == "w-05-1.50.bin");
  CHECK(models::checkpoint_path("w{epoch}_{loss:.3e}.bin", 0, logs) == "w1_1.235e-01.bin");
  CHECK(models::checkpoint_path("{{literal}}-{epoch:>3}", 9, logs) == "{literal}- 10");
  CHECK_THROWS_WITH_AS(models::checkpoint_path("w-{val_acc:.2f}.bin", 0, logs),
                       "ModelCheckpoint: invalid argument `filepath`: expected placeholders among the epoch's logs (epoch, loss, val_loss), "
                       "received {val_acc:.2f} in \"w-{val_acc:.2f}.bin\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(models::checkpoint_path("w-{loss:d}.bin", 0, logs), doctest::Contains("{loss:d}"), InvalidArgument);
  CHECK_THROWS_WITH_AS(models::checkpoint_path("w-{epoch.bin", 0, logs), doctest::Contains("every '{' closed"), InvalidArgument);
}

TEST_CASE("ModelCheckpoint saves every epoch, or only improvements") {
  auto model = small_model();
  Generator generator(4);
  const Tensor x = Tensor::normal({8, 6, 2}, 0.0, 1.0, DType::float64, &generator);
  const Tensor y = Tensor::normal({8, 1}, 0.0, 1.0, DType::float64, &generator);
  const std::string every = temporary("minidl_checkpoint_{epoch:d}.bin");
  models::ModelCheckpoint each(every, {.save_optimizer = false});
  models::ModelCheckpoint best(temporary("minidl_checkpoint_best.bin"), {.monitor = "loss", .save_best_only = true});
  // What a run killed while writing epoch 2's checkpoint leaves (pid 999999999 is beyond any Linux pid).
  const std::string killed_write = temporary("minidl_checkpoint_2.bin.tmp-999999999-0");
  write_file(killed_write, "half a checkpoint");
  model->fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {&each, &best}, .shuffle = false});
  for (int epoch = 1; epoch <= 3; ++epoch) {
    const std::string path = temporary(("minidl_checkpoint_" + std::to_string(epoch) + ".bin").c_str());
    CHECK(std::filesystem::exists(path));
    std::filesystem::remove(path);
  }
  CHECK_FALSE(std::filesystem::exists(killed_write));
  // The loss falls every epoch here, so the best checkpoint holds the final weights.
  auto restored = small_model();
  restored->build(x.shape());
  restored->optimizer().build(restored->trainable_weights());
  models::load_weights(*restored, temporary("minidl_checkpoint_best.bin"), &restored->optimizer());
  CHECK(restored->optimizer().iterations() == 3);
  CHECK(restored->weights()[0]->value().to_vector() == model->weights()[0]->value().to_vector());
  std::filesystem::remove(temporary("minidl_checkpoint_best.bin"));
}

TEST_CASE("a version-1 weights file (no checksums) still loads, unchecked") {
  auto model = small_model();
  model->build({2, 6, 2});
  model->optimizer().build(model->trainable_weights());
  const auto entries = shifted_entries(*model, 0.5);
  const std::string path = temporary("minidl_weights_version_1.bin");
  write_file(path, version_1_weights(entries));
  models::load_weights(*model, path, &model->optimizer());
  for (std::size_t i = 0; i < entries.size() - model->optimizer().variables().size(); ++i)
    CHECK(model->get_weights()[i].to_vector() == entries[i].second.to_vector());
  // Unchecked: a flipped bit in the data loads as another number.
  std::string flipped = version_1_weights(entries);
  flipped[flipped.size() - 1] ^= 0x40;
  write_file(path, flipped);
  CHECK_NOTHROW(models::load_weights(*model, path, &model->optimizer()));
  std::filesystem::remove(path);
}

TEST_CASE("weights or optimizer state that do not fit the model name the file") {
  auto saved = small_model();
  saved->build({2, 6, 2});
  saved->optimizer().build(saved->trainable_weights());
  const std::string path = temporary("minidl_weights_misfit.bin");
  models::save_weights(*saved, path, &saved->optimizer());

  // The same weight names with other shapes: the weights, or first the optimizer's state, do not fit.
  models::Sequential wider({.dtype = "float64"});
  wider.add<layers::Conv1D>({.filters = 4, .kernel_size = 2, .name = "conv", .dtype = "float64"});
  wider.add<layers::GlobalAveragePooling1D>({.dtype = "float64"});
  wider.add<layers::Dense>({.units = 1, .name = "head", .dtype = "float64"});
  wider.build({2, 6, 2});
  CHECK_THROWS_WITH_AS(models::load_weights(wider, path),
                       doctest::Contains(("load_weights: " + path + " does not fit the model: ").c_str()), ShapeError);
  optim::Adam adam;
  adam.build(wider.trainable_weights());
  CHECK_THROWS_WITH_AS(models::load_weights(wider, path, &adam),
                       doctest::Contains(("load_weights: " + path + " does not fit the model: Adam").c_str()), ShapeError);
  // Another optimizer's state: SGD with momentum keeps one slot per weight, Adam two.
  optim::SGD sgd({.momentum = 0.9});
  sgd.build(saved->trainable_weights());
  CHECK_THROWS_WITH_AS(models::load_weights(*saved, path, &sgd),
                       doctest::Contains(("load_weights: " + path + " is not a valid minidl weights file: SGD").c_str()),
                       InvalidArgument);
  // A step count no optimizer takes, in a version-1 file (a version-2 one would fail its checksum first).
  auto entries = shifted_entries(*saved, 0.0);
  for (auto& entry : entries)
    if (entry.first == "optimizer/iteration") entry.second = Tensor::scalar(-1.0, entry.second.dtype());
  write_file(path, version_1_weights(entries));
  CHECK_THROWS_WITH_AS(models::load_weights(*saved, path, &saved->optimizer()),
                       doctest::Contains((path + " is not a valid minidl weights file: Adam").c_str()), InvalidArgument);
  CHECK(saved->optimizer().iterations() == 0);
  std::filesystem::remove(path);
}
