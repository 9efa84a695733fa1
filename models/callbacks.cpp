#include <minidl/models/callbacks.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/models/model.hpp>
#include <minidl/models/weights_file.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>

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

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options) : options_(std::move(options)) {
  if (!(options_.factor < 1.0 && options_.factor >= 0.0))
    throw_invalid_argument("ReduceLROnPlateau", "factor", "expected a float in [0, 1)", fmt::format("factor={}", options_.factor));
  if (options_.mode != "auto" && options_.mode != "min" && options_.mode != "max")
    throw_invalid_argument("ReduceLROnPlateau", "mode", "expected one of \"auto\", \"min\", \"max\"",
                           fmt::format("mode=\"{}\"", options_.mode));
  maximize_ = options_.mode == "max" || (options_.mode == "auto" && options_.monitor.find("acc") != std::string::npos);
}

void ReduceLROnPlateau::on_train_begin(Model&) {
  best_ = maximize_ ? -INFINITY : INFINITY;
  wait_ = cooldown_left_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(Model& model, int, const Logs& logs) {
  const auto found = logs.find(options_.monitor);
  if (found == logs.end())
    throw InvalidArgument(fmt::format("ReduceLROnPlateau: the monitored value `{}` is not in the logs", options_.monitor));
  const double value = found->second;
  if (cooldown_left_ > 0) {
    --cooldown_left_;
    wait_ = 0;
  }
  const bool better = maximize_ ? value > best_ + options_.min_delta : value < best_ - options_.min_delta;
  if (better) {
    best_ = value;
    wait_ = 0;
  } else if (cooldown_left_ == 0 && ++wait_ >= options_.patience) {
    auto& optimizer = model.optimizer();
    const double current = optimizer.learning_rate();
    if (current > options_.min_lr) {
      optimizer.set_learning_rate(std::max(current * options_.factor, options_.min_lr));
      cooldown_left_ = options_.cooldown;
      wait_ = 0;
    }
  }
}

void LearningRateScheduler::on_epoch_begin(Model& model, int epoch) {
  auto& optimizer = model.optimizer();
  optimizer.set_learning_rate(schedule_(epoch, optimizer.learning_rate()));
}

CSVLogger::CSVLogger(std::string filename, char separator, bool append)
    : filename_(std::move(filename)), separator_(separator), append_(append) {}

void CSVLogger::on_train_begin(Model& model) {
  if (!model.on_rank_zero()) return;
  wrote_header_ = append_ && std::ifstream(filename_).good();
  if (!append_) {
    std::ofstream truncate(filename_);
    if (!truncate) throw InvalidArgument(fmt::format("CSVLogger: cannot write {}", filename_));
  }
}

void CSVLogger::on_epoch_end(Model& model, int epoch, const Logs& logs) {
  if (!model.on_rank_zero()) return;
  std::string lines;
  if (!wrote_header_) {
    lines += "epoch";
    for (const auto& [name, value] : logs) lines += separator_ + name;
    lines += '\n';
  }
  lines += std::to_string(epoch);
  for (const auto& [name, value] : logs) lines += separator_ + fmt::format("{}", value);
  lines += '\n';
  // A full disk shows only when the stream flushes: the row is written and flushed at once, and a
  // failure stops fit rather than leaving a log that silently ends early.
  errno = 0;
  std::ofstream file(filename_, std::ios::app);
  file << lines << std::flush;
  file.close();  // on NFS or past a quota, a write may fail only here
  if (!file) {
    const int error = errno;
    throw InvalidArgument(fmt::format("CSVLogger: cannot write epoch {} to {}: {}", epoch, filename_,
                                      error ? std::strerror(error) : "the stream failed"));
  }
  wrote_header_ = true;
}

std::string checkpoint_path(const std::string& filepath, int epoch, const Logs& logs) {
  std::string path;
  for (std::size_t at = 0; at < filepath.size(); ++at) {
    const char c = filepath[at];
    // Python's str.format: {{ and }} are braces, {name} or {name:spec} a field.
    if ((c == '{' || c == '}') && at + 1 < filepath.size() && filepath[at + 1] == c) {
      path += c;
      ++at;
      continue;
    }
    if (c == '}')
      throw_invalid_argument("ModelCheckpoint", "filepath", "expected a single '}' only to close a {placeholder} ('}}' for a brace)",
                             fmt::format("\"{}\"", filepath));
    if (c != '{') {
      path += c;
      continue;
    }
    const auto close = filepath.find('}', at);
    if (close == std::string::npos)
      throw_invalid_argument("ModelCheckpoint", "filepath", "expected every '{' closed by '}' ('{{' for a brace)", fmt::format("\"{}\"", filepath));
    const std::string field = filepath.substr(at + 1, close - at - 1);
    const auto colon = field.find(':');
    const std::string key = field.substr(0, colon), spec = colon == std::string::npos ? "" : field.substr(colon);
    try {
      if (key == "epoch") {
        path += fmt::format(fmt::runtime("{" + spec + "}"), epoch + 1);
      } else if (const auto found = logs.find(key); found != logs.end()) {
        path += fmt::format(fmt::runtime("{" + spec + "}"), found->second);
      } else {
        std::vector<std::string> known = {"epoch"};
        for (const auto& [name, value] : logs) known.push_back(name);
        throw_invalid_argument("ModelCheckpoint", "filepath",
                               fmt::format("expected placeholders among the epoch's logs ({})", fmt::join(known, ", ")),
                               fmt::format("{{{}}} in \"{}\"", field, filepath));
      }
    } catch (const fmt::format_error& error) {
      throw_invalid_argument("ModelCheckpoint", "filepath", fmt::format("expected a format spec that fits the value ({})", error.what()),
                             fmt::format("{{{}}} in \"{}\"", field, filepath));
    }
    at = close;
  }
  return path;
}

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)), options_(std::move(options)) {
  if (options_.mode != "auto" && options_.mode != "min" && options_.mode != "max")
    throw_invalid_argument("ModelCheckpoint", "mode", "expected one of \"auto\", \"min\", \"max\"",
                           fmt::format("mode=\"{}\"", options_.mode));
  maximize_ = options_.mode == "max" || (options_.mode == "auto" && options_.monitor.find("acc") != std::string::npos);
}

void ModelCheckpoint::on_train_begin(Model&) { best_ = maximize_ ? -INFINITY : INFINITY; }

void ModelCheckpoint::on_epoch_end(Model& model, int epoch, const Logs& logs) {
  if (options_.save_best_only) {
    const auto found = logs.find(options_.monitor);
    if (found == logs.end())
      throw InvalidArgument(fmt::format("ModelCheckpoint: the monitored value `{}` is not in the logs", options_.monitor));
    if (!(maximize_ ? found->second > best_ : found->second < best_)) return;
    best_ = found->second;
  }
  const std::string path = checkpoint_path(filepath_, epoch, logs);
  if (model.on_rank_zero()) save_weights(model, path, options_.save_optimizer ? &model.optimizer() : nullptr);
}

void TerminateOnNaN::on_train_batch_end(Model& model, int batch, const Logs& logs) {
  const auto found = logs.find("loss");
  if (found != logs.end() && !std::isfinite(found->second)) {
    if (model.on_rank_zero()) fmt::print(stderr, "Batch {}: invalid loss, terminating training\n", batch);
    model.stop_training = true;
  }
}

}  // namespace minidl::models
