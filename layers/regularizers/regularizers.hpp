#pragma once
// Keras 3's weight regularizers (keras/src/regularizers/regularizers.py): a penalty computed from a
// weight (or, as an activity regularizer, from a layer's output), differentiable, added to the loss.
// Given by Keras name, as a configured struct, or as a callable; empty means none.
#include <minidl/core/tensor.hpp>

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace minidl::regularizers {

// l1 · Σ|x|
struct L1 {
  double l1 = 0.01;
};
// l2 · Σx²
struct L2 {
  double l2 = 0.01;
};
// l1 · Σ|x| + l2 · Σx² (Keras's defaults are 0 and 0: the name "l1l2" is a zero penalty).
struct L1L2 {
  double l1 = 0.0;
  double l2 = 0.0;
};
// factor · mean |cosine| between the rows ("rows") or columns ("columns") of a rank-2 weight.
struct OrthogonalRegularizer {
  double factor = 0.01;
  std::string mode = "rows";
};

using Function = std::function<Tensor(const Tensor&)>;

class Regularizer {
 public:
  Regularizer() = default;  // none
  Regularizer(const char* name) : spec_(std::string(name)) {}
  Regularizer(std::string name) : spec_(std::move(name)) {}
  Regularizer(L1 value) : spec_(value) {}
  Regularizer(L2 value) : spec_(value) {}
  Regularizer(L1L2 value) : spec_(value) {}
  Regularizer(OrthogonalRegularizer value) : spec_(std::move(value)) {}
  // Any callable (const Tensor&) -> Tensor, returning a scalar penalty.
  template <class Callable>
    requires std::is_invocable_r_v<Tensor, const Callable&, const Tensor&>
  Regularizer(Callable function) : spec_(Function(std::move(function))) {}

  explicit operator bool() const { return !std::holds_alternative<std::monostate>(spec_); }
  // Resolves a name and checks values as Keras does; throws InvalidArgument naming where/argument.
  Regularizer validated(std::string_view where, std::string_view argument) const;
  // The penalty, a scalar of x's dtype (0 for none).
  Tensor operator()(const Tensor& x) const;
  // Keras's serialized form; none is null.
  nlohmann::json get_config() const;
  static Regularizer from_config(const nlohmann::json& config);

  using Spec = std::variant<std::monostate, std::string, L1, L2, L1L2, OrthogonalRegularizer, Function>;
  const Spec& spec() const { return spec_; }

 private:
  Spec spec_;
};

std::vector<std::string> names();

}  // namespace minidl::regularizers
