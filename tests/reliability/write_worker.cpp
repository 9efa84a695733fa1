// For the kill-during-write test: replaces <path> with write_atomically over and over until
// killed, creating <started> once the first write is complete. Writes alternate between two contents of 4 MiB, "A" then 'a's and
// "B" then 'b's, so that a file torn between two writes, or cut short, shows.
#include <minidl/io/files.hpp>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <path> <started>\n", argv[0]);
    return 2;
  }
  constexpr std::size_t size = std::size_t{4} << 20;
  std::string contents[] = {std::string(size, 'a'), std::string(size, 'b')};
  contents[0][0] = 'A';
  contents[1][0] = 'B';
  for (unsigned long count = 0;; ++count) {
    minidl::io::write_atomically(argv[1], contents[count % 2], "write_worker");
    if (count == 0) std::ofstream{argv[2]};
  }
}
