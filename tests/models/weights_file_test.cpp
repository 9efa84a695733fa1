// Saving and loading weights and optimizer state: an exact round trip, a resumed run identical
// to an uninterrupted one, and clear errors for truncated, corrupted and mismatched files.
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
  write_file(path, "MINIDLW2" + good.substr(8));
  CHECK_THROWS_WITH_AS(models::load_weights(*model, path), doctest::Contains("format version 2 (this minidl reads version 1)"),
                       InvalidArgument);
  std::string huge = good;
  // The first entry's first extent sits after magic (8), count (4), name length (4), name, dtype (1), rank (4).
  const std::size_t extent_at = 8 + 4 + 4 + std::string("conv/kernel").size() + 1 + 4;
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
