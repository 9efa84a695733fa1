#pragma once
// How keras_file_fuzzer reads a .weights.h5 layout from its bytes, and how make_seeds writes one.
// libhdf5 1.10 itself crashes on some damaged files (see README.md), so the fuzzer does not feed
// it raw bytes: it builds a well-formed file of the groups and datasets the bytes describe, which
// exercises minidl's reading of Keras's layout (counts, shapes, dtypes, missing and extra parts).
// An entry is five bytes and the extents: kind, group, index, rank, extents..., fill.
#include <cstdint>
#include <string>
#include <vector>

namespace minidl::fuzzing {

// The target model's groups (keras_file_fuzzer.cpp), and some that it lacks.
inline constexpr const char* layout_groups[] = {
    "/vars",           "/layers/conv1d/vars", "/layers/max_pooling1d/vars", "/layers/conv1d_1/vars",
    "/layers/global_average_pooling1d/vars",  "/layers/dense/vars",         "/optimizer/vars",
    "/layers/dense_1/vars", "/layers/conv1d",  "/layers"};

enum class LayoutKind : std::uint8_t { group, named_group, float32, float64, int32 };
inline constexpr std::uint8_t layout_kinds = 5;

struct LayoutEntry {
  LayoutKind kind;
  std::uint8_t group;                 // into layout_groups
  std::uint8_t index = 0;             // a dataset's name within its group: "0", "1", ...
  std::vector<std::uint8_t> extents;  // a dataset's shape
  std::uint8_t fill = 0;              // every value of a dataset, as (fill - 128) / 16
};

inline std::string encode_layout(const std::vector<LayoutEntry>& entries) {
  std::string bytes;
  for (const auto& entry : entries) {
    bytes += {char(entry.kind), char(entry.group), char(entry.index), char(entry.extents.size())};
    for (auto extent : entry.extents) bytes += char(extent);
    bytes += char(entry.fill);
  }
  return bytes;
}

}  // namespace minidl::fuzzing
