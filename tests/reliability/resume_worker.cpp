// A training run for the kill-and-resume test: fit with BackupAndRestore in <backup_dir> and a
// ModelCheckpoint of every epoch (weights and optimizer state) to <result>.epoch-<n>, then the
// final weights saved to <result>. Killed at any moment and started again with the same
// arguments, it must end with the weights, bit for bit, of a run never killed. It logs to
// <result>.log "start <epoch>" when a run begins (the epoch it went on from) and "end <epoch>"
// after each epoch's backup.
#include <minidl/minidl.hpp>

#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <string>

using namespace minidl;

namespace {

// Noisy sine windows of 64 steps; the target is the step after each window.
std::pair<Tensor, Tensor> windows() {
  constexpr std::int64_t samples = 384, steps = 64;
  Generator noise(3);
  std::vector<float> x, y;
  for (std::int64_t s = 0; s < samples; ++s) {
    for (std::int64_t t = 0; t <= steps; ++t) {
      const float value = float(std::sin(0.21 * double(s + t)) + 0.1 * noise.normal());
      (t < steps ? x : y).push_back(value);
    }
  }
  return {Tensor(x, {samples, steps, 1}), Tensor(y, {samples, 1})};
}

class ProgressLog : public models::Callback {
 public:
  explicit ProgressLog(std::string log) : log_(std::move(log)) {}
  void on_epoch_begin(models::Model&, int epoch) override {
    if (!started_) std::ofstream(log_, std::ios::app) << "start " << epoch << std::endl;
    started_ = true;
  }
  void on_epoch_end(models::Model&, int epoch, const models::Logs&) override {
    std::ofstream(log_, std::ios::app) << "end " << epoch << std::endl;
  }

 private:
  std::string log_;
  bool started_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: {} <backup_dir> <result>\n", argv[0]);
    return 2;
  }
  const std::string backup_dir = argv[1], result = argv[2];
  seed_global_generator(20261125);
  const auto [x, y] = windows();

  models::Sequential model;
  model.add<layers::Conv1D>({.filters = 16, .kernel_size = 3, .padding = "causal", .activation = "relu"});
  model.add<layers::Dropout>({.rate = 0.1});  // draws from the global generator
  model.add<layers::Conv1D>({.filters = 16, .kernel_size = 3, .padding = "causal", .dilation_rate = 2, .activation = "relu"});
  model.add<layers::Dropout>({.rate = 0.1, .seed = 5});  // draws from its own
  model.add<layers::GlobalAveragePooling1D>();
  model.add<layers::Dense>({.units = 1});
  model.build(x.shape());
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.003}), losses::Loss("mse"));

  models::ModelCheckpoint checkpoint(result + ".epoch-{epoch}");
  models::BackupAndRestore backup(backup_dir);
  ProgressLog progress(result + ".log");
  // BackupAndRestore after the checkpoint: an epoch is redone unless its backup was written.
  model.fit(x, y, {.batch_size = 16, .epochs = 24, .verbose = 0, .callbacks = {&checkpoint, &backup, &progress}});
  models::save_weights(model, result);
  return 0;
}
