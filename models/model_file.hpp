#pragma once
// A whole model in one file: its architecture as Keras-shaped JSON (class names and arguments as
// Keras writes them, readable by a Keras user), its compile configuration, its weights and its
// optimizer's state.
//
// Format, version 2: the 8 bytes "MINIDLM2", a u64 length and that many bytes of JSON
//   {"module", "class_name", "config", "registered_name", "build_config": {"input_shape"},
//    "compile_config": {"optimizer", "loss", "metrics"} or null},
// a u32 CRC-32 of all the bytes before it, then a weights file's bytes (see weights_file.hpp),
// with checksums of their own. Written atomically, like save_weights. Version 1 ("MINIDLM1", no
// checksums in either part) is still read, unchecked.
#include <minidl/models/model.hpp>

#include <memory>
#include <string>

namespace minidl::models {

void save_model(const Model& model, const std::string& path);
// Rebuilds the model from its config (Sequential, or a class registered with
// layers::register_layer), builds it on the saved input shape, restores the weights and — when the
// model was compiled with a serializable loss — compiles it again with its optimizer's state.
// Every error names the file; a damaged version-2 file is refused before its config is read.
std::unique_ptr<Model> load_model(const std::string& path);

}  // namespace minidl::models
