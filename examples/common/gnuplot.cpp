#include "gnuplot.hpp"

#include <cstdio>
#include <fmt/core.h>
#include <sys/wait.h>

namespace examples {

bool run_gnuplot(const std::string& script) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    fmt::print(stderr, "gnuplot is not installed (apt-get install gnuplot-nox): no pictures\n");
    return false;
  }
  std::FILE* pipe = popen("gnuplot", "w");
  if (!pipe) {
    fmt::print(stderr, "could not start gnuplot\n");
    return false;
  }
  std::fwrite(script.data(), 1, script.size(), pipe);
  const int status = pclose(pipe);
  if (status != 0) {
    fmt::print(stderr, "gnuplot failed (status {})\n", WEXITSTATUS(status));
    return false;
  }
  return true;
}

}  // namespace examples
