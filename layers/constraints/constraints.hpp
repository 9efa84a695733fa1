#pragma once
// Keras 3's weight constraints (keras/src/constraints/constraints.py): a projection applied to a
// weight right after each optimizer update. Given by Keras name, configured struct or callable;
// empty means none. For a Conv1D kernel (kernel_size, channels, filters), axis 0 takes the norm over
// the taps of each (channel, filter) pair; axis {0, 1} over each filter's whole weight vector.
#include <minidl/core/tensor.hpp>

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace minidl::constraints {

// w · clip(n, 0, max_value) / (ε + n), n the L2 norm along `axis`, ε = 1e-7.
struct MaxNorm {
  double max_value = 2.0;
  std::vector<std::int64_t> axis = {0};
};
// w · (rate · clip(n, min_value, max_value) + (1 − rate) · n) / (ε + n).
struct MinMaxNorm {
  double min_value = 0.0;
  double max_value = 1.0;
  double rate = 1.0;
  std::vector<std::int64_t> axis = {0};
};
// max(w, 0).
struct NonNeg {};
// w / (ε + n).
struct UnitNorm {
  std::vector<std::int64_t> axis = {0};
};

using Function = std::function<Tensor(const Tensor&)>;

class Constraint {
 public:
  Constraint() = default;  // none
  Constraint(const char* name) : spec_(std::string(name)) {}
  Constraint(std::string name) : spec_(std::move(name)) {}
  Constraint(MaxNorm value) : spec_(std::move(value)) {}
  Constraint(MinMaxNorm value) : spec_(std::move(value)) {}
  Constraint(NonNeg value) : spec_(value) {}
  Constraint(UnitNorm value) : spec_(std::move(value)) {}
  // Any callable (const Tensor&) -> Tensor, returning the projected weight.
  template <class Callable>
    requires std::is_invocable_r_v<Tensor, const Callable&, const Tensor&>
  Constraint(Callable function) : spec_(Function(std::move(function))) {}

  explicit operator bool() const { return !std::holds_alternative<std::monostate>(spec_); }
  Constraint validated(std::string_view where, std::string_view argument) const;
  // The projected weight (a new tensor of w's shape; w itself for none). Not recorded for autograd.
  Tensor apply(const Tensor& w) const;
  Tensor operator()(const Tensor& w) const { return apply(w); }
  nlohmann::json get_config() const;
  static Constraint from_config(const nlohmann::json& config);

  using Spec = std::variant<std::monostate, std::string, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, Function>;
  const Spec& spec() const { return spec_; }

 private:
  Spec spec_;
};

std::vector<std::string> names();

}  // namespace minidl::constraints
