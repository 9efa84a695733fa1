#include <minidl/autograd/ops/recurrent.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/autograd/ops/recurrent_cell_math.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/blas.hpp>
#include <minidl/core/scratch.hpp>

#include <algorithm>
#include <tuple>
#include <cmath>
#include <fmt/format.h>

namespace minidl {

std::optional<CellActivation> cell_activation(std::string_view keras_name) {
  if (keras_name == "tanh") return CellActivation::tanh;
  if (keras_name == "sigmoid") return CellActivation::sigmoid;
  if (keras_name == "hard_sigmoid") return CellActivation::hard_sigmoid;
  if (keras_name == "relu") return CellActivation::relu;
  if (keras_name == "linear") return CellActivation::linear;
  return std::nullopt;
}

std::string_view cell_activation_names() { return "tanh, sigmoid, hard_sigmoid, relu, linear"; }

namespace {

using namespace cell_math;

struct Dims {
  std::int64_t batch, steps, features, units, gates;
  // Columns of the result per step: h, and c for an LSTM.
  std::int64_t width() const { return gates == 4 ? 2 * units : units; }
  std::int64_t gate_width() const { return gates * units; }
};

// The raw operands of one sequence (contiguous, one dtype). The forward pass leaves in `gates`
// (batch, steps, g·units) each step's activated gates, and in `extra` (batch, steps, units) what
// else the backward needs: an LSTM's act(c), a GRU's recurrent part of the candidate (reset_after)
// or r·h_prev (reset before).
template <class T>
struct Operands {
  const T *x, *kernel, *recurrent, *bias, *h0, *c0;
  T *out, *gates, *extra;
  // (batch, steps) in time order, 0 where a step is skipped; null: none is.
  const T* mask;
  // Dropout: (groups, batch, features) and (groups, batch, units), one mask for every gate (1
  // group) or one per gate; null: none.
  const T *input_keep, *recurrent_keep;
  std::int64_t input_groups, recurrent_groups;
  bool skips(std::int64_t b, std::int64_t t, std::int64_t steps) const { return mask && mask[b * steps + t] == T(0); }
};

template <class T>
MaskedWeight<T> input_weight(const Dims& d, const Operands<T>& p) {
  return {p.kernel, d.gate_width(), d.units, d.batch, p.input_keep, p.input_groups, d.features};
}

template <class T>
MaskedWeight<T> recurrent_weight(const Dims& d, const Operands<T>& p) {
  return {p.recurrent, d.gate_width(), d.units, d.batch, p.recurrent_keep, p.recurrent_groups, d.units};
}

template <class T>
void run_forward(const Dims& d, const RecurrentOptions& o, const Operands<T>& p) {
  const std::int64_t B = d.batch, S = d.steps, U = d.units, GU = d.gate_width(), W = d.width();
  // Every step's input projection at once, bias included (a GRU's input bias: its first row).
  const auto input = input_weight(d, p);
  const auto recurrent = recurrent_weight(d, p);
  input.forward(p.x, d.features, S, 0, d.gates, p.gates, GU, T(0));
  if (p.bias)
    for (std::int64_t row = 0; row < B * S; ++row)
      for (std::int64_t j = 0; j < GU; ++j) p.gates[row * GU + j] += p.bias[j];
  const T* recurrent_bias = o.cell == CellKind::gru && o.reset_after && p.bias ? p.bias + GU : nullptr;
  const Scratch<T> inner(o.cell == CellKind::gru && o.reset_after ? B * GU : 0, "GRU's recurrent products");
  for (std::int64_t s = 0; s < S; ++s) {
    const std::int64_t t = o.go_backwards ? S - 1 - s : s;
    const T* h_prev = s == 0 ? p.h0 : p.out + (s - 1) * W;
    const std::int64_t h_stride = s == 0 ? U : S * W;
    T* a = p.gates + t * GU;  // row b at a + b·S·GU: pre-activations, activated in place
    const std::int64_t a_stride = S * GU;
    switch (o.cell) {
      case CellKind::simple_rnn:
      case CellKind::lstm:
        recurrent.forward(h_prev, h_stride, 1, 0, d.gates, a, a_stride, T(1));
        break;
      case CellKind::gru:
        if (o.reset_after) recurrent.forward(h_prev, h_stride, 1, 0, 3, inner.data(), GU, T(0));
        else recurrent.forward(h_prev, h_stride, 1, 0, 2, a, a_stride, T(1));
        break;
    }
    for (std::int64_t b = 0; b < B; ++b) {
      T* ab = a + b * a_stride;
      const T* hp = h_prev + b * h_stride;
      T* hb = p.out + (b * S + s) * W;
      T* extra = p.extra ? p.extra + (b * S + t) * U : nullptr;
      switch (o.cell) {
        case CellKind::simple_rnn:
          activate_row(o.activation, ab, ab, U);
          std::copy(ab, ab + U, hb);
          break;
        case CellKind::lstm: {
          const T* cp = s == 0 ? p.c0 + b * U : p.out + (b * S + s - 1) * W + U;
          activate_row(o.recurrent_activation, ab, ab, 2 * U);  // i, f
          activate_row(o.activation, ab + 2 * U, ab + 2 * U, U);
          activate_row(o.recurrent_activation, ab + 3 * U, ab + 3 * U, U);
          for (std::int64_t j = 0; j < U; ++j) hb[U + j] = ab[U + j] * cp[j] + ab[j] * ab[2 * U + j];
          activate_row(o.activation, hb + U, extra, U);
          for (std::int64_t j = 0; j < U; ++j) hb[j] = ab[3 * U + j] * extra[j];
          break;
        }
        case CellKind::gru:
          if (o.reset_after) {
            const T* ib = inner.data() + b * GU;
            for (std::int64_t j = 0; j < U; ++j) {
              ab[j] += ib[j] + (recurrent_bias ? recurrent_bias[j] : T(0));
              ab[U + j] += ib[U + j] + (recurrent_bias ? recurrent_bias[U + j] : T(0));
              extra[j] = ib[2 * U + j] + (recurrent_bias ? recurrent_bias[2 * U + j] : T(0));
            }
            activate_row(o.recurrent_activation, ab + U, ab + U, U);
            for (std::int64_t j = 0; j < U; ++j) ab[2 * U + j] += ab[U + j] * extra[j];
          } else {
            activate_row(o.recurrent_activation, ab + U, ab + U, U);
            // The candidate's product sees r · (h ∘ its recurrent dropout mask).
            const T* keep = p.recurrent_keep ? recurrent.keep_of(2) + b * U : nullptr;
            for (std::int64_t j = 0; j < U; ++j) extra[j] = ab[U + j] * hp[j] * (keep ? keep[j] : T(1));
          }
          break;
      }
    }
    // A skipped step leaves every state as it was (Keras's masked step).
    const auto carry_skipped = [&] {
      for (std::int64_t b = 0; b < B; ++b)
        if (p.skips(b, t, S)) {
          const T* hp = h_prev + b * h_stride;
          T* hb = p.out + (b * S + s) * W;
          std::copy(hp, hp + U, hb);
          if (o.cell == CellKind::lstm) {
            const T* cp = s == 0 ? p.c0 + b * U : p.out + (b * S + s - 1) * W + U;
            std::copy(cp, cp + U, hb + U);
          }
        }
    };
    if (o.cell != CellKind::gru) {
      carry_skipped();
      continue;
    }
    if (!o.reset_after)
      kernels::gemm(false, false, B, U, U, T(1), p.extra + t * U, S * U, p.recurrent + 2 * U, GU, T(1), a + 2 * U, a_stride);
    for (std::int64_t b = 0; b < B; ++b) {
      T* ab = a + b * a_stride;
      const T* hp = h_prev + b * h_stride;
      T* hb = p.out + (b * S + s) * W;
      activate_row(o.recurrent_activation, ab, ab, U);
      activate_row(o.activation, ab + 2 * U, ab + 2 * U, U);
      for (std::int64_t j = 0; j < U; ++j) hb[j] = ab[j] * hp[j] + (T(1) - ab[j]) * ab[2 * U + j];
    }
    carry_skipped();
  }
}

// Gradients, each null when not wanted.
template <class T>
struct Gradients {
  const T* out;  // of the result
  T *x, *kernel, *recurrent, *bias, *h0, *c0;
};

template <class T>
void run_backward(const Dims& d, const RecurrentOptions& o, const Operands<T>& p, const Gradients<T>& g) {
  const std::int64_t B = d.batch, S = d.steps, U = d.units, GU = d.gate_width(), W = d.width();
  const bool gru = o.cell == CellKind::gru;
  const auto input = input_weight(d, p);
  const auto recurrent = recurrent_weight(d, p);
  // Time order, as the gates: the gradients of the gates' pre-activations, the states each step
  // started from, and (GRU with reset_after) of the recurrent product.
  const Scratch<T> d_pre(B * S * GU, "a recurrent backward's gate gradients"), h_before(B * S * U, "a recurrent backward's states");
  const Scratch<T> d_inner(gru && o.reset_after ? B * S * GU : 0, "GRU's backward recurrent products");
  const Scratch<T> dh(B * U, "a recurrent backward's state gradients"), dc(o.cell == CellKind::lstm ? B * U : 0, "LSTM's carry gradients");
  const Scratch<T> gh(gru && !o.reset_after ? B * U : 0, "GRU's backward gates"), d_rh(std::int64_t(gh.size()), "GRU's backward gates");
  // One row's slopes; a skipped step's incoming state gradient, passed straight to the step before.
  const Scratch<T> slopes(4 * U + U, "a recurrent backward's slopes");
  const Scratch<T> carried(p.mask && !gru ? B * U : 0, "a masked recurrent backward's carried gradients");
  for (std::int64_t s = S - 1; s >= 0; --s) {
    const std::int64_t t = o.go_backwards ? S - 1 - s : s;
    const T* h_prev = s == 0 ? p.h0 : p.out + (s - 1) * W;
    const std::int64_t h_stride = s == 0 ? U : S * W;
    const T* a = p.gates + t * GU;
    T* da = d_pre.data() + t * GU;
    const std::int64_t a_stride = S * GU;
    for (std::int64_t b = 0; b < B; ++b) {
      const T* ab = a + b * a_stride;
      T* dab = da + b * a_stride;
      const T* hp = h_prev + b * h_stride;
      const T* given = g.out + (b * S + s) * W;
      const T* extra = p.extra ? p.extra + (b * S + t) * U : nullptr;
      T* dhb = dh.data() + b * U;
      std::copy(hp, hp + U, h_before.data() + (b * S + t) * U);
      if (p.skips(b, t, S)) {
        std::fill(dab, dab + GU, T(0));
        for (std::int64_t j = 0; j < U; ++j) {
          const T d_h = dhb[j] + given[j];
          if (o.cell == CellKind::lstm) dc[std::size_t(b * U + j)] += given[U + j];
          if (!gru) carried[std::size_t(b * U + j)] = d_h;
          else if (o.reset_after) dhb[j] = d_h;
          else gh[std::size_t(b * U + j)] = d_h;
        }
        if (gru && o.reset_after) std::fill_n(d_inner.data() + (b * S + t) * GU, GU, T(0));
        continue;
      }
      switch (o.cell) {
        case CellKind::simple_rnn:
          slope_row(o.activation, ab, slopes.data(), U);
          for (std::int64_t j = 0; j < U; ++j) dab[j] = (dhb[j] + given[j]) * slopes[j];
          break;
        case CellKind::lstm: {
          const T* cp = s == 0 ? p.c0 + b * U : p.out + (b * S + s - 1) * W + U;
          T* dcb = dc.data() + b * U;
          T *slope_gates = slopes.data(), *slope_c = slope_gates + 4 * U;
          slope_row(o.recurrent_activation, ab, slope_gates, 2 * U);
          slope_row(o.activation, ab + 2 * U, slope_gates + 2 * U, U);
          slope_row(o.recurrent_activation, ab + 3 * U, slope_gates + 3 * U, U);
          slope_row(o.activation, extra, slope_c, U);
          for (std::int64_t j = 0; j < U; ++j) {
            const T d_h = dhb[j] + given[j];
            const T d_c = dcb[j] + given[U + j] + d_h * ab[3 * U + j] * slope_c[j];
            dab[j] = d_c * ab[2 * U + j] * slope_gates[j];
            dab[U + j] = d_c * cp[j] * slope_gates[U + j];
            dab[2 * U + j] = d_c * ab[j] * slope_gates[2 * U + j];
            dab[3 * U + j] = d_h * extra[j] * slope_gates[3 * U + j];
            dcb[j] = d_c * ab[U + j];
          }
          break;
        }
        case CellKind::gru: {
          T *slope_z = slopes.data(), *slope_r = slope_z + U, *slope_cand = slope_r + U;
          slope_row(o.recurrent_activation, ab, slope_z, 2 * U);
          slope_row(o.activation, ab + 2 * U, slope_cand, U);
          for (std::int64_t j = 0; j < U; ++j) {
            const T d_h = dhb[j] + given[j], z = ab[j];
            dab[j] = d_h * (hp[j] - ab[2 * U + j]) * slope_z[j];
            dab[2 * U + j] = d_h * (T(1) - z) * slope_cand[j];
            if (o.reset_after) {
              T* dib = d_inner.data() + (b * S + t) * GU;
              dab[U + j] = dab[2 * U + j] * extra[j] * slope_r[j];
              dib[j] = dab[j];
              dib[U + j] = dab[U + j];
              dib[2 * U + j] = dab[2 * U + j] * ab[U + j];
              dhb[j] = d_h * z;  // the direct path; the recurrent product's is added below
            } else {
              gh[std::size_t(b * U + j)] = d_h;
            }
          }
          break;
        }
      }
    }
    switch (o.cell) {
      case CellKind::simple_rnn:
      case CellKind::lstm:
        recurrent.backward_input(da, a_stride, 1, 0, d.gates, dh.data(), T(0));
        for (std::int64_t b = 0; b < B; ++b)
          if (p.skips(b, t, S)) std::copy_n(carried.data() + b * U, U, dh.data() + b * U);
        break;
      case CellKind::gru:
        if (o.reset_after) {
          recurrent.backward_input(d_inner.data() + t * GU, S * GU, 1, 0, 3, dh.data(), T(1));
          break;
        }
        // Reset before the product: the candidate's gradient reaches r·h_prev through U_h first.
        kernels::gemm(false, true, B, U, U, T(1), da + 2 * U, a_stride, p.recurrent + 2 * U, GU, T(0), d_rh.data(), U);
        for (std::int64_t b = 0; b < B; ++b) {
          const T* ab = a + b * a_stride;
          T* dab = da + b * a_stride;
          const T* hp = h_prev + b * h_stride;
          if (p.skips(b, t, S)) {
            std::copy_n(gh.data() + b * U, U, dh.data() + b * U);
            continue;
          }
          const T* keep = p.recurrent_keep ? recurrent.keep_of(2) + b * U : nullptr;
          for (std::int64_t j = 0; j < U; ++j) {
            const std::size_t k = std::size_t(b * U + j);
            const T kept = keep ? keep[j] : T(1);
            dab[U + j] = d_rh[k] * hp[j] * kept * slope_from_output(o.recurrent_activation, ab[U + j]);
            dh[k] = gh[k] * ab[j] + d_rh[k] * ab[U + j] * kept;
          }
        }
        recurrent.backward_input(da, a_stride, 1, 0, 2, dh.data(), T(1));
        break;
    }
  }
  if (g.h0) std::copy(dh.begin(), dh.end(), g.h0);
  if (g.c0) std::copy(dc.begin(), dc.end(), g.c0);
  const std::int64_t rows = B * S;
  if (g.kernel) input.backward_weight(p.x, S, d_pre.data(), GU, 0, d.gates, g.kernel);
  if (g.x) input.backward_input(d_pre.data(), GU, S, 0, d.gates, g.x, T(0));
  if (g.recurrent) {
    if (gru && o.reset_after) recurrent.backward_weight(h_before.data(), S, d_inner.data(), GU, 0, 3, g.recurrent);
    else if (gru) {
      recurrent.backward_weight(h_before.data(), S, d_pre.data(), GU, 0, 2, g.recurrent);
      // The candidate's product took r · (h ∘ mask), which the forward pass kept.
      kernels::gemm(true, false, U, U, rows, T(1), p.extra, U, d_pre.data() + 2 * U, GU, T(0), g.recurrent + 2 * U, GU);
    } else {
      recurrent.backward_weight(h_before.data(), S, d_pre.data(), GU, 0, d.gates, g.recurrent);
    }
  }
  if (g.bias) {
    std::fill(g.bias, g.bias + (gru && o.reset_after ? 2 * GU : GU), T(0));
    for (std::int64_t row = 0; row < rows; ++row)
      for (std::int64_t j = 0; j < GU; ++j) {
        g.bias[j] += d_pre[std::size_t(row * GU + j)];
        if (gru && o.reset_after) g.bias[GU + j] += d_inner[std::size_t(row * GU + j)];
      }
  }
}

// The raw pointers of a sequence's tensors; an undefined tensor is a null pointer.
template <class T>
Operands<T> operands_of(const Tensor& x, const Tensor& kernel, const Tensor& recurrent, const Tensor& bias, const Tensor& h0,
                        const Tensor& c0, const Tensor& out, const Tensor& gates, const Tensor& extra, const Tensor& mask,
                        const Tensor& input_keep, const Tensor& recurrent_keep) {
  const auto data = [](const Tensor& tensor) { return tensor.defined() ? tensor.data<T>() : nullptr; };
  return {data(x),    data(kernel), data(recurrent), data(bias),       data(h0),
          data(c0),   data(out),    data(gates),     data(extra),      data(mask),
          data(input_keep), data(recurrent_keep), input_keep.defined() ? input_keep.dim(0) : 1,
          recurrent_keep.defined() ? recurrent_keep.dim(0) : 1};
}

void require_shape(const Tensor& tensor, const Shape& expected, const char* what) {
  if (tensor.shape() != expected)
    throw ShapeError(fmt::format("recurrent_sequence: {} has shape {}, expected {}", what, shape_to_string(tensor.shape()),
                                 shape_to_string(expected)));
}

}  // namespace

Tensor recurrent_sequence(const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel, const Tensor& bias,
                          const std::vector<Tensor>& initial_states, const RecurrentOptions& options, const Tensor& mask,
                          const RecurrentDropout& dropout) {
  if (x.ndim() != 3) throw ShapeError(fmt::format("recurrent_sequence: expected x of rank 3, received shape {}", shape_to_string(x.shape())));
  const std::int64_t gates = options.cell == CellKind::lstm ? 4 : options.cell == CellKind::gru ? 3 : 1;
  if (recurrent_kernel.ndim() != 2)
    throw ShapeError(fmt::format("recurrent_sequence: recurrent_kernel has shape {}, expected (units, {}·units)",
                                 shape_to_string(recurrent_kernel.shape()), gates));
  const Dims d{x.dim(0), x.dim(1), x.dim(2), recurrent_kernel.dim(0), gates};
  require_shape(kernel, {d.features, d.gate_width()}, "kernel");
  require_shape(recurrent_kernel, {d.units, d.gate_width()}, "recurrent_kernel");
  const bool two_biases = options.cell == CellKind::gru && options.reset_after;
  if (bias.defined()) require_shape(bias, two_biases ? Shape{2, d.gate_width()} : Shape{d.gate_width()}, "bias");
  const std::size_t state_count = options.cell == CellKind::lstm ? 2 : 1;
  if (initial_states.size() != state_count)
    throw InvalidArgument(fmt::format("recurrent_sequence: expected {} initial states, received {}", state_count, initial_states.size()));
  for (const auto& state : initial_states) require_shape(state, {d.batch, d.units}, "an initial state");
  if (mask.defined()) require_shape(mask, {d.batch, d.steps}, "mask");
  for (const auto& [keep, width, what] : {std::tuple{&dropout.input, d.features, "the input dropout mask"},
                                          std::tuple{&dropout.recurrent, d.units, "the recurrent dropout mask"}}) {
    if (!keep->defined()) continue;
    if (!(keep->ndim() == 3 && (keep->dim(0) == 1 || keep->dim(0) == gates)))
      throw ShapeError(fmt::format("recurrent_sequence: {} has shape {}, expected (1 or {}, {}, {})", what, shape_to_string(keep->shape()),
                                   gates, d.batch, width));
    require_shape(*keep, {keep->dim(0), d.batch, width}, what);
  }
  for (const Tensor* operand : {&kernel, &recurrent_kernel, &bias, &initial_states[0], &initial_states.back(), &mask, &dropout.input,
                                &dropout.recurrent})
    if (operand->defined() && operand->dtype() != x.dtype())
      throw InvalidArgument(fmt::format("recurrent_sequence: operands of dtypes {} and {}", dtype_name(x.dtype()), dtype_name(operand->dtype())));

  // Contiguous operands for the raw loops; the backward keeps them.
  const Tensor xs = x.contiguous(), ks = kernel.contiguous(), rs = recurrent_kernel.contiguous();
  const Tensor bs = bias.defined() ? bias.contiguous() : Tensor();
  const Tensor h0 = initial_states[0].contiguous(), c0 = initial_states.back().contiguous();
  const Tensor ms = mask.defined() ? mask.detach().contiguous() : Tensor();
  const Tensor lstm_c0 = options.cell == CellKind::lstm ? c0 : Tensor();
  const Tensor input_keep = dropout.input.defined() ? dropout.input.detach().contiguous() : Tensor();
  const Tensor recurrent_keep = dropout.recurrent.defined() ? dropout.recurrent.detach().contiguous() : Tensor();
  Tensor out = Tensor::empty({d.batch, d.steps, d.width()}, x.dtype());
  Tensor activated = Tensor::empty({d.batch, d.steps, d.gate_width()}, x.dtype());
  Tensor extra = options.cell == CellKind::simple_rnn ? Tensor() : Tensor::empty({d.batch, d.steps, d.units}, x.dtype());
  dispatch(x.dtype(), [&]<class T>() { run_forward(d, options,
                                                    operands_of<T>(xs, ks, rs, bs, h0, lstm_c0, out, activated, extra, ms, input_keep, recurrent_keep)); });

  std::vector<Tensor> inputs = {x, kernel, recurrent_kernel, bias};
  inputs.insert(inputs.end(), initial_states.begin(), initial_states.end());
  std::vector<bool> wanted;
  for (const auto& input : inputs) wanted.push_back(input.defined() && needs_grad(input));
  record(out, "recurrent_sequence", inputs,
         [d, options, wanted, xs = saved(xs), ks = saved(ks), rs = saved(rs), bs = bs.defined() ? saved(bs) : Tensor(), h0 = saved(h0),
          c0 = saved(c0), result = saved(out), activated, extra, ms, input_keep, recurrent_keep](const Tensor& grad_output) {
           std::vector<Tensor> grads(wanted.size());
           const auto make = [&](std::size_t i, const Shape& shape) {
             if (wanted[i]) grads[i] = Tensor::empty(shape, xs.dtype());
           };
           make(0, xs.shape());
           make(1, ks.shape());
           make(2, rs.shape());
           if (bs.defined()) make(3, bs.shape());
           make(4, h0.shape());
           if (wanted.size() > 5) make(5, c0.shape());
           const Tensor given = grad_output.contiguous();
           dispatch(xs.dtype(), [&]<class T>() {
             const auto p = operands_of<T>(xs, ks, rs, bs, h0, options.cell == CellKind::lstm ? c0 : Tensor(), result, activated, extra, ms, input_keep, recurrent_keep);
             const auto pointer = [&](std::size_t i) { return grads[i].defined() ? grads[i].data<T>() : nullptr; };
             run_backward(d, options, p,
                          Gradients<T>{given.data<T>(), pointer(0), pointer(1), pointer(2), pointer(3), pointer(4),
                                       grads.size() > 5 ? pointer(5) : nullptr});
           });
           return grads;
         });
  return out;
}

}  // namespace minidl
