#pragma once
// Keras 3's native model file, .keras: a zip of
//   metadata.json     {"keras_version", "date_saved"}
//   config.json       the model serialized as Keras's serialize_keras_object writes it, with its
//                     build_config and compile_config (optimizer, loss, metrics)
//   model.weights.h5  the weights and the optimizer's state (keras_weights.hpp)
// Files Keras 3 writes load here and go on training where Keras stopped; the files written here
// load in Keras 3 (keras.saving.load_model) and predict the same.
#include <minidl/models/model.hpp>

#include <memory>
#include <string>

namespace minidl::models {

// Writes a built Sequential or functional model (its optimizer's state too, once compiled), stored
// uncompressed as Keras writes it, atomically like save_model. The path must end in ".keras", as
// Keras requires.
void save_keras_model(const Model& model, const std::string& path);
// The model of a .keras file: rebuilt from config.json (Sequential and functional models of the
// layers minidl has), given the weights of model.weights.h5 and, when the file was compiled,
// compiled again with the optimizer's hyper-parameters and state. Any other member is ignored.
// InvalidArgument naming the file and what is wrong with it: not a zip, a missing member, JSON
// that does not parse, a layer class minidl lacks, a weight of another shape or a dtype it cannot
// read; MemoryError for a member beyond the allocation limit.
std::unique_ptr<Model> load_keras_model(const std::string& path);

}  // namespace minidl::models
