#pragma once
// A layer's `activation` argument: a Keras name ("relu", exact and case-sensitive, as Keras), a
// callable, or nothing (linear).
#include <minidl/autograd/activations/activations.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace minidl::layers {

class ActivationSpec {
 public:
  ActivationSpec() = default;
  ActivationSpec(const char* name) : name_(name) {}
  ActivationSpec(std::string name) : name_(std::move(name)) {}
  // Any callable (const Tensor&) -> Tensor.
  template <class Callable>
    requires std::is_invocable_r_v<Tensor, const Callable&, const Tensor&>
  ActivationSpec(Callable function) : name_("custom"), function_(std::move(function)) {}

  // Looks the name up; throws InvalidArgument naming where/argument and listing the known names.
  ActivationSpec validated(std::string_view where, std::string_view argument) const;
  Tensor operator()(const Tensor& x) const { return function_ ? function_(x) : x; }
  // The Keras name ("linear" when none was given; "custom" for a callable).
  const std::string& name() const { return name_; }

 private:
  std::string name_ = "linear";
  activations::Activation function_;
};

}  // namespace minidl::layers
