#pragma once
// Keras's automatic object names: the class name in snake_case, made unique within the process
// by a counter ("conv1d", "conv1d_1", ...; "adam", "adam_1", ...).
#include <string>

namespace minidl {

// Keras's to_snake_case: "Conv1D" -> "conv1d", "GlobalAveragePooling1D" -> "global_average_pooling1d".
std::string snake_case(const std::string& class_name);
// The next unused automatic name for objects of this class.
std::string automatic_name(const std::string& class_name);

}  // namespace minidl
