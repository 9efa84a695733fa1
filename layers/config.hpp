#pragma once
// Keras's global settings that layers read: the default data format.
#include <string>

namespace minidl::config {

// "channels_last" or "channels_first": set_image_data_format() if called, else `image_data_format`
// from $KERAS_HOME/keras.json (or ~/.keras/keras.json) when present, else "channels_last".
// A keras.json with another value throws InvalidArgument, as Keras refuses it.
std::string image_data_format();
void set_image_data_format(const std::string& data_format);
// Forgets set_image_data_format() and reads keras.json again on next use (Keras reads it once, at
// import; this is for a process that changes the file or $KERAS_HOME).
void reload_keras_json();

}  // namespace minidl::config
