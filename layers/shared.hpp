#pragma once
// Layers owned by a std::shared_ptr, for the functional API: a model keeps every layer it calls.
//   SymbolicTensor y = layers::make<layers::Dense>({.units = 8})(x);
//   auto shared = layers::make<layers::Dense>({.units = 8});   // one layer, two calls
//   SymbolicTensor a = shared(left), b = shared(right);
#include <minidl/layers/layer.hpp>

#include <memory>
#include <utility>

namespace minidl::layers {

// A handle on a shared layer: `handle(x)` calls it (on symbolic or real tensors), `handle->`
// reaches its members, and it converts to the std::shared_ptr it holds.
template <class SomeLayer>
class Shared {
 public:
  explicit Shared(std::shared_ptr<SomeLayer> layer) : layer_(std::move(layer)) {}
  template <class... Arguments>
  decltype(auto) operator()(Arguments&&... arguments) const {
    return (*layer_)(std::forward<Arguments>(arguments)...);
  }
  // A call on a list, written as a braced list: `add({a, b})`.
  decltype(auto) operator()(const std::vector<SymbolicTensor>& inputs) const { return (*layer_)(inputs); }
  decltype(auto) operator()(const std::vector<Tensor>& inputs, bool training = false) const {
    return (*layer_)(inputs, training);
  }
  SomeLayer* operator->() const { return layer_.get(); }
  SomeLayer& operator*() const { return *layer_; }
  const std::shared_ptr<SomeLayer>& get() const { return layer_; }
  template <class Base>
  operator std::shared_ptr<Base>() const {
    return layer_;
  }

 private:
  std::shared_ptr<SomeLayer> layer_;
};

// A new layer from its options (`make<Conv1D>({.filters = 8, .kernel_size = 3})`) ...
template <class SomeLayer, class Options = typename SomeLayer::Options>
Shared<SomeLayer> make(Options options = {}) {
  return Shared<SomeLayer>(std::make_shared<SomeLayer>(std::move(options)));
}

// ... or from any constructor's arguments (a user's layer, a models::Functional).
template <class SomeLayer, class... Arguments>
  requires(sizeof...(Arguments) > 0)
Shared<SomeLayer> make(Arguments&&... arguments) {
  return Shared<SomeLayer>(std::make_shared<SomeLayer>(std::forward<Arguments>(arguments)...));
}

}  // namespace minidl::layers
