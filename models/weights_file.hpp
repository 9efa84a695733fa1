#pragma once
// Saving and loading a model's weights (and optionally its optimizer's state) in one binary file.
//
// Format, version 2 (little-endian): the 8 bytes "MINIDLW2", a u32 entry count and a u32 CRC-32
// (zlib's) of those 12 bytes, then per entry: a u32 name length and the name (a weight's path, or
// "optimizer/<state name>"), a u8 dtype (0 float32, 1 float64), a u32 rank, rank × i64 extents,
// the row-major data, and a u32 CRC-32 of the entry's bytes before it. Version 1 ("MINIDLW1", the
// same without the checksums) is still read, unchecked: a damaged version-1 file may load as other
// numbers.
//
// Writes are atomic and durable: a temporary file beside the target, flushed and fsync'ed, then
// renamed over it, so a crash leaves the old file or the new one, whole. Reads trust nothing: the
// magic, every length and extent is checked against the file's size, every entry against its
// checksum, all before anything is allocated or written; a damaged file is refused, naming it and
// the section (the header, or the entry).
#include <minidl/layers/layer.hpp>
#include <minidl/optim/optimizer.hpp>

#include <string>
#include <string_view>

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
// save_model and load_model embed). Errors: InvalidArgument "<source> is not a valid minidl weights
// file: <why>", ShapeError "<source> does not fit the model: <why>".
std::string encode_weights(const layers::Layer& model, const optim::Optimizer* optimizer);
void decode_weights(layers::Layer& model, std::string_view bytes, const std::string& source, optim::Optimizer* optimizer);

}  // namespace minidl::models
