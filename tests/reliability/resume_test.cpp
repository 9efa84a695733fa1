// Saved work is never lost: a fit with BackupAndRestore and ModelCheckpoint is killed with SIGKILL
// at random moments, started again each time, and must end with the same weights, bit for bit, as
// a run never killed, and leave the same checkpoint for every epoch.
#include "../support/child_process.hpp"
#include "../support/temporary.hpp"

#include <minidl/minidl.hpp>
#include <minidl/models/framed_file.hpp>

#include <doctest/doctest.h>
#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
using minidl::testing::ChildProcess;
using minidl::testing::read_file;
using minidl::testing::write_file;
namespace fs = std::filesystem;

ChildProcess start_worker(const fs::path& backup_dir, const fs::path& result) {
  return ChildProcess({MINIDL_RESUME_WORKER, backup_dir.string(), result.string()});
}

bool exited_cleanly(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

}  // namespace

TEST_CASE("fit with BackupAndRestore, killed with SIGKILL at random moments, resumes to bit-identical weights") {
  constexpr int epochs = 24;  // as resume_worker.cpp trains
  const fs::path root = fs::temp_directory_path() / ("minidl_resume_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);

  const auto begun = Clock::now();
  REQUIRE(exited_cleanly(start_worker(root / "reference_backup", root / "reference.weights").wait()));
  const double run_seconds = std::chrono::duration<double>(Clock::now() - begun).count();
  const std::string reference = read_file(root / "reference.weights");
  REQUIRE(reference.size() > 1000);
  CHECK_FALSE(fs::exists(root / "reference_backup" / "latest.minidl-backup"));  // deleted when fit ends

  // Each kill waits for the run to finish one more epoch (so that it has a new backup), then comes
  // at a random moment within an epoch's time: a kill may land anywhere, the backup's write
  // included. The seed is printed to replay a failure.
  const auto seed = std::random_device{}();
  INFO("kill-moment seed " << seed << ", uninterrupted run " << run_seconds << " s");
  std::mt19937 moments(seed);
  std::uniform_real_distribution<double> within_epoch(0.0, run_seconds / epochs);
  const fs::path log = root / "resumed.weights.log";
  const auto epochs_ended = [&] {
    std::istringstream lines(read_file(log));
    int ended = 0;
    for (std::string word, epoch; lines >> word >> epoch;) ended += word == "end";
    return ended;
  };
  constexpr int kills = 6;
  int landed = 0;
  for (int kill = 0; kill < kills; ++kill) {
    const int ended_before = epochs_ended();
    ChildProcess worker = start_worker(root / "backup", root / "resumed.weights");
    while (!worker.poll() && epochs_ended() == ended_before) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (!worker.poll()) std::this_thread::sleep_for(std::chrono::duration<double>(within_epoch(moments)));
    const int status = worker.kill_now();
    // Killed by us, or finished cleanly; anything else (a sanitizer's abort, a crash) is a failure.
    if (WIFSIGNALED(status)) {
      REQUIRE(WTERMSIG(status) == SIGKILL);
      ++landed;
    } else {
      REQUIRE(exited_cleanly(status));
      break;
    }
  }
  if (!fs::exists(root / "resumed.weights"))
    REQUIRE(exited_cleanly(start_worker(root / "backup", root / "resumed.weights").wait()));

  // Each start logged the epoch it went on from: a run killed after its first backup resumes past 0.
  std::istringstream lines(read_file(log));
  int starts = 0, resumes = 0;
  std::string word;
  for (int epoch = 0; lines >> word >> epoch;) {
    if (word != "start") continue;
    ++starts;
    if (epoch > 0) ++resumes;
  }
  MESSAGE("kills landed: " << landed << ", starts: " << starts << ", resumed from a backup: " << resumes);
  CHECK(landed >= 4);
  CHECK(resumes >= 4);
  CHECK(read_file(root / "resumed.weights") == reference);
  // ModelCheckpoint's file of every epoch is whole and as the uninterrupted run wrote it, and no
  // write left a temporary file behind.
  int checkpoints = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const std::string name = "weights.epoch-" + std::to_string(epoch);
    const std::string expected = read_file(root / ("reference." + name));
    REQUIRE(expected.size() > reference.size());  // with the optimizer's state
    if (read_file(root / ("resumed." + name)) == expected) ++checkpoints;
  }
  CHECK(checkpoints == epochs);
  for (const auto& entry : fs::recursive_directory_iterator(root))
    CHECK_MESSAGE(entry.path().string().find(".tmp-") == std::string::npos, entry.path());
  fs::remove_all(root);
}

namespace {

// Raises at the start of `epoch`, as Keras's documentation example interrupts a run.
class InterruptAt : public minidl::models::Callback {
 public:
  explicit InterruptAt(int epoch) : epoch_(epoch) {}
  void on_epoch_begin(minidl::models::Model&, int epoch) override {
    if (epoch == epoch_) throw std::runtime_error("Interrupting!");
  }

 private:
  int epoch_;
};

}  // namespace

TEST_CASE("BackupAndRestore as Keras documents it: an interrupted fit goes on from the last epoch saved") {
  using namespace minidl;
  const fs::path dir = fs::temp_directory_path() / ("minidl_backup_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const Tensor x = reshape(Tensor::arange(0, 100, 1, DType::float64), {5, 20}) / 100.0;
  const Tensor y = Tensor::zeros({5, 1}, DType::float64);
  models::Sequential model({.dtype = "float64"});
  model.add<layers::Dense>({.units = 10, .dtype = "float64"});
  model.compile(std::make_unique<optim::SGD>(), "mse");

  models::BackupAndRestore backup(dir.string());
  InterruptAt interrupt(4);
  CHECK_THROWS_WITH(model.fit(x, y, {.batch_size = 1, .epochs = 10, .verbose = 0, .callbacks = {&backup, &interrupt}}),
                    "Interrupting!");
  CHECK(fs::exists(backup.path()));
  // Keras's example: the second fit runs only the 6 epochs left, then deletes the backup.
  const auto history = model.fit(x, y, {.batch_size = 1, .epochs = 10, .verbose = 0, .callbacks = {&backup}});
  CHECK(history.epochs() == 6);
  CHECK(model.optimizer().iterations() == 10 * 5);
  CHECK_FALSE(fs::exists(backup.path()));

  // A model the restarted program has not built yet (fit builds it) restores the backup.
  models::BackupAndRestore keep(dir.string(), {.delete_checkpoint = false});
  model.fit(x, y, {.batch_size = 5, .epochs = 1, .verbose = 0, .callbacks = {&keep}});
  const std::string saved = read_file(keep.path());
  models::Sequential unbuilt({.dtype = "float64"});
  unbuilt.add<layers::Dense>({.units = 10, .dtype = "float64"});
  unbuilt.compile(std::make_unique<optim::SGD>(), "mse");
  CHECK(unbuilt.fit(x, y, {.epochs = 1, .verbose = 0, .callbacks = {&keep}}).epochs() == 0);
  CHECK(unbuilt.get_weights()[0].to_vector() == model.get_weights()[0].to_vector());
  CHECK(unbuilt.optimizer().iterations() == model.optimizer().iterations());

  // A damaged backup is refused, naming it, before anything is written: weights, optimizer, generators.
  const auto refused_without_change = [&](const std::string& damaged, const char* fault) {
    write_file(keep.path(), damaged);
    const auto weights = model.get_weights();
    const auto iterations = model.optimizer().iterations();
    const std::string generator = global_generator().state();
    std::string message;
    try {
      model.fit(x, y, {.epochs = 1, .verbose = 0, .callbacks = {&keep}});
    } catch (const InvalidArgument& error) {
      message = error.what();
    }
    INFO("the error: " << message);
    CHECK(message.find(fault) != std::string::npos);
    CHECK(message.find(keep.path()) != std::string::npos);
    for (std::size_t i = 0; i < weights.size(); ++i) CHECK(model.get_weights()[i].to_vector() == weights[i].to_vector());
    CHECK(model.optimizer().iterations() == iterations);
    CHECK(global_generator().state() == generator);
  };
  refused_without_change(saved.substr(0, saved.size() - 4), "truncated");
  std::string flipped = saved;
  flipped[flipped.size() - 5] ^= 0x01;  // the last entry's data
  refused_without_change(flipped, "does not match its checksum");
  flipped = saved;
  flipped[flipped.find("\"generators\":[\"") + 15] ^= 0x01;
  refused_without_change(flipped, "the config section does not match its checksum");
  // Headers with valid checksums whose values no run takes.
  auto [header, weights] = models::unframe(saved, "MINIDLB", keep.path(), "test", "backup");
  auto bad_state = header;
  bad_state["generators"][0] = "xyz";
  refused_without_change(models::frame("MINIDLB", bad_state, weights), "generator 0: not a random generator's state");
  header["epoch"] = 1e15;  // past any int: converting it unchecked would be undefined behaviour
  refused_without_change(models::frame("MINIDLB", header, weights), "epoch 1000000000000000");
  header["epoch"] = 1;
  header["learning_rate"] = -1;
  refused_without_change(models::frame("MINIDLB", header, weights), "learning rate -1");

  // Keras's initial_epoch without a backup: the epochs before it count as done.
  CHECK(model.fit(x, y, {.epochs = 3, .verbose = 0, .initial_epoch = 1}).epochs() == 2);
  CHECK_THROWS_WITH_AS(model.fit(x, y, {.verbose = 0, .initial_epoch = -1}), doctest::Contains("initial_epoch=-1"), InvalidArgument);
  CHECK_THROWS_WITH_AS(models::BackupAndRestore(""), doctest::Contains("`backup_dir`"), InvalidArgument);
  fs::remove_all(dir);
}
