#pragma once
// Keras 3's weights layout in HDF5: a .weights.h5 file, and model.weights.h5 inside a .keras file.
//   /vars (@name = the model's name)
//   /layers/<snake_case class name>[_<n>]/vars/0..k-1   per entry of the model's layers, numbered
//       per class within that list; a nested model's own layers under its group's /layers
//   /optimizer/vars/0..m-1 (@name = the optimizer's name)   Optimizer::keras_variables()
// Every "vars" group carries the layer's name as a UTF-8 string attribute "name". A Sequential
// lists no InputLayer; a functional model lists its InputLayers.
#include <minidl/models/model.hpp>

#include <string>

namespace minidl::models {

// The file's bytes for a Sequential or functional model (nested ones included) and, when given,
// its optimizer's state.
std::string encode_keras_weights(const Model& model, const optim::Optimizer* optimizer);
// Reads such bytes (written by Keras or by minidl) into the model's weights and, when given and
// the file holds its state, the optimizer's (an unbuilt optimizer is built on the model's
// trainable weights first). Layers are matched by their place in the layout, not by name, as
// Keras matches them; every count and shape is checked before anything is written.
// InvalidArgument naming `source` for a file that is not HDF5 or does not fit the model.
void decode_keras_weights(Model& model, const std::string& bytes, const std::string& source, optim::Optimizer* optimizer);

}  // namespace minidl::models
