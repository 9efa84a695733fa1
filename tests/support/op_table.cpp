#include "op_table.hpp"

#include <functional>
#include <map>

namespace minidl::testing {

namespace {

using Inputs = std::vector<Tensor>;
using Json = nlohmann::json;
using OpFunction = std::function<Tensor(const Json&, const Inputs&)>;

std::vector<std::int64_t> axes_of(const Json& args) { return args.at("axis").get<std::vector<std::int64_t>>(); }

const std::map<std::string, OpFunction>& table() {
  static const std::map<std::string, OpFunction> ops = {
      {"add", [](const Json&, const Inputs& in) { return in[0] + in[1]; }},
      {"sub", [](const Json&, const Inputs& in) { return in[0] - in[1]; }},
      {"mul", [](const Json&, const Inputs& in) { return in[0] * in[1]; }},
      {"div", [](const Json&, const Inputs& in) { return in[0] / in[1]; }},
      {"pow", [](const Json&, const Inputs& in) { return pow(in[0], in[1]); }},
      {"maximum", [](const Json&, const Inputs& in) { return maximum(in[0], in[1]); }},
      {"minimum", [](const Json&, const Inputs& in) { return minimum(in[0], in[1]); }},
      {"neg", [](const Json&, const Inputs& in) { return -in[0]; }},
      {"square", [](const Json&, const Inputs& in) { return square(in[0]); }},
      {"abs", [](const Json&, const Inputs& in) { return abs(in[0]); }},
      {"sign", [](const Json&, const Inputs& in) { return sign(in[0]); }},
      {"exp", [](const Json&, const Inputs& in) { return exp(in[0]); }},
      {"tanh", [](const Json&, const Inputs& in) { return tanh(in[0]); }},
      {"sigmoid", [](const Json&, const Inputs& in) { return sigmoid(in[0]); }},
      {"erf", [](const Json&, const Inputs& in) { return erf(in[0]); }},
      {"sqrt", [](const Json&, const Inputs& in) { return sqrt(in[0]); }},
      {"log", [](const Json&, const Inputs& in) { return log(in[0]); }},
      {"pow_scalar", [](const Json& a, const Inputs& in) { return pow(in[0], a.at("exponent").get<double>()); }},
      {"clip",
       [](const Json& a, const Inputs& in) {
         return clip(in[0], a.at("min_value").get<double>(), a.at("max_value").get<double>());
       }},
      {"where", [](const Json&, const Inputs& in) { return where(in[0], in[1], in[2]); }},
      {"sum", [](const Json& a, const Inputs& in) { return sum(in[0], axes_of(a), a.at("keepdims").get<bool>()); }},
      {"mean", [](const Json& a, const Inputs& in) { return mean(in[0], axes_of(a), a.at("keepdims").get<bool>()); }},
      {"max", [](const Json& a, const Inputs& in) { return max(in[0], axes_of(a), a.at("keepdims").get<bool>()); }},
      {"min", [](const Json& a, const Inputs& in) { return min(in[0], axes_of(a), a.at("keepdims").get<bool>()); }},
      {"var", [](const Json& a, const Inputs& in) { return var(in[0], axes_of(a), a.at("keepdims").get<bool>()); }},
      {"matmul", [](const Json&, const Inputs& in) { return matmul(in[0], in[1]); }},
      {"reshape", [](const Json& a, const Inputs& in) { return reshape(in[0], a.at("shape").get<Shape>()); }},
      {"transpose",
       [](const Json& a, const Inputs& in) { return transpose(in[0], a.at("axes").get<std::vector<std::int64_t>>()); }},
      {"squeeze", [](const Json& a, const Inputs& in) { return squeeze(in[0], axes_of(a)); }},
      {"unsqueeze", [](const Json& a, const Inputs& in) { return unsqueeze(in[0], a.at("axis").get<std::int64_t>()); }},
      {"flip", [](const Json& a, const Inputs& in) { return flip(in[0], a.at("axis").get<std::int64_t>()); }},
      {"slice",
       [](const Json& a, const Inputs& in) {
         return slice(in[0], a.at("axis").get<std::int64_t>(), a.at("start").get<std::int64_t>(),
                      a.at("stop").get<std::int64_t>(), a.at("step").get<std::int64_t>());
       }},
      {"concat", [](const Json& a, const Inputs& in) { return concat(in, a.at("axis").get<std::int64_t>()); }},
      {"stack", [](const Json& a, const Inputs& in) { return stack(in, a.at("axis").get<std::int64_t>()); }},
      {"pad",
       [](const Json& a, const Inputs& in) {
         return pad(in[0], a.at("pad_width").get<std::vector<std::pair<std::int64_t, std::int64_t>>>(),
                    a.at("constant_value").get<double>());
       }},
      {"broadcast_to", [](const Json& a, const Inputs& in) { return broadcast_to(in[0], a.at("shape").get<Shape>()); }},
      // Through float32 and back: values are exact in float32, so the round trip is lossless.
      {"cast", [](const Json&, const Inputs& in) { return cast(cast(in[0], DType::float32), in[0].dtype()); }},
      {"loss", [](const Json& a, const Inputs& in) { return losses::Loss(a.at("name").get<std::string>())(in[0], in[1]); }},
      {"activation",
       [](const Json& a, const Inputs& in) { return activations::get(a.at("name").get<std::string>())(in[0]); }},
  };
  return ops;
}

}  // namespace

Tensor apply_op(const std::string& op, const nlohmann::json& args, const std::vector<Tensor>& inputs) {
  return table().at(op)(args, inputs);
}

}  // namespace minidl::testing
