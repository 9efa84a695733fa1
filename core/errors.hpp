#pragma once
// The exception types minidl throws. Every message names the op or layer, the argument and the
// value received, in Keras's style: "<where>: invalid argument `<arg>`: <expectation>, received <value>".
#include <stdexcept>
#include <string>
#include <string_view>

namespace minidl {

// A bad value for an argument: an unknown name, a negative size, an axis out of range.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Shapes that do not fit together: broadcasting, matmul's inner dimension, a layer's input rank.
class ShapeError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

// A call at the wrong moment: reading a gradient that was never computed, backward twice.
class StateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// A request for more memory than minidl may take: beyond the allocation limit, beyond an
// AllocationBudget (what load_model holds a file's config to), or refused by the system.
class MemoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds the house message "<where>: invalid argument `<argument>`: <expectation>, received <received>".
std::string invalid_argument_message(std::string_view where, std::string_view argument,
                                     std::string_view expectation, std::string_view received);

[[noreturn]] void throw_invalid_argument(std::string_view where, std::string_view argument,
                                         std::string_view expectation, std::string_view received);

}  // namespace minidl
