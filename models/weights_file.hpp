#pragma once
// Saving and loading a model's weights (and optionally its optimizer's state) in one binary file.
//
// Format (little-endian): the 8 bytes "MINIDLW1", a u32 entry count, then per entry: a u32 name
// length and the name (a weight's path, or "optimizer/<state name>"), a u8 dtype (0 float32,
// 1 float64), a u32 rank, rank × i64 extents, and the row-major data.
//
// Writes are atomic and durable: a temporary file beside the target, flushed and fsync'ed, then
// renamed over it, so a crash leaves the old file or the new one, whole. Reads trust nothing: the
// magic, every length and extent is checked against the file's size and the model before anything
// is allocated or written.
#include <minidl/layers/layer.hpp>
#include <minidl/optim/optimizer.hpp>

#include <string>

namespace minidl::models {

// A path ending in ".weights.h5" is written in Keras 3's layout (keras_weights.hpp), which Keras's
// model.load_weights reads; only a Sequential or functional model can be saved so.
void save_weights(const layers::Layer& model, const std::string& path, const optim::Optimizer* optimizer = nullptr);
// Restores the weights (and the optimizer's state, when given and present in the file; build the
// optimizer on the model's weights first). Weight names (not layer names, which a rebuilt
// model class numbers anew), shapes and dtypes must match the model's, in order. A ".weights.h5"
// file is read in Keras 3's layout: written by Keras's model.save_weights or by save_weights.
void load_weights(layers::Layer& model, const std::string& path, optim::Optimizer* optimizer = nullptr);

// The bytes of a weights file, and reading them back; `source` names them in errors (what
// save_model and load_model embed).
std::string encode_weights(const layers::Layer& model, const optim::Optimizer* optimizer);
void decode_weights(layers::Layer& model, std::string bytes, const std::string& source, optim::Optimizer* optimizer);

}  // namespace minidl::models
