#pragma once
// The differentiable op behind layers::SimpleRNN, LSTM and GRU: a whole sequence through one
// recurrent cell, with its own backward through time (a loop over the steps, not a graph node per
// step). The input projection of every step is one gemm; each step adds one small gemm of the
// previous state.
#include <minidl/core/tensor.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace minidl {

// The elementwise functions the fused cells apply (Keras's names), each with its derivative.
enum class CellActivation { tanh, sigmoid, hard_sigmoid, relu, linear };
// The function of a Keras activation name ("tanh"; "linear" also for none), or none when the
// fused cells do not offer it.
std::optional<CellActivation> cell_activation(std::string_view keras_name);
// The names cell_activation() knows, for error messages.
std::string_view cell_activation_names();

enum class CellKind { simple_rnn, lstm, gru };

struct RecurrentOptions {
  CellKind cell = CellKind::simple_rnn;
  CellActivation activation = CellActivation::tanh;
  // The gates' function (LSTM and GRU).
  CellActivation recurrent_activation = CellActivation::sigmoid;
  // Process the steps last to first (the result is in processing order, as Keras's).
  bool go_backwards = false;
  // GRU: apply the reset gate after the recurrent product (Keras's default, bias (2, 3·units)).
  bool reset_after = true;
};

// x (batch, steps, features); kernel (features, g·units) and recurrent_kernel (units, g·units),
// with g = 1, 4 (gates i, f, c, o) or 3 (z, r, h) as Keras lays them out; bias (g·units,), for a
// GRU with reset_after (2, g·units) (input bias, recurrent bias), or undefined; initial_states:
// h, and for an LSTM c, each (batch, units).
// Returns the state after every step in processing order: (batch, steps, units), for an LSTM
// (batch, steps, 2·units), h then c. mask (optional, not differentiated): (batch, steps) in time
// order, 0 where a step is skipped: there every state stays as it was, as in Keras's masked steps.
// Arguments are the layer's to check; this checks shapes only.
// Keras's dropout inside the cell, the same masks at every step (values 0 or 1 / (1 − rate)):
// input (groups, batch, features) multiplies the input before the kernel, recurrent (groups,
// batch, units) the previous state before the recurrent kernel; one group for every gate, or one
// per gate in Keras's gate order. Either may be undefined. Not differentiated.
struct RecurrentDropout {
  Tensor input, recurrent;
};

Tensor recurrent_sequence(const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel, const Tensor& bias,
                          const std::vector<Tensor>& initial_states, const RecurrentOptions& options, const Tensor& mask = Tensor(),
                          const RecurrentDropout& dropout = {});

}  // namespace minidl
