#pragma once
// Keras's callbacks (keras/src/callbacks/): hooks that fit calls around epochs and batches.
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <minidl/core/tensor.hpp>

namespace minidl::models {

class Model;
using Logs = std::map<std::string, double>;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Model&) {}
  virtual void on_train_end(Model&) {}
  virtual void on_epoch_begin(Model&, int /*epoch*/) {}
  virtual void on_epoch_end(Model&, int /*epoch*/, const Logs&) {}
  virtual void on_train_batch_begin(Model&, int /*batch*/) {}
  virtual void on_train_batch_end(Model&, int /*batch*/, const Logs&) {}
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  int patience = 0;
  // "auto" (max for names containing "acc", min otherwise), "min" or "max".
  std::string mode = "auto";
  std::optional<double> baseline = std::nullopt;
  bool restore_best_weights = false;
  int start_from_epoch = 0;
};

// Stops fit when `monitor` has not improved by more than min_delta for `patience` epochs; can
// restore the weights of the best epoch.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(Model&) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;
  void on_train_end(Model& model) override;
  // The epoch (0-based) fit stopped after, or -1.
  int stopped_epoch() const { return stopped_epoch_; }
  int best_epoch() const { return best_epoch_; }

 private:
  bool improved(double value, double reference) const;
  EarlyStoppingOptions options_;
  bool maximize_ = false;
  double best_ = 0.0;
  int wait_ = 0, best_epoch_ = -1, stopped_epoch_ = -1;
  std::vector<Tensor> best_weights_;
};

// Stops fit as soon as a batch's loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_train_batch_end(Model& model, int batch, const Logs& logs) override;
};

}  // namespace minidl::models
