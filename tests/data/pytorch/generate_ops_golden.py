#!/usr/bin/python3
"""Golden values for minidl's tensor ops, computed by PyTorch (Debian's python3-torch) in float64.

Each case: an op, its arguments, inputs, an upstream gradient g, and what PyTorch gives for
y = op(inputs) and d sum(g * y) / d inputs. Inputs are multiples of 1/64 (exact in float32 and
float64) and stay off kinks. Run: /usr/bin/python3 tests/data/pytorch/generate_ops_golden.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261125)


def dyadic(shape, low=-2.0, high=2.0, away_from=None):
    """Values k/64 in [low, high], none within 1/32 of any point in away_from."""
    values = torch.randint(int(low * 64), int(high * 64) + 1, shape, dtype=torch.float64) / 64
    for point in away_from or []:
        close = (values - point).abs() < 1 / 32
        values = torch.where(close, values + 5 / 64, values)
    return values


def positive(shape, low=0.25, high=3.0):
    return dyadic(shape, low, high)


def distinct(shape):
    """A permutation of distinct dyadic values: no ties for max/min/maximum."""
    n = 1
    for extent in shape:
        n *= extent
    return ((torch.randperm(n, dtype=torch.float64) - n / 2) / 8).reshape(shape)


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


cases = []


def case(case_id, op, inputs, function, args=None):
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    y = function(*leaves)
    g = dyadic(tuple(y.shape), -1.0, 1.0)
    grads = torch.autograd.grad((y * g).sum(), leaves, allow_unused=True)
    cases.append({
        "id": case_id, "op": op, "args": args or {},
        "inputs": [tensor_json(x) for x in inputs],
        "g": tensor_json(g),
        "expected": {"y": tensor_json(y),
                     "grads": [tensor_json(gr if gr is not None else torch.zeros_like(x)) for gr, x in zip(grads, inputs)]},
    })


# Arithmetic with broadcasting.
for a_shape, b_shape in [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1, 3), (4, 1)), ((3,), ())]:
    tag = "x".join(map(str, a_shape)) + "_" + ("x".join(map(str, b_shape)) or "scalar")
    a, b = dyadic(a_shape), dyadic(b_shape)
    case(f"add_{tag}", "add", [a, b], torch.add)
    case(f"sub_{tag}", "sub", [a, b], torch.sub)
    case(f"mul_{tag}", "mul", [a, b], torch.mul)
    case(f"div_{tag}", "div", [a, positive(b_shape)], torch.div)
    case(f"pow_{tag}", "pow", [positive(a_shape), dyadic(b_shape)], torch.pow)
    case(f"maximum_{tag}", "maximum", [distinct(a_shape), distinct(b_shape) + 1 / 64], torch.maximum)
    case(f"minimum_{tag}", "minimum", [distinct(a_shape), distinct(b_shape) + 1 / 64], torch.minimum)

x = dyadic((3, 4), away_from=[0.0])
case("neg", "neg", [x], torch.neg)
case("square", "square", [x], torch.square)
case("abs", "abs", [x], torch.abs)
case("sign", "sign", [x], torch.sign)
case("exp", "exp", [x], torch.exp)
case("tanh", "tanh", [x], torch.tanh)
case("sigmoid", "sigmoid", [x], torch.sigmoid)
case("erf", "erf", [x], torch.erf)
case("sqrt", "sqrt", [positive((3, 4))], torch.sqrt)
case("log", "log", [positive((3, 4))], torch.log)
case("pow_scalar_3", "pow_scalar", [x], lambda t: torch.pow(t, 3.0), {"exponent": 3.0})
case("pow_scalar_half", "pow_scalar", [positive((3, 4))], lambda t: torch.pow(t, 0.5), {"exponent": 0.5})
case("clip", "clip", [dyadic((3, 4), away_from=[-0.5, 1.0])], lambda t: torch.clamp(t, -0.5, 1.0),
     {"min_value": -0.5, "max_value": 1.0})
condition = (dyadic((3, 4)) > 0).double()
case("where", "where", [condition, dyadic((3, 4)), dyadic((4,))], lambda c, p, q: torch.where(c != 0, p, q))

# Reductions.
r = distinct((2, 3, 4))
for axis, keepdims in [([], False), ([1], False), ([0, 2], True), ([-1], True)]:
    tag = ("all" if not axis else "_".join(map(str, axis))) + ("_keep" if keepdims else "")
    dims = axis if axis else [0, 1, 2]
    args = {"axis": axis, "keepdims": keepdims}
    case(f"sum_{tag}", "sum", [r], lambda t: t.sum(dim=dims, keepdim=keepdims), args)
    case(f"mean_{tag}", "mean", [r], lambda t: t.mean(dim=dims, keepdim=keepdims), args)
    case(f"max_{tag}", "max", [r], lambda t: t.amax(dim=dims, keepdim=keepdims), args)
    case(f"min_{tag}", "min", [r], lambda t: t.amin(dim=dims, keepdim=keepdims), args)
    case(f"var_{tag}", "var", [r], lambda t: t.var(dim=dims, keepdim=keepdims, unbiased=False), args)
ties = torch.tensor([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 0.5]], dtype=torch.float64)
case("max_ties", "max", [ties], lambda t: t.amax(dim=[1]), {"axis": [1], "keepdims": False})

# Matrix products.
for a_shape, b_shape in [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)),
                         ((2, 1, 3, 4), (3, 4, 2)), ((3, 4), (2, 4, 5))]:
    tag = "x".join(map(str, a_shape)) + "_" + "x".join(map(str, b_shape))
    case(f"matmul_{tag}", "matmul", [dyadic(a_shape), dyadic(b_shape)], torch.matmul)

# Layout.
t = dyadic((2, 3, 4))
case("reshape", "reshape", [t], lambda v: v.reshape(4, -1), {"shape": [4, -1]})
case("transpose_default", "transpose", [t], lambda v: v.permute(2, 1, 0), {"axes": []})
case("permute", "transpose", [t], lambda v: v.permute(1, 2, 0), {"axes": [1, 2, 0]})
case("squeeze", "squeeze", [dyadic((2, 1, 3, 1))], lambda v: v.squeeze(), {"axis": []})
case("squeeze_axis", "squeeze", [dyadic((2, 1, 3, 1))], lambda v: v.squeeze(1), {"axis": [1]})
case("unsqueeze", "unsqueeze", [t], lambda v: v.unsqueeze(-1), {"axis": -1})
case("slice_step", "slice", [t], lambda v: v[:, :, 1:4:2], {"axis": 2, "start": 1, "stop": 4, "step": 2})
case("slice_negative", "slice", [t], lambda v: v[:, -2:, :], {"axis": 1, "start": -2, "stop": 100, "step": 1})
case("concat", "concat", [dyadic((2, 3)), dyadic((2, 1)), dyadic((2, 2))], lambda *v: torch.cat(v, 1), {"axis": 1})
case("stack", "stack", [dyadic((2, 3)), dyadic((2, 3))], lambda *v: torch.stack(v, 1), {"axis": 1})
case("pad", "pad", [t], lambda v: F.pad(v, (2, 0, 1, 1, 0, 0), value=0.5),
     {"pad_width": [[0, 0], [1, 1], [2, 0]], "constant_value": 0.5})
case("broadcast_to", "broadcast_to", [dyadic((3, 1))], lambda v: v.expand(2, 3, 4), {"shape": [2, 3, 4]})
case("cast", "cast", [t], lambda v: v.float().double(), {"dtype": "float64"})

# Activations Keras names that the Keras reference file does not cover, by PyTorch's own functions
# (same formulas as Keras 3) or, where PyTorch has none, by the formula in Keras's docstring.
a = dyadic((3, 7), -4.0, 4.0, away_from=[-3.0, -1.0, 0.0, 1.0, 3.0, 6.0])
case("act_relu6", "activation", [a * 2], F.relu6, {"name": "relu6"})
case("act_sigmoid", "activation", [a], torch.sigmoid, {"name": "sigmoid"})
case("act_tanh", "activation", [a], torch.tanh, {"name": "tanh"})
case("act_softplus", "activation", [a * 4], F.softplus, {"name": "softplus"})
case("act_mish", "activation", [a], F.mish, {"name": "mish"})
case("act_gelu", "activation", [a], lambda v: F.gelu(v, approximate="none"), {"name": "gelu"})
case("act_silu", "activation", [a], F.silu, {"name": "silu"})
case("act_hard_silu", "activation", [a], F.hardswish, {"name": "hard_silu"})
case("act_log_sigmoid", "activation", [a], F.logsigmoid, {"name": "log_sigmoid"})
case("act_log_softmax", "activation", [a], lambda v: F.log_softmax(v, -1), {"name": "log_softmax"})
case("act_hard_shrink", "activation", [a], F.hardshrink, {"name": "hard_shrink"})
case("act_elu", "activation", [a], F.elu, {"name": "elu"})
case("act_sparse_plus", "activation", [a],
     lambda v: torch.where(v <= -1, torch.zeros_like(v), torch.where(v >= 1, v, (v + 1) ** 2 / 4)),
     {"name": "sparse_plus"})
case("act_squareplus", "activation", [a], lambda v: (v + torch.sqrt(v * v + 4)) / 2, {"name": "squareplus"})


def sparsemax_reference(z):
    ordered, _ = torch.sort(z, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    running = ordered.cumsum(-1)
    support = 1 + k * ordered > running
    k_z = support.sum(-1, keepdim=True)
    tau = (running.gather(-1, k_z - 1) - 1) / k_z
    return torch.clamp(z - tau, min=0)


case("act_sparsemax", "activation", [a], sparsemax_reference, {"name": "sparsemax"})

# Losses Keras's file does not cover (reduction: the mean over samples, "sum_over_batch_size").
y_true = dyadic((4, 3), -1.0, 1.0)
y_pred = dyadic((4, 3), -1.0, 1.0, away_from=[float(v) for v in y_true.reshape(-1)])
case("loss_mae", "loss", [y_true, y_pred], lambda t, p: F.l1_loss(p, t, reduction="none").mean(-1).mean(),
     {"name": "mean_absolute_error"})
case("loss_log_cosh", "loss", [y_true, y_pred * 4], lambda t, p: torch.log(torch.cosh(p - t)).mean(-1).mean(),
     {"name": "log_cosh"})
case("loss_huber_default", "loss", [y_true, y_pred * 3], lambda t, p: F.huber_loss(p, t, reduction="none", delta=1.0).mean(-1).mean(),
     {"name": "huber"})
probabilities = torch.softmax(dyadic((4, 5)), -1)
labels = torch.tensor([0.0, 3.0, 4.0, 1.0], dtype=torch.float64)
case("loss_sparse_categorical_probabilities", "loss", [labels, probabilities],
     lambda t, p: F.nll_loss(torch.log(torch.clamp(p / p.sum(-1, keepdim=True), 1e-7, 1 - 1e-7)), t.long(), reduction="mean"),
     {"name": "sparse_categorical_crossentropy"})

# Added after the others, so that their random draws stay as they were.
t = dyadic((2, 3, 4))
case("flip_steps", "flip", [t], lambda v: torch.flip(v, [1]), {"axis": 1})
case("flip_last", "flip", [t], lambda v: torch.flip(v, [-1]), {"axis": -1})

here = os.path.dirname(os.path.abspath(__file__))  # tests/data/pytorch
with open(os.path.join(here, "ops_golden.json"), "w") as out:
    json.dump({"meta": {"produced_by": f"PyTorch {torch.__version__} (Debian python3-torch), float64",
                        "generator": "tests/data/pytorch/generate_ops_golden.py",
                        "semantics": "y = op(inputs); grads = d sum(g * y) / d inputs by torch.autograd"},
               "cases": cases}, out)
print(f"{len(cases)} cases")
