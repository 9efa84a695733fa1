#pragma once
// Keras 3's weight initializers (keras/src/initializers/), given by Keras name, as a configured
// struct, or as a callable:
//   .kernel_initializer = "he_normal"
//   .kernel_initializer = initializers::HeNormal{.seed = 3}
//   .kernel_initializer = [](const Shape& shape, DType dtype) { return Tensor::ones(shape, dtype); }
// A seeded initializer returns the same values on every call (as Keras); an unseeded one draws
// from the global generator (seed_global_generator).
#include <minidl/core/tensor.hpp>

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace minidl::initializers {

using Seed = std::optional<std::uint64_t>;

struct Zeros {};
struct Ones {};
struct Constant {
  double value = 0.0;
};
struct RandomNormal {
  double mean = 0.0;
  double stddev = 0.05;
  Seed seed = std::nullopt;
};
struct RandomUniform {
  double minval = -0.05;
  double maxval = 0.05;
  Seed seed = std::nullopt;
};
// Normal, redrawn outside mean ± 2·stddev.
struct TruncatedNormal {
  double mean = 0.0;
  double stddev = 0.05;
  Seed seed = std::nullopt;
};
// Samples scaled by scale / fan: mode "fan_in" | "fan_out" | "fan_avg"; distribution
// "truncated_normal" (alias "normal") | "untruncated_normal" | "uniform".
struct VarianceScaling {
  double scale = 1.0;
  std::string mode = "fan_in";
  std::string distribution = "truncated_normal";
  Seed seed = std::nullopt;
};
struct GlorotUniform {
  Seed seed = std::nullopt;
};
struct GlorotNormal {
  Seed seed = std::nullopt;
};
struct HeUniform {
  Seed seed = std::nullopt;
};
struct HeNormal {
  Seed seed = std::nullopt;
};
struct LecunUniform {
  Seed seed = std::nullopt;
};
struct LecunNormal {
  Seed seed = std::nullopt;
};
// A (semi-)orthogonal matrix over (prod(shape[:-1]), shape[-1]), times gain.
struct Orthogonal {
  double gain = 1.0;
  Seed seed = std::nullopt;
};
// gain · eye; rank-2 shapes only (so not a Conv1D kernel, as in Keras).
struct Identity {
  double gain = 1.0;
};

using Function = std::function<Tensor(const Shape& shape, DType dtype)>;

// Keras's fans for a weight shape: for rank >= 3 (a conv kernel) the receptive field
// prod(shape[:-2]) times shape[-2] (in) or shape[-1] (out).
std::pair<double, double> compute_fans(const Shape& shape);

class Initializer {
 public:
  // A Keras name ("glorot_uniform", "GlorotUniform", "zeros", ...); checked by validate().
  Initializer(const char* name) : spec_(std::string(name)) {}
  Initializer(std::string name) : spec_(std::move(name)) {}
  Initializer(Zeros value) : spec_(value) {}
  Initializer(Ones value) : spec_(value) {}
  Initializer(Constant value) : spec_(value) {}
  Initializer(RandomNormal value) : spec_(value) {}
  Initializer(RandomUniform value) : spec_(value) {}
  Initializer(TruncatedNormal value) : spec_(value) {}
  Initializer(VarianceScaling value) : spec_(std::move(value)) {}
  Initializer(GlorotUniform value) : spec_(value) {}
  Initializer(GlorotNormal value) : spec_(value) {}
  Initializer(HeUniform value) : spec_(value) {}
  Initializer(HeNormal value) : spec_(value) {}
  Initializer(LecunUniform value) : spec_(value) {}
  Initializer(LecunNormal value) : spec_(value) {}
  Initializer(Orthogonal value) : spec_(value) {}
  Initializer(Identity value) : spec_(value) {}
  // Any callable (const Shape&, DType) -> Tensor.
  template <class Callable>
    requires std::is_invocable_r_v<Tensor, const Callable&, const Shape&, DType>
  Initializer(Callable function) : spec_(Function(std::move(function))) {}

  // Resolves a name and checks the configuration as Keras does at construction; throws
  // InvalidArgument naming `where` and `argument` (e.g. "Conv1D 'conv1d'", "kernel_initializer").
  Initializer validated(std::string_view where, std::string_view argument) const;
  // Draws a tensor of `shape`. Input-dependent errors (Identity on rank 3) throw InvalidArgument.
  Tensor operator()(const Shape& shape, DType dtype = DType::float32) const;
  // Keras's serialized form {"module", "class_name", "config", "registered_name"}; a callable
  // serializes as {"class_name": "Custom"} and cannot be read back.
  nlohmann::json get_config() const;
  // Reads Keras's serialized form, or a plain name string.
  static Initializer from_config(const nlohmann::json& config);

  using Spec = std::variant<std::string, Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
                            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
                            LecunNormal, Orthogonal, Identity, Function>;
  const Spec& spec() const { return spec_; }

 private:
  Spec spec_;
};

// The names Initializer accepts, sorted.
std::vector<std::string> names();

}  // namespace minidl::initializers
