// A damaged file never loads as other numbers: every bit of a small weights file, model file and
// training backup is flipped in turn, and each flip must be refused with an InvalidArgument naming
// the file (leaving the model as it was), or load exactly what was saved, bit for bit. The counts
// are printed for docs/bad-input.md.
#include "../support/temporary.hpp"

#include <minidl/minidl.hpp>
#include <minidl/models/framed_file.hpp>

#include <doctest/doctest.h>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace minidl;
using minidl::testing::read_file;
using minidl::testing::temporary;
using minidl::testing::write_file;
namespace fs = std::filesystem;

namespace {

// The model of the issue: Input(4, 2) → Conv1D(2, kernel 2) → Dense(1), under Adam.
std::unique_ptr<models::Sequential> tiny_model() {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "tiny"});
  // Named, so that the files' sizes do not depend on how many layers the process made before.
  model->add<layers::Conv1D>({.filters = 2, .kernel_size = 2, .name = "conv"});
  model->add<layers::Dense>({.units = 1, .name = "dense"});
  model->compile(std::make_unique<optim::Adam>(), "mse");
  model->build({2, 4, 2});
  model->optimizer().build(model->trainable_weights());
  return model;
}

// Equal bit patterns: -0 differs from 0 and a NaN equals itself (float32 widens to float64 exactly).
bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const auto left = a.to_vector(), right = b.to_vector();
  return std::memcmp(left.data(), right.data(), left.size() * sizeof(double)) == 0;
}

// What loading a file writes into a model: its weights and its optimizer's state.
struct Restorable {
  std::vector<Tensor> weights;
  std::vector<std::pair<std::string, Tensor>> state;

  static Restorable of(const models::Model& model) {
    Restorable taken{{}, model.optimizer().variables()};
    for (const auto& weight : model.get_weights()) taken.weights.push_back(weight.clone());
    return taken;
  }
  bool operator==(const Restorable& other) const {
    if (weights.size() != other.weights.size() || state.size() != other.state.size()) return false;
    for (std::size_t i = 0; i < weights.size(); ++i)
      if (!same_bits(weights[i], other.weights[i])) return false;
    for (std::size_t i = 0; i < state.size(); ++i)
      if (state[i].first != other.state[i].first || !same_bits(state[i].second, other.state[i].second)) return false;
    return true;
  }
};

struct Outcomes {
  std::size_t flips = 0, refused = 0, unchanged = 0;
  std::map<std::string, std::size_t> reasons;  // the refusals by kind of fault
  std::vector<std::string> failures;           // the first few flips that broke the rule
};

// The kind of fault a refusal names: a checksum, the magic, or a length or code read before the
// checksum that covers it (out of bounds, or beyond any valid value).
std::string reason(const std::string& message) {
  for (const char* kind : {"checksum", "magic", "format version"})
    if (message.find(kind) != std::string::npos) return kind;
  return "a length or code";
}

// Flips each bit of the file at `path` in turn and calls `load`: it must throw InvalidArgument
// naming `path` and `refused_unchanged` must hold afterwards, or it must return true (what it
// loaded is what was saved).
Outcomes flip_every_bit(const std::string& path, const std::function<bool()>& load, const std::function<bool()>& refused_unchanged) {
  const std::string original = read_file(path);
  Outcomes outcomes;
  const auto fail = [&](std::size_t bit, const std::string& what) {
    if (outcomes.failures.size() < 5) outcomes.failures.push_back(fmt::format("bit {} (byte {}): {}", bit, bit / 8, what));
  };
  std::string damaged = original;
  for (std::size_t bit = 0; bit < original.size() * 8; ++bit) {
    damaged[bit / 8] = char(original[bit / 8] ^ (1 << (bit % 8)));
    write_file(path, damaged);
    damaged[bit / 8] = original[bit / 8];
    ++outcomes.flips;
    try {
      if (load()) ++outcomes.unchanged;
      else fail(bit, "loaded as other numbers");
    } catch (const InvalidArgument& error) {
      const std::string message = error.what();
      if (message.find(path) == std::string::npos) fail(bit, "the error does not name the file: " + message);
      else if (!refused_unchanged()) fail(bit, "refused, but the model changed: " + message);
      else ++outcomes.refused, ++outcomes.reasons[reason(message)];
    } catch (const std::exception& error) {
      fail(bit, std::string("not an InvalidArgument: ") + error.what());
    }
  }
  write_file(path, original);
  return outcomes;
}

void report(const std::string& file, const Outcomes& outcomes) {
  std::ostringstream reasons;
  for (const auto& [kind, count] : outcomes.reasons) reasons << " " << kind << ": " << count << ";";
  MESSAGE(file << ": " << outcomes.flips << " flips, " << outcomes.refused << " refused, " << outcomes.unchanged
                << " changed nothing (refusals by fault:" << reasons.str() << ")");
  for (const auto& failure : outcomes.failures) FAIL_CHECK(file << ": " << failure);
  CHECK(outcomes.refused + outcomes.unchanged == outcomes.flips);
  CHECK(outcomes.flips > 1000);
}

}  // namespace

TEST_CASE("every single-bit flip of a weights file, model file and backup is refused naming the file, or changes nothing") {
  // Thousands of rewrites: on tmpfs where there is one, as a disk's file system may flush each.
  const fs::path dir = (fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path()) /
                       ("minidl_bit_flip_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Generator generator(7);
  const Tensor x = Tensor::normal({2, 4, 2}, 0.0, 1.0, DType::float32, &generator);
  const Tensor y = Tensor::normal({2, 3, 1}, 0.0, 1.0, DType::float32, &generator);

  // One step of Adam, so that every file holds optimizer state; the backup is its epoch's.
  auto trained = tiny_model();
  models::BackupAndRestore backup((dir / "backup").string(), {.delete_checkpoint = false});
  trained->fit(x, y, {.batch_size = 2, .epochs = 1, .verbose = 0, .callbacks = {&backup}});
  const Restorable saved = Restorable::of(*trained);
  const std::string weights_path = (dir / "tiny.weights").string(), model_path = (dir / "tiny.minidl").string();
  models::save_weights(*trained, weights_path, &trained->optimizer());
  models::save_model(*trained, model_path);
  const std::string saved_model = layers::serialize(*trained).dump();

  SUBCASE("weights file") {
    auto target = tiny_model();
    auto before = Restorable::of(*target);
    const auto outcomes = flip_every_bit(
        weights_path,
        [&] {
          models::load_weights(*target, weights_path, &target->optimizer());
          const bool identical = Restorable::of(*target) == saved;
          before = Restorable::of(*target);
          return identical;
        },
        [&] { return Restorable::of(*target) == before; });
    report("weights file", outcomes);
  }
  SUBCASE("model file") {
    const auto outcomes = flip_every_bit(
        model_path,
        [&] {
          const auto loaded = models::load_model(model_path);
          return layers::serialize(*loaded).dump() == saved_model && Restorable::of(*loaded) == saved;
        },
        [] { return true; });  // nothing existed before to change
    report("model file", outcomes);
  }
  SUBCASE("BackupAndRestore backup") {
    // What the backup restores beyond the weights: the global generator's state and the epoch.
    const std::string backup_bytes = read_file(backup.path());
    const auto saved_generator =
        models::unframe(backup_bytes, "MINIDLB", backup.path(), "test", "backup").header.at("generators").at(0).get<std::string>();
    auto target = tiny_model();
    target->restored_epoch = 0;
    auto before = Restorable::of(*target);
    auto generator_before = global_generator().state();
    const auto outcomes = flip_every_bit(
        backup.path(),
        [&] {
          backup.on_train_begin(*target);
          const bool identical = Restorable::of(*target) == saved && global_generator().state() == saved_generator &&
                                 target->restored_epoch == 1;
          before = Restorable::of(*target);
          generator_before = global_generator().state();
          target->restored_epoch = 0;
          return identical;
        },
        [&] { return Restorable::of(*target) == before && global_generator().state() == generator_before && target->restored_epoch == 0; });
    report("backup", outcomes);
  }
  fs::remove_all(dir);
}
