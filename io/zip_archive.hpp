#pragma once
// Zip archives in memory, through libzip: what a .keras file is (config.json, model.weights.h5,
// metadata.json). Reading checks every member's size against the allocation limit and the
// archive's consistency before anything is inflated.
#include <string>
#include <vector>

namespace minidl::io {

struct ZipMember {
  std::string name;
  std::string bytes;
};

// Every member of the archive in `bytes` (stored or deflated), in archive order. InvalidArgument
// naming `source` for what is not a zip, or a damaged or inconsistent one; MemoryError for a
// member larger than the allocation limit.
std::vector<ZipMember> read_zip(const std::string& bytes, const std::string& source);

// An archive of `members`, stored (uncompressed, as Keras writes .keras files), dated 1980-01-01
// so that the same members make the same bytes.
std::string write_zip(const std::vector<ZipMember>& members);

}  // namespace minidl::io
