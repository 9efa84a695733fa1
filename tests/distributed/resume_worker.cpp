// A data-parallel training run for the kill-and-resume test, one process per rank:
//   resume_worker <backup_dir> <result> [--kill-after-epoch N | --fail-after-epoch N]
// fits with BackupAndRestore in <backup_dir>, then rank 0 saves the final weights to <result> and
// logs "start <epoch>" to <result>.log when a run begins. With --kill-after-epoch, rank 1 kills
// itself (SIGKILL) at the end of epoch N, and mpirun takes the other ranks down with it. With
// --fail-after-epoch, a callback throws on rank 1 alone, which main catches: fit must end the job
// rather than leave the other ranks waiting.
#include <minidl/distributed/data_parallel.hpp>
#include <minidl/minidl.hpp>

#include <cmath>
#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace minidl;

namespace {

std::pair<Tensor, Tensor> windows() {
  constexpr std::int64_t samples = 150, steps = 32;
  Generator noise(3);
  std::vector<float> x, y;
  for (std::int64_t s = 0; s < samples; ++s)
    for (std::int64_t t = 0; t <= steps; ++t) (t < steps ? x : y).push_back(float(std::sin(0.21 * double(s + t)) + 0.1 * noise.normal()));
  return {Tensor(x, {samples, steps, 1}), Tensor(y, {samples, 1})};
}

class Sabotage : public models::Callback {
 public:
  Sabotage(std::string log, int kill_after_epoch, int fail_after_epoch)
      : log_(std::move(log)), kill_after_epoch_(kill_after_epoch), fail_after_epoch_(fail_after_epoch) {}
  void on_epoch_begin(models::Model& model, int epoch) override {
    if (!started_ && model.on_rank_zero()) std::ofstream(log_, std::ios::app) << "start " << epoch << std::endl;
    started_ = true;
  }
  void on_epoch_end(models::Model& model, int epoch, const models::Logs&) override {
    if (model.distribution()->rank() != 1) return;
    if (epoch == kill_after_epoch_) std::raise(SIGKILL);
    if (epoch == fail_after_epoch_) throw std::runtime_error("a callback failed on rank 1 alone");
  }

 private:
  std::string log_;
  int kill_after_epoch_, fail_after_epoch_;
  bool started_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  distributed::DataParallel data_parallel;
  const std::string sabotage = argc == 5 ? argv[3] : "";
  if (argc != 3 && !(argc == 5 && (sabotage == "--kill-after-epoch" || sabotage == "--fail-after-epoch"))) {
    fmt::print(stderr, "usage: {} <backup_dir> <result> [--kill-after-epoch N | --fail-after-epoch N]\n", argv[0]);
    return 2;
  }
  const std::string backup_dir = argv[1], result = argv[2];
  const int kill_after_epoch = sabotage == "--kill-after-epoch" ? std::stoi(argv[4]) : -1;
  const int fail_after_epoch = sabotage == "--fail-after-epoch" ? std::stoi(argv[4]) : -1;
  seed_global_generator(20261207);
  const auto [x, y] = windows();

  models::Sequential model;
  model.add<layers::Conv1D>({.filters = 8, .kernel_size = 3, .padding = "causal", .activation = "relu"});
  model.add<layers::Dropout>({.rate = 0.1});            // draws from the global generator
  model.add<layers::BatchNormalization>();              // moving statistics: rank 0's
  model.add<layers::Conv1D>({.filters = 8, .kernel_size = 3, .padding = "causal", .dilation_rate = 2, .activation = "relu"});
  model.add<layers::Dropout>({.rate = 0.1, .seed = 5});  // draws from its own
  model.add<layers::GlobalAveragePooling1D>();
  model.add<layers::Dense>({.units = 1});
  model.build(x.shape());
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.003}), losses::Loss("mse"));

  models::BackupAndRestore backup(backup_dir);
  Sabotage saboteur(result + ".log", kill_after_epoch, fail_after_epoch);
  try {
    model.fit(x, y, {.batch_size = 16, .epochs = 8, .verbose = 0, .callbacks = {&backup, &saboteur}, .distribution = &data_parallel});
  } catch (const std::exception& error) {
    fmt::print(stderr, "resume_worker: fit threw: {}\n", error.what());
    return 3;
  }
  if (data_parallel.rank() == 0) models::save_weights(model, result);
  return 0;
}
