#pragma once
// Whether ops record the graph. Off inside NoGradGuard scopes and while the engine runs backward.

namespace minidl {

bool is_grad_enabled();

// Within its scope, ops compute values only: no graph, no saved tensors (like torch.no_grad()).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace minidl
