// The fused recurrent op (SimpleRNN, LSTM, GRU through time, with its own backward) gradchecked in
// float64 against finite differences, for every input: the sequence, the three weights and the
// initial states; every cell, both directions, both GRU layouts, with skipped (masked) steps,
// every activation it offers. flip, which Bidirectional uses, is gradchecked with the other ops.
#include <doctest/doctest.h>

#include <minidl/autograd/gradcheck.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/recurrent.hpp>
#include <minidl/core/random.hpp>

#include <fmt/format.h>

using namespace minidl;

namespace {

Tensor normal_values(const Shape& shape, Generator& generator, double scale = 0.5) {
  return Tensor::normal(shape, 0.0, scale, DType::float64, &generator);
}

// Dropout masks of Keras's form (0 or 1 / (1 − rate)): none, one for every gate, or one per gate.
enum class Dropped { none, shared, per_gate };

void gradcheck_sequence(const RecurrentOptions& options, bool use_bias, bool masked = false, Dropped dropped = Dropped::none) {
  constexpr std::int64_t batch = 2, steps = 4, features = 3, units = 2;
  const std::int64_t gates = options.cell == CellKind::lstm ? 4 : options.cell == CellKind::gru ? 3 : 1;
  Generator generator(7);
  std::vector<Tensor> inputs = {normal_values({batch, steps, features}, generator), normal_values({features, gates * units}, generator),
                                normal_values({units, gates * units}, generator)};
  const bool two_biases = options.cell == CellKind::gru && options.reset_after;
  inputs.push_back(use_bias ? normal_values(two_biases ? Shape{2, gates * units} : Shape{gates * units}, generator) : Tensor());
  inputs.push_back(normal_values({batch, units}, generator));
  if (options.cell == CellKind::lstm) inputs.push_back(normal_values({batch, units}, generator));
  std::vector<Tensor> differentiated;
  for (const auto& input : inputs)
    if (input.defined()) differentiated.push_back(input);
  const auto report = gradcheck(
      [&](const std::vector<Tensor>& in) {
        std::size_t next = 0;
        const Tensor x = in[next++], kernel = in[next++], recurrent = in[next++];
        const Tensor bias = use_bias ? in[next++] : Tensor();
        const std::vector<Tensor> states(in.begin() + std::ptrdiff_t(next), in.end());
        // Skipped steps first, in the middle and last, so that states carry over each.
        const Tensor mask = masked ? Tensor(std::vector<double>{0, 1, 0, 1, 1, 0, 0, 1}, {batch, steps}) : Tensor();
        RecurrentDropout dropout;
        if (dropped != Dropped::none) {
          const std::int64_t groups = dropped == Dropped::shared ? 1 : gates;
          Generator masks(3);
          dropout.input = Tensor::rand({groups, batch, features}, DType::float64, &masks) * 2.0 - 0.5;
          dropout.input = where(greater(dropout.input, Tensor::scalar(0.0, DType::float64)), Tensor::scalar(4.0 / 3.0, DType::float64),
                                Tensor::scalar(0.0, DType::float64));
          dropout.recurrent = Tensor::rand({groups, batch, units}, DType::float64, &masks) * 2.0 - 0.5;
          dropout.recurrent = where(greater(dropout.recurrent, Tensor::scalar(0.0, DType::float64)), Tensor::scalar(2.0, DType::float64),
                                    Tensor::scalar(0.0, DType::float64));
        }
        return recurrent_sequence(x, kernel, recurrent, bias, states, options, mask, dropout);
      },
      differentiated, {.atol = 1e-7, .rtol = 1e-6});
  CHECK_MESSAGE(report.passed, report.to_string());
}

}  // namespace

TEST_CASE("recurrent_sequence: gradcheck of every cell, direction and layout, with and without a mask") {
  for (const CellKind cell : {CellKind::simple_rnn, CellKind::lstm, CellKind::gru})
    for (const bool go_backwards : {false, true})
      for (const bool reset_after : {true, false}) {
        if (cell != CellKind::gru && !reset_after) continue;
        for (const bool use_bias : {true, false})
          for (const bool masked : {false, true}) {
            CAPTURE(int(cell));
            CAPTURE(go_backwards);
            CAPTURE(reset_after);
            CAPTURE(use_bias);
            CAPTURE(masked);
            gradcheck_sequence({.cell = cell, .go_backwards = go_backwards, .reset_after = reset_after}, use_bias, masked);
          }
      }
}

TEST_CASE("recurrent_sequence: gradcheck with dropout masks, shared and per gate") {
  for (const CellKind cell : {CellKind::simple_rnn, CellKind::lstm, CellKind::gru})
    for (const bool reset_after : {true, false})
      for (const Dropped dropped : {Dropped::shared, Dropped::per_gate}) {
        if (cell != CellKind::gru && !reset_after) continue;
        if (cell == CellKind::simple_rnn && dropped == Dropped::per_gate) continue;
        CAPTURE(int(cell));
        CAPTURE(reset_after);
        CAPTURE(int(dropped));
        gradcheck_sequence({.cell = cell, .reset_after = reset_after}, true, true, dropped);
      }
}

TEST_CASE("recurrent_sequence: gradcheck of every activation the cells offer") {
  // Pre-activations stay away from relu's and hard_sigmoid's kinks with these inputs.
  for (const auto activation : {CellActivation::tanh, CellActivation::sigmoid, CellActivation::hard_sigmoid, CellActivation::relu,
                                CellActivation::linear})
    for (const CellKind cell : {CellKind::simple_rnn, CellKind::lstm, CellKind::gru}) {
      CAPTURE(int(activation));
      CAPTURE(int(cell));
      gradcheck_sequence({.cell = cell, .activation = activation}, true);
      if (cell != CellKind::simple_rnn) gradcheck_sequence({.cell = cell, .recurrent_activation = activation}, true);
    }
}
