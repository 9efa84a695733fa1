#pragma once
// minidl's version, the one place it is written: CMakeLists.txt reads it from here for the package
// files, so that the header a program compiles against and the library it finds agree.
#include <string_view>

#define MINIDL_VERSION_MAJOR 0
#define MINIDL_VERSION_MINOR 2
#define MINIDL_VERSION_PATCH 0
// One number that orders versions, for #if: 0.2.0 is 200, 1.10.3 is 11003.
#define MINIDL_VERSION (MINIDL_VERSION_MAJOR * 10000 + MINIDL_VERSION_MINOR * 100 + MINIDL_VERSION_PATCH)
#define MINIDL_VERSION_TEXT_OF(major, minor, patch) #major "." #minor "." #patch
#define MINIDL_VERSION_TEXT(major, minor, patch) MINIDL_VERSION_TEXT_OF(major, minor, patch)
// "0.2.0"
#define MINIDL_VERSION_STRING MINIDL_VERSION_TEXT(MINIDL_VERSION_MAJOR, MINIDL_VERSION_MINOR, MINIDL_VERSION_PATCH)

namespace minidl {

inline constexpr std::string_view version = MINIDL_VERSION_STRING;

}  // namespace minidl
