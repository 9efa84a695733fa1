#include <minidl/core/errors.hpp>

#include <fmt/format.h>

namespace minidl {

std::string invalid_argument_message(std::string_view where, std::string_view argument,
                                     std::string_view expectation, std::string_view received) {
  return fmt::format("{}: invalid argument `{}`: {}, received {}", where, argument, expectation, received);
}

void throw_invalid_argument(std::string_view where, std::string_view argument, std::string_view expectation,
                            std::string_view received) {
  throw InvalidArgument(invalid_argument_message(where, argument, expectation, received));
}

}  // namespace minidl
