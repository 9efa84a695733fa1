#pragma once
// Keras's callbacks (keras/src/callbacks/): hooks that fit calls around epochs and batches.
#include <functional>
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

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;  // new learning rate = old · factor, factor < 1
  int patience = 10;
  std::string mode = "auto";
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;
};

// Multiplies the optimizer's learning rate by `factor` when `monitor` has not improved for
// `patience` epochs, then waits `cooldown` epochs; never below min_lr.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
  void on_train_begin(Model&) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;

 private:
  ReduceLROnPlateauOptions options_;
  bool maximize_ = false;
  double best_ = 0.0;
  int wait_ = 0, cooldown_left_ = 0;
};

// Sets the learning rate at the start of each epoch to schedule(epoch, current learning rate).
class LearningRateScheduler : public Callback {
 public:
  using Schedule = std::function<double(int epoch, double learning_rate)>;
  explicit LearningRateScheduler(Schedule schedule) : schedule_(std::move(schedule)) {}
  void on_epoch_begin(Model& model, int epoch) override;

 private:
  Schedule schedule_;
};

// Writes each epoch's logs to a CSV file: a header "epoch,<keys...>", then one row per epoch.
// Under a distribution, rank 0 alone writes (the logs are the same on every process).
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string filename, char separator = ',', bool append = false);
  void on_train_begin(Model&) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;

 private:
  std::string filename_;
  char separator_;
  bool append_;
  bool wrote_header_ = false;
};

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  // Save only when `monitor` improves on the best so far.
  bool save_best_only = false;
  std::string mode = "auto";
  // Also store the optimizer's state, so that training can go on from the saved weights as the
  // optimizer left them. (A run resumes exactly, epoch and random generators included, from
  // BackupAndRestore.)
  bool save_optimizer = true;
};

// Saves the model's weights (models::save_weights, atomically) at the end of each epoch, or only
// at improvements. The path is formatted as Keras formats it (Python's str.format): "{epoch:02d}"
// is the 1-based epoch, "{val_loss:.2f}" a value of the epoch's logs. Under a distribution, rank 0
// alone writes.
// ModelCheckpoint's path for an epoch (0-based) and its logs; an unknown placeholder or a spec
// that does not fit its value is refused, naming it.
std::string checkpoint_path(const std::string& filepath, int epoch, const Logs& logs);

class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {});
  void on_train_begin(Model&) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;

 private:
  std::string filepath_;
  ModelCheckpointOptions options_;
  bool maximize_ = false;
  double best_ = 0.0;
};

struct BackupAndRestoreOptions {
  // Delete the backup when fit returns (finished, or stopped by a callback), as Keras does.
  bool delete_checkpoint = true;
};

// keras.callbacks.BackupAndRestore: makes a killed fit resumable. At the end of every epoch it
// writes <backup_dir>/latest.minidl-backup, atomically: the weights, the optimizer's state and
// learning rate, the epochs completed, and the state of every random generator the run draws
// from (the global one and the model's own, such as a seeded Dropout's). When fit starts and a
// backup exists, it is restored and fit goes on after its epoch, so a run killed at any moment and
// started again ends with the same weights, bit for bit, as a run never interrupted (same seed,
// same thread count). Unlike Keras's: one file rather than a weights file and a separate metadata
// file that a kill can leave out of step; generator states restored; saves per epoch only.
// Other callbacks' state (EarlyStopping's patience and best weights, ReduceLROnPlateau's counters)
// starts afresh, as in Keras, so runs with such callbacks resume exactly only when those would
// have stayed idle; list BackupAndRestore last so that it saves what they changed. Under a
// distribution, rank 0 alone writes and reads the backup, and fit gives the other processes what
// it restored, so the backup needs to be on rank 0's machine only.
class BackupAndRestore : public Callback {
 public:
  explicit BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options = {});
  void on_train_begin(Model& model) override;
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override;
  void on_train_end(Model& model) override;
  const std::string& path() const { return path_; }

 private:
  std::string backup_dir_;
  std::string path_;
  BackupAndRestoreOptions options_;
};

// Stops fit as soon as a batch's loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_train_batch_end(Model& model, int batch, const Logs& logs) override;
};

// Keras's LambdaCallback: a callback made of functions, each optional, called with the hooks'
// arguments (minidl's hooks pass the model first).
struct LambdaCallbackOptions {
  std::function<void(Model&, int epoch)> on_epoch_begin{};
  std::function<void(Model&, int epoch, const Logs&)> on_epoch_end{};
  std::function<void(Model&)> on_train_begin{};
  std::function<void(Model&)> on_train_end{};
  std::function<void(Model&, int batch)> on_train_batch_begin{};
  std::function<void(Model&, int batch, const Logs&)> on_train_batch_end{};
};

class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions options) : options_(std::move(options)) {}
  void on_train_begin(Model& model) override {
    if (options_.on_train_begin) options_.on_train_begin(model);
  }
  void on_train_end(Model& model) override {
    if (options_.on_train_end) options_.on_train_end(model);
  }
  void on_epoch_begin(Model& model, int epoch) override {
    if (options_.on_epoch_begin) options_.on_epoch_begin(model, epoch);
  }
  void on_epoch_end(Model& model, int epoch, const Logs& logs) override {
    if (options_.on_epoch_end) options_.on_epoch_end(model, epoch, logs);
  }
  void on_train_batch_begin(Model& model, int batch) override {
    if (options_.on_train_batch_begin) options_.on_train_batch_begin(model, batch);
  }
  void on_train_batch_end(Model& model, int batch, const Logs& logs) override {
    if (options_.on_train_batch_end) options_.on_train_batch_end(model, batch, logs);
  }

 private:
  LambdaCallbackOptions options_;
};

}  // namespace minidl::models
