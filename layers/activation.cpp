#include <minidl/layers/activation.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace minidl::layers {

ActivationSpec ActivationSpec::validated(std::string_view where, std::string_view argument) const {
  if (function_) return *this;
  const auto known = activations::names();
  if (std::find(known.begin(), known.end(), name_) == known.end())
    throw_invalid_argument(where, argument, fmt::format("expected an activation name, one of {}", fmt::join(known, ", ")),
                           fmt::format("{}=\"{}\"", argument, name_));
  ActivationSpec resolved = *this;
  resolved.function_ = activations::get(name_);
  return resolved;
}

}  // namespace minidl::layers
