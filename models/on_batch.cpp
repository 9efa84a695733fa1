// Keras's *_on_batch: one step of fit, evaluate or predict on the batch given, for custom loops.
#include <minidl/models/model.hpp>

#include <minidl/autograd/grad_mode.hpp>

namespace minidl::models {

std::map<std::string, double> Model::train_on_batch(const Arrays& x, const Arrays& y, const TrainOnBatchOptions& options) {
  require_compiled("train_on_batch");
  const auto batch = arrays_for("train_on_batch", x, y, options.sample_weight, options.class_weight);
  const RunGuard run(*this, "train_on_batch", true);
  if (!built()) {
    NoGradGuard no_grad;
    forward(batch.x);
    reset_states();  // as fit: the training step starts from zeros
  }
  return run_epoch("train_on_batch", array_batches(batch, batch.x[0].dim(0), false), true, nullptr, {});
}

std::map<std::string, double> Model::test_on_batch(const Arrays& x, const Arrays& y, const TestOnBatchOptions& options) {
  require_compiled("test_on_batch");
  const auto batch = arrays_for("test_on_batch", x, y, options.sample_weight);
  const RunGuard run(*this, "test_on_batch", false);
  const std::lock_guard metrics(evaluating_);
  NoGradGuard no_grad;
  return run_epoch("test_on_batch", array_batches(batch, batch.x[0].dim(0), false), false, nullptr, {});
}

std::vector<Tensor> Model::predict_on_batch(const Arrays& x) {
  const RunGuard run(*this, "predict_on_batch", false);
  NoGradGuard no_grad;
  return forward(x.in_order(input_names(), where(), "x"));
}

}  // namespace minidl::models
