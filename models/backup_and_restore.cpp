#include <minidl/models/callbacks.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>
#include <minidl/io/files.hpp>
#include <minidl/models/framed_file.hpp>
#include <minidl/models/model.hpp>
#include <minidl/models/weights_file.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::models {

namespace {

constexpr std::string_view backup_magic = "MINIDLB1";

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
  if (!std::filesystem::exists(path_)) return;
  if (!model.built())
    throw StateError(fmt::format("BackupAndRestore: {} '{}' must be built before fit to restore {}; call it on a batch first",
                                 model.class_name(), model.name(), path_));
  const auto [header, weights] = unframe(io::read_whole_file(path_, "BackupAndRestore"), backup_magic, path_, "BackupAndRestore",
                                         "minidl training backup");
  auto& optimizer = model.optimizer();
  if (!optimizer.built()) optimizer.build(model.trainable_weights());
  const auto generators = run_generators(model);
  std::vector<std::string> states;
  int epoch = 0;
  double learning_rate = 0;
  try {
    states = header.at("generators").get<std::vector<std::string>>();
    epoch = header.at("epoch").get<int>();
    learning_rate = header.at("learning_rate").get<double>();
  } catch (const nlohmann::json::exception& error) {
    throw InvalidArgument(fmt::format("BackupAndRestore: {} is not a valid minidl training backup: {}", path_, error.what()));
  }
  if (states.size() != generators.size() || epoch < 0)
    throw InvalidArgument(fmt::format("BackupAndRestore: {} holds {} generator states and epoch {}; this run has {} generators",
                                      path_, states.size(), epoch, generators.size()));
  // Everything is checked before the first write, so a bad backup leaves the model as it was.
  decode_weights(model, weights, path_, &optimizer);
  for (std::size_t i = 0; i < generators.size(); ++i) generators[i]->set_state(states[i], "BackupAndRestore");
  if (optimizer.learning_rate() != learning_rate) optimizer.set_learning_rate(learning_rate);
  model.restored_epoch = epoch;
}

void BackupAndRestore::on_epoch_end(Model& model, int epoch, const Logs&) {
  std::vector<std::string> states;
  for (const auto* generator : run_generators(model)) states.push_back(generator->state());
  const nlohmann::json header = {
      {"epoch", epoch + 1}, {"learning_rate", model.optimizer().learning_rate()}, {"generators", states}};
  std::filesystem::create_directories(backup_dir_);
  io::write_atomically(path_, frame(backup_magic, header, encode_weights(model, &model.optimizer())), "BackupAndRestore");
}

void BackupAndRestore::on_train_end(Model&) {
  if (!options_.delete_checkpoint) return;
  std::filesystem::remove(path_);
  std::error_code ignored;  // the directory may hold other files; then it stays
  std::filesystem::remove(backup_dir_, ignored);
}

}  // namespace minidl::models
