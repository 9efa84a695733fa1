#include <minidl/models/callbacks.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/models/model.hpp>

#include <cmath>
#include <fmt/format.h>

namespace minidl::models {

EarlyStopping::EarlyStopping(EarlyStoppingOptions options) : options_(std::move(options)) {
  if (options_.mode != "auto" && options_.mode != "min" && options_.mode != "max")
    throw_invalid_argument("EarlyStopping", "mode", "expected one of \"auto\", \"min\", \"max\"",
                           fmt::format("mode=\"{}\"", options_.mode));
  if (options_.patience < 0)
    throw_invalid_argument("EarlyStopping", "patience", "expected a non-negative integer",
                           fmt::format("patience={}", options_.patience));
  maximize_ = options_.mode == "max" ||
              (options_.mode == "auto" && options_.monitor.find("acc") != std::string::npos);
}

bool EarlyStopping::improved(double value, double reference) const {
  // Keras: min mode improves when value < reference − min_delta; max when value > reference + min_delta.
  return maximize_ ? value - std::abs(options_.min_delta) > reference : value + std::abs(options_.min_delta) < reference;
}

void EarlyStopping::on_train_begin(Model&) {
  wait_ = 0;
  stopped_epoch_ = best_epoch_ = -1;
  best_ = options_.baseline.value_or(maximize_ ? -INFINITY : INFINITY);
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(Model& model, int epoch, const Logs& logs) {
  const auto found = logs.find(options_.monitor);
  if (found == logs.end())
    throw InvalidArgument(fmt::format("EarlyStopping: the monitored value `{}` is not in the logs; pass validation data "
                                      "or monitor \"loss\"",
                                      options_.monitor));
  if (epoch < options_.start_from_epoch) return;
  ++wait_;
  if (options_.restore_best_weights && best_weights_.empty()) best_weights_ = model.get_weights();
  if (improved(found->second, best_)) {
    best_ = found->second;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = model.get_weights();
    // With a baseline, patience restarts only once the baseline itself is beaten (as Keras).
    if (!options_.baseline || improved(found->second, *options_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    model.stop_training = true;
  }
}

void EarlyStopping::on_train_end(Model& model) {
  // Keras restores the best epoch's weights at the end of training whenever it kept them.
  if (options_.restore_best_weights && !best_weights_.empty()) model.set_weights(best_weights_);
}

void TerminateOnNaN::on_train_batch_end(Model& model, int batch, const Logs& logs) {
  const auto found = logs.find("loss");
  if (found != logs.end() && !std::isfinite(found->second)) {
    fmt::print(stderr, "Batch {}: invalid loss, terminating training\n", batch);
    model.stop_training = true;
  }
}

}  // namespace minidl::models
