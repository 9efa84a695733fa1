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

std::vector<Tensor> tensors_from_json(const nlohmann::json& list, DType dtype) {
  std::vector<Tensor> result;
  for (const auto& item : list) result.push_back(tensor_from_json(item, dtype));
  return result;
}

nlohmann::json tensor_to_json(const Tensor& tensor) {
  return {{"shape", tensor.shape()}, {"data", cast(tensor, DType::float64).to_vector()}};
}

Tensor float32_exact_pattern(const Shape& shape, std::int64_t salt) {
  std::vector<float> values(std::size_t(element_count(shape)));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = float((std::int64_t(i) * 37 + salt * 11) % 64 - 32) / 128.0f;
  return Tensor(values, shape);
}

const std::string& keras_files_dir() {
  static const std::string dir = std::string(MINIDL_TEST_DATA_DIR) + "/keras/files/";
  return dir;
}

}  // namespace minidl::testing
