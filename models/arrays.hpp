#pragma once
// Keras's x and y for fit, evaluate and predict: one tensor, a list (in the model's input or
// output order), or a dict by input or output name.
//   model.fit(x, y);                                            // one input, one output
//   model.fit({series, calendar}, y);                           // a list, in input order
//   model.fit({{"series", series}, {"calendar", calendar}}, y); // by name
#include <minidl/core/tensor.hpp>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace minidl::models {

class Arrays {
 public:
  Arrays() = default;
  Arrays(Tensor single) : list_{std::move(single)}, single_(true) {}
  Arrays(std::vector<Tensor> list) : list_(std::move(list)) {}
  Arrays(std::initializer_list<Tensor> list) : list_(list) {}
  Arrays(std::map<std::string, Tensor> by_name) : by_name_(std::move(by_name)), named_(true) {}
  Arrays(std::initializer_list<std::pair<const std::string, Tensor>> by_name) : by_name_(by_name), named_(true) {}

  bool empty() const { return named_ ? by_name_.empty() : list_.empty(); }
  // Given as one tensor (not a list of one).
  bool single() const { return single_; }
  // One tensor per name, in the order of `names`. A single tensor or a list must hold one per
  // name; a dict every name that `required` marks (all when empty), and no other key. Throws
  // InvalidArgument naming `where` and `argument` ("x", "y").
  std::vector<Tensor> in_order(const std::vector<std::string>& names, std::string_view where, std::string_view argument,
                               const std::vector<bool>& required = {}) const;

 private:
  std::vector<Tensor> list_;
  std::map<std::string, Tensor> by_name_;
  bool single_ = false;
  bool named_ = false;
};

}  // namespace minidl::models
