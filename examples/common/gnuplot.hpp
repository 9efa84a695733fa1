#pragma once
// Pictures through gnuplot (Debian: gnuplot-nox), driven by a script on its standard input.
#include <string>

namespace examples {

// Runs gnuplot on `script`; false (and a line on stderr saying why) when gnuplot is missing or fails.
bool run_gnuplot(const std::string& script);

}  // namespace examples
