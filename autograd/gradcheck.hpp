#pragma once
// gradcheck: the analytic Jacobian from autograd against central finite differences, in float64,
// for every element of every input. For users' own tests as much as ours.
#include <minidl/core/tensor.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace minidl {

struct GradcheckOptions {
  // Finite-difference step: (f(x + eps) − f(x − eps)) / 2eps.
  double eps = 1e-6;
  // An element passes when |analytic − numeric| <= atol + rtol·|numeric| (PyTorch's test).
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckReport {
  bool passed = true;
  double max_abs_error = 0.0;
  double max_rel_error = 0.0;  // |analytic − numeric| / max(|numeric|, atol)
  // The element furthest beyond its tolerance (or, when all pass, the one closest to it):
  std::size_t worst_input = 0;      // which input
  Shape worst_index;                // its index within that input
  std::size_t worst_output = 0;     // the flat output element it was differentiated from
  double analytic = 0.0;
  double numeric = 0.0;
  std::size_t checked = 0;          // Jacobian entries compared

  explicit operator bool() const { return passed; }
  // One readable paragraph: verdict, errors, and where the worst element is.
  std::string to_string() const;
};

std::ostream& operator<<(std::ostream& stream, const GradcheckReport& report);

using GradcheckFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d function(inputs) / d inputs. Every input must be float64; the function may return any
// shape (the full Jacobian is compared, so keep shapes small). Inputs are not modified.
GradcheckReport gradcheck(const GradcheckFunction& function, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace minidl
