#include "golden.hpp"

#include <fstream>

namespace minidl::testing {

nlohmann::json load_test_data(const std::string& name) {
  const std::string path = std::string(MINIDL_TEST_DATA_DIR) + "/" + name;
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open test data " + path);
  return nlohmann::json::parse(file);
}

std::string config_difference(const nlohmann::json& ours, const nlohmann::json& keras) {
  const nlohmann::json patch = nlohmann::json::diff(ours, keras);
  return patch.empty() ? "" : patch.dump();
}

Tensor tensor_from_json(const nlohmann::json& value, DType dtype) {
  const Shape shape = value.at("shape").get<Shape>();
  const auto data = value.at("data").get<std::vector<double>>();
  const Tensor exact(data, shape);
  return dtype == DType::float64 ? exact : cast(exact, dtype);
}

}  // namespace minidl::testing
