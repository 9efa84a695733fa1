// Saved work is never lost: a fit with BackupAndRestore is killed with SIGKILL at random moments,
// started again each time, and must end with the same weights, bit for bit, as a run never killed.
#include <minidl/minidl.hpp>

#include <doctest/doctest.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

pid_t start_worker(const fs::path& backup_dir, const fs::path& result) {
  std::string worker = MINIDL_RESUME_WORKER, backup = backup_dir.string(), output = result.string();
  char* argv[] = {worker.data(), backup.data(), output.data(), nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, worker.c_str(), nullptr, nullptr, argv, environ) == 0);
  return pid;
}

// Waits for the worker; true when it exited with status 0.
bool finished_cleanly(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("fit with BackupAndRestore, killed with SIGKILL at random moments, resumes to bit-identical weights") {
  const fs::path root = fs::temp_directory_path() / ("minidl_resume_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);

  const auto begun = Clock::now();
  const pid_t reference_run = start_worker(root / "reference_backup", root / "reference.weights");
  REQUIRE(finished_cleanly(reference_run));
  const double run_seconds = std::chrono::duration<double>(Clock::now() - begun).count();
  const std::string reference = read_file(root / "reference.weights");
  REQUIRE(reference.size() > 1000);
  CHECK_FALSE(fs::exists(root / "reference_backup" / "latest.minidl-backup"));  // deleted when fit ends

  // Each kill comes at a random moment within the first quarter of a whole run's time, so that most
  // land before the run (which resumes ever later) completes; the seed is printed to replay a failure.
  const auto seed = std::random_device{}();
  INFO("kill-moment seed " << seed << ", uninterrupted run " << run_seconds << " s");
  std::mt19937 moments(seed);
  std::uniform_real_distribution<double> fraction(0.02, 0.25);
  constexpr int kills = 6;
  int landed = 0;
  for (int kill = 0; kill < kills; ++kill) {
    const pid_t pid = start_worker(root / "backup", root / "resumed.weights");
    std::this_thread::sleep_for(std::chrono::duration<double>(fraction(moments) * run_seconds));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) ++landed;
    if (WIFEXITED(status)) break;  // the run completed before this kill; nothing more to interrupt
  }
  if (!fs::exists(root / "resumed.weights")) REQUIRE(finished_cleanly(start_worker(root / "backup", root / "resumed.weights")));

  // Each start logged the epoch it went on from: a run killed after its first backup resumes past 0.
  std::istringstream log(read_file(root / "resumed.weights.log"));
  std::string word;
  int starts = 0, resumes = 0;
  for (int epoch = 0; log >> word >> epoch;) {
    ++starts;
    if (epoch > 0) ++resumes;
  }
  MESSAGE("kills landed: " << landed << ", starts: " << starts << ", resumed from a backup: " << resumes);
  CHECK(landed >= 3);
  CHECK(resumes >= 2);
  CHECK(read_file(root / "resumed.weights") == reference);
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

  // A backup only restores into a built model, and a damaged one is refused before anything changes.
  models::BackupAndRestore keep(dir.string(), {.delete_checkpoint = false});
  model.fit(x, y, {.batch_size = 5, .epochs = 1, .verbose = 0, .callbacks = {&keep}});
  const std::string saved = read_file(keep.path());
  models::Sequential unbuilt({.dtype = "float64"});
  unbuilt.add<layers::Dense>({.units = 10, .dtype = "float64"});
  unbuilt.compile(std::make_unique<optim::SGD>(), "mse");
  CHECK_THROWS_WITH_AS(unbuilt.fit(x, y, {.verbose = 0, .callbacks = {&keep}}), doctest::Contains("must be built before fit"),
                       StateError);
  std::ofstream(keep.path(), std::ios::binary | std::ios::trunc) << saved.substr(0, saved.size() - 4);
  const auto before = model.get_weights();
  CHECK_THROWS_WITH_AS(model.fit(x, y, {.verbose = 0, .callbacks = {&keep}}), doctest::Contains("truncated"), InvalidArgument);
  CHECK(model.get_weights()[0].to_vector() == before[0].to_vector());

  // Keras's initial_epoch without a backup: the epochs before it count as done.
  CHECK(model.fit(x, y, {.epochs = 3, .verbose = 0, .initial_epoch = 1}).epochs() == 2);
  CHECK_THROWS_WITH_AS(model.fit(x, y, {.verbose = 0, .initial_epoch = -1}), doctest::Contains("initial_epoch=-1"), InvalidArgument);
  CHECK_THROWS_WITH_AS(models::BackupAndRestore(""), doctest::Contains("`backup_dir`"), InvalidArgument);
  fs::remove_all(dir);
}
