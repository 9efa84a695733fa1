#include <minidl/models/callbacks.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>
#include <minidl/io/files.hpp>
#include <minidl/models/framed_file.hpp>
#include <minidl/models/model.hpp>
#include <minidl/models/weights_file.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

namespace {

constexpr std::string_view backup_name = "MINIDLB";

// The global generator first, then the model's own, in tracking order.
std::vector<Generator*> run_generators(const Model& model) {
  std::vector<Generator*> generators = {&global_generator()};
  const auto own = model.generators();
  generators.insert(generators.end(), own.begin(), own.end());
  return generators;
}

}  // namespace

BackupAndRestore::BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options)
    : backup_dir_(std::move(backup_dir)), options_(options) {
  if (backup_dir_.empty())
    throw_invalid_argument("BackupAndRestore", "backup_dir", "expected a directory path", "backup_dir=\"\"");
  path_ = (std::filesystem::path(backup_dir_) / "latest.minidl-backup").string();
}

void BackupAndRestore::on_train_begin(Model& model) {
  // Under a distribution, fit gives every process what rank 0 restored.
  if (!model.on_rank_zero() || !std::filesystem::exists(path_)) return;
  if (!model.built())
    throw StateError(fmt::format("BackupAndRestore: {} '{}' must be built before fit to restore {}; call it on a batch first",
                                 model.class_name(), model.name(), path_));
  const std::string bytes = io::read_whole_file(path_, "BackupAndRestore");
  const auto [header, weights] = unframe(bytes, backup_name, path_, "BackupAndRestore", "minidl training backup");
  const auto fail = [&](const std::string& why) {
    throw InvalidArgument(fmt::format("BackupAndRestore: {} is not a valid minidl training backup: {}", path_, why));
  };
  auto& optimizer = model.optimizer();
  if (!optimizer.built()) optimizer.build(model.trainable_weights());
  const auto generators = run_generators(model);
  // Everything is read and checked before the first write, so a bad backup leaves the run as it was.
  std::vector<Generator> restored(generators.size());
  std::vector<std::string> states;
  std::int64_t epoch = 0;
  double learning_rate = 0;
  try {
    states = header.at("generators").get<std::vector<std::string>>();
    epoch = header.at("epoch").get<std::int64_t>();
    learning_rate = header.at("learning_rate").get<double>();
  } catch (const nlohmann::json::exception& error) {
    fail(error.what());
  }
  if (states.size() != generators.size())
    fail(fmt::format("it holds {} generator states, this run has {} generators", states.size(), generators.size()));
  try {
    for (std::size_t i = 0; i < states.size(); ++i) restored[i].set_state(states[i], fmt::format("generator {}", i));
  } catch (const InvalidArgument& error) {
    fail(error.what());
  }
  if (epoch < 0 || epoch > std::numeric_limits<int>::max()) fail(fmt::format("epoch {}", epoch));
  if (!(std::isfinite(learning_rate) && learning_rate >= 0)) fail(fmt::format("learning rate {}", learning_rate));
  const bool new_rate = optimizer.learning_rate() != learning_rate;
  if (new_rate && !optimizer.learning_rate_is_constant())
    fail(fmt::format("learning rate {}, but this run's follows a schedule", learning_rate));
  try {
    decode_weights(model, weights, path_, &optimizer);
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("BackupAndRestore: the weights section of {}", error.what()));
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("BackupAndRestore: the weights section of {}", error.what()));
  }
  for (std::size_t i = 0; i < generators.size(); ++i) *generators[i] = restored[i];
  if (new_rate) optimizer.set_learning_rate(learning_rate);
  model.restored_epoch = int(epoch);
}

void BackupAndRestore::on_epoch_end(Model& model, int epoch, const Logs&) {
  if (!model.on_rank_zero()) return;
  std::vector<std::string> states;
  for (const auto* generator : run_generators(model)) states.push_back(generator->state());
  const nlohmann::json header = {
      {"epoch", epoch + 1}, {"learning_rate", model.optimizer().learning_rate()}, {"generators", states}};
  std::error_code error;
  std::filesystem::create_directories(backup_dir_, error);
  if (error) throw InvalidArgument(fmt::format("BackupAndRestore: cannot create {}: {}", backup_dir_, error.message()));
  io::write_atomically(path_, frame(backup_name, header, encode_weights(model, &model.optimizer())), "BackupAndRestore");
}

void BackupAndRestore::on_train_end(Model& model) {
  if (!options_.delete_checkpoint || !model.on_rank_zero()) return;
  io::remove_temporaries(path_);
  std::error_code error;
  std::filesystem::remove(path_, error);
  if (error) throw InvalidArgument(fmt::format("BackupAndRestore: cannot delete {}: {}", path_, error.message()));
  std::filesystem::remove(backup_dir_, error);  // fails, harmlessly, when the folder holds other files
}

}  // namespace minidl::models
