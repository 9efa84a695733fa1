#include <minidl/layers/regularizers/regularizers.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/matmul.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <nlohmann/json.hpp>

namespace minidl::regularizers {

namespace {

using Json = nlohmann::json;

const std::map<std::string, Regularizer::Spec, std::less<>>& by_name() {
  static const std::map<std::string, Regularizer::Spec, std::less<>> table = {
      {"L1", L1{}}, {"l1", L1{}}, {"L2", L2{}}, {"l2", L2{}}, {"L1L2", L1L2{}}, {"l1l2", L1L2{}},
      {"OrthogonalRegularizer", OrthogonalRegularizer{}}, {"orthogonal_regularizer", OrthogonalRegularizer{}},
  };
  return table;
}

// Keras's ops.normalize: x / max(‖x‖, 1e-7) along `axis`.
Tensor normalized(const Tensor& x, std::int64_t axis) {
  return x / sqrt(maximum(sum(square(x), {axis}, true), Tensor::scalar(1e-14, x.dtype())));
}

Tensor penalty(const std::monostate&, const Tensor& x) { return Tensor::scalar(0.0, x.dtype()); }
Tensor penalty(const L1& r, const Tensor& x) { return sum(abs(x)) * r.l1; }
Tensor penalty(const L2& r, const Tensor& x) { return sum(square(x)) * r.l2; }
Tensor penalty(const L1L2& r, const Tensor& x) {
  Tensor total = Tensor::scalar(0.0, x.dtype());
  if (r.l1 != 0) total = total + sum(abs(x)) * r.l1;
  if (r.l2 != 0) total = total + sum(square(x)) * r.l2;
  return total;
}
Tensor penalty(const OrthogonalRegularizer& r, const Tensor& x) {
  if (x.ndim() != 2)
    throw ShapeError(fmt::format("OrthogonalRegularizer: inputs must have rank 2, received shape {}", shape_to_string(x.shape())));
  const bool rows = r.mode == "rows";
  const Tensor unit = normalized(x, rows ? 1 : 0);
  const Tensor product = rows ? matmul(unit, transpose(unit)) : matmul(transpose(unit), unit);
  const std::int64_t size = product.shape()[0];
  const double pairs = double(size) * (double(size) - 1.0) / 2.0;
  const Tensor off_diagonal = product * (1.0 - Tensor::eye(size, size, x.dtype()));
  return sum(abs(off_diagonal)) * (r.factor * 0.5 / pairs);
}
Tensor penalty(const Function& f, const Tensor& x) { return f(x); }
Tensor penalty(const std::string& name, const Tensor&) {
  throw StateError(fmt::format("regularizer \"{}\" was used before validated() resolved it", name));
}

void check_rate(double value, std::string_view name, std::string_view where, std::string_view argument) {
  if (!std::isfinite(value) || value < 0)
    throw_invalid_argument(where, argument, fmt::format("`{}` must be a non-negative finite float", name),
                           fmt::format("{}={}", name, value));
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> result;
  for (const auto& [name, spec] : by_name()) result.push_back(name);
  return result;
}

Regularizer Regularizer::validated(std::string_view where, std::string_view argument) const {
  Regularizer resolved = *this;
  if (const auto* name = std::get_if<std::string>(&spec_)) {
    const auto found = by_name().find(*name);
    if (found == by_name().end())
      throw_invalid_argument(where, argument, fmt::format("expected a regularizer name, one of {}", fmt::join(names(), ", ")),
                             fmt::format("{}=\"{}\"", argument, *name));
    resolved.spec_ = found->second;
  }
  if (const auto* r = std::get_if<L1>(&resolved.spec_)) check_rate(r->l1, "l1", where, argument);
  if (const auto* r = std::get_if<L2>(&resolved.spec_)) check_rate(r->l2, "l2", where, argument);
  if (const auto* r = std::get_if<L1L2>(&resolved.spec_)) {
    check_rate(r->l1, "l1", where, argument);
    check_rate(r->l2, "l2", where, argument);
  }
  if (const auto* r = std::get_if<OrthogonalRegularizer>(&resolved.spec_)) {
    check_rate(r->factor, "factor", where, argument);
    if (r->mode != "rows" && r->mode != "columns")
      throw_invalid_argument(where, argument, "OrthogonalRegularizer's `mode` must be \"rows\" or \"columns\"",
                             fmt::format("mode=\"{}\"", r->mode));
  }
  return resolved;
}

Tensor Regularizer::operator()(const Tensor& x) const {
  const Regularizer resolved = std::holds_alternative<std::string>(spec_) ? validated("regularizer", "identifier") : *this;
  return std::visit([&](const auto& spec) { return penalty(spec, x); }, resolved.spec_);
}

Json Regularizer::get_config() const {
  const Spec spec = std::holds_alternative<std::string>(spec_) ? validated("regularizer", "identifier").spec_ : spec_;
  auto wrap = [](const char* class_name, Json config) {
    return Json{{"module", "keras.regularizers"}, {"class_name", class_name}, {"config", std::move(config)},
                {"registered_name", nullptr}};
  };
  if (const auto* r = std::get_if<L1>(&spec)) return wrap("L1", {{"l1", r->l1}});
  if (const auto* r = std::get_if<L2>(&spec)) return wrap("L2", {{"l2", r->l2}});
  if (const auto* r = std::get_if<L1L2>(&spec)) return wrap("L1L2", {{"l1", r->l1}, {"l2", r->l2}});
  if (const auto* r = std::get_if<OrthogonalRegularizer>(&spec))
    return wrap("OrthogonalRegularizer", {{"factor", r->factor}, {"mode", r->mode}});
  if (std::holds_alternative<Function>(spec)) return Json{{"class_name", "Custom"}};
  return nullptr;
}

Regularizer Regularizer::from_config(const Json& config) {
  if (config.is_null()) return {};
  if (config.is_string()) return Regularizer(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name"))
    throw InvalidArgument(fmt::format("regularizers: cannot read a regularizer from {}", config.dump()));
  const std::string class_name = config.at("class_name");
  const Json settings = config.value("config", Json::object());
  if (class_name == "L1") return L1{settings.value("l1", 0.01)};
  if (class_name == "L2") return L2{settings.value("l2", 0.01)};
  if (class_name == "L1L2") return L1L2{settings.value("l1", 0.0), settings.value("l2", 0.0)};
  if (class_name == "OrthogonalRegularizer")
    return OrthogonalRegularizer{settings.value("factor", 0.01), settings.value("mode", std::string("rows"))};
  return Regularizer(class_name);  // unknown: validated() reports it
}

}  // namespace minidl::regularizers
