// The Keras-file loaders on arbitrary input: a .keras archive or a .weights.h5 file must either
// load or be refused with InvalidArgument (ShapeError, one of them, for a weight of another shape)
// or MemoryError; never crash, read out of bounds or allocate what the file does not justify.
// Inputs starting "PK" (a zip's signature) are a .keras file, given to load_keras_model as they
// are; inputs starting with HDF5's signature are a .weights.h5 file, given as they are to
// load_weights with a fixed model and its Adam state. All others describe a weights layout
// (weights_layout.hpp), written as a well-formed HDF5 file and given to load_weights the same
// way: mutations of a layout reach shapes, counts and groups that mutations of HDF5's bytes
// rarely produce intact.
#include "fuzz_input.hpp"
#include "weights_layout.hpp"

#include <minidl/io/hdf5_file.hpp>
#include <minidl/minidl.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

using namespace minidl;

namespace {

// The model of a_seq_conv_adam (written by Keras 3.15.1, see
// tests/data/keras/generator/generate_keras_files.py), whose layout the weights seeds hold.
struct WeightsTarget {
  models::Sequential model;
  optim::Adam adam{{.learning_rate = 0.01}};
  WeightsTarget() {
    model.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .activation = "relu"});
    model.add<layers::MaxPooling1D>({.pool_size = 2});
    model.add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "same", .activation = "relu"});
    model.add<layers::GlobalAveragePooling1D>();
    model.add<layers::Dense>({.units = 3, .activation = "softmax"});
    model.build({1, 16, 2});
  }
};

// The HDF5 file the input describes, or nothing when libhdf5 cannot write it (a dataset where a
// group is, say): not a case for the loader.
std::optional<std::string> layout_file(const std::uint8_t* data, std::size_t size) {
  fuzzing::FuzzInput input(data, size);
  io::Hdf5Writer file;
  try {
    for (int entries = 0; entries < 64 && !input.exhausted(); ++entries) {
      const auto kind = fuzzing::LayoutKind(input.byte() % fuzzing::layout_kinds);
      const std::string group = input.pick(fuzzing::layout_groups);
      const std::string dataset = group + "/" + std::to_string(input.byte() % 16);
      Shape shape(input.byte() % 5);
      for (auto& extent : shape) extent = input.byte() % 20;
      const double fill = (double(input.byte()) - 128) / 16;
      switch (kind) {
        case fuzzing::LayoutKind::group: file.group(group); break;
        case fuzzing::LayoutKind::named_group: file.group(group, "layer"); break;
        case fuzzing::LayoutKind::float32: file.write(dataset, Tensor::full(shape, fill, DType::float32)); break;
        case fuzzing::LayoutKind::float64: file.write(dataset, Tensor::full(shape, fill, DType::float64)); break;
        case fuzzing::LayoutKind::int32: file.write_int32(dataset, std::int32_t(fill * 16)); break;
      }
    }
    return file.bytes();
  } catch (const InvalidArgument&) {
    return std::nullopt;
  }
}

// A per-process file on tmpfs keeps the round trip cheap; the loaders read paths.
std::string scratch_path(const char* suffix) {
  return "/dev/shm/minidl_fuzz_keras_" + std::to_string(::getpid()) + suffix;
}

}  // namespace

// libhdf5 asks malloc for absurd sizes on some damaged files and copes when it refuses, as glibc
// does; under ASan the request itself would be reported, as would libFuzzer's malloc limit
// (2 GiB, from -rss_limit_mb) were more than 1 GiB granted.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1:max_allocation_size_mb=1024"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool cleanup_registered = [] {
    std::atexit([] {
      std::remove(scratch_path(".keras").c_str());
      std::remove(scratch_path(".weights.h5").c_str());
    });
    return true;
  }();
  (void)cleanup_registered;
  // A config may ask for anything; the harness's limit keeps a run inside libFuzzer's memory limit.
  set_allocation_limit(std::size_t{256} << 20);
  const std::string input(reinterpret_cast<const char*>(data), size);
  const bool archive = input.starts_with("PK");
  const bool raw = archive || input.starts_with("\x89HDF");
  const auto bytes = raw ? std::optional(input) : layout_file(data, size);
  if (!bytes) return 0;
  const std::string path = scratch_path(archive ? ".keras" : ".weights.h5");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << *bytes;
  try {
    if (archive) {
      models::load_keras_model(path);
    } else {
      // A fresh target per input, so that every crash reproduces from its input alone.
      WeightsTarget target;
      models::load_weights(target.model, path, &target.adam);
    }
  } catch (const InvalidArgument&) {
  } catch (const MemoryError&) {
  }
  release_cached_memory();  // keeps the process's memory to what this input used
  return 0;
}
