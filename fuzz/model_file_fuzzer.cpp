// The model and weights loaders on arbitrary file contents: every file must either load or be
// refused with InvalidArgument (ShapeError for a weights file whose shapes do not fit the model),
// or MemoryError; never crash, read out of bounds or allocate what the file does not justify.
// Inputs starting "MINIDLW" go to load_weights (into a fixed model and its Adam state), all
// others to load_model.
#include <minidl/minidl.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace minidl;

namespace {

// A model to load weights into: the one the weights seeds were saved from (make_seeds.cpp).
struct WeightsTarget {
  models::Sequential model;
  optim::Adam adam;
  WeightsTarget() {
    model.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .activation = "relu"});
    model.add<layers::Dense>({.units = 1});
    model.build({2, 8, 2});
    adam.build(model.trainable_weights());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The loaders read paths; a per-process file on tmpfs keeps the round trip cheap.
  static const std::string path = [] {
    std::string name = "/dev/shm/minidl_fuzz_model_" + std::to_string(::getpid());
    std::atexit([] { std::remove(("/dev/shm/minidl_fuzz_model_" + std::to_string(::getpid())).c_str()); });
    return name;
  }();
  // Configs may ask for anything; the harness's limit keeps a run inside libFuzzer's memory limit.
  set_allocation_limit(std::size_t{256} << 20);
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  try {
    if (bytes.rfind("MINIDLW", 0) == 0) {
      // A fresh target per input, so that every crash reproduces from its input alone.
      WeightsTarget target;
      models::load_weights(target.model, path, &target.adam);
    } else {
      models::load_model(path);
    }
  } catch (const InvalidArgument&) {
  } catch (const MemoryError&) {
  }
  release_cached_memory();  // keeps the process's memory to what this input used
  return 0;
}
