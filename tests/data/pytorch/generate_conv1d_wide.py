#!/usr/bin/python3
"""Golden Conv1D cases with many channels per group, computed by PyTorch (python3-torch) in float64.

The Keras recordings (tests/data/keras/conv1d_cases.json) have few channels; minidl's convolution
takes a different path (per-tap gemms straight on the input) from 32 channels per group up, so these
cases cover that path: channels 32-96, groups 1-3, every Keras padding, strides and dilation, with
Keras's semantics (channels_last input, kernel (kernel_size, channels / groups, filters), 'same' with
the extra zero on the right, 'causal' all on the left). y and the gradients of sum(g * y).
Run: /usr/bin/python3 tests/data/pytorch/generate_conv1d_wide.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261125)


def dyadic(shape):
    return torch.randint(-64, 65, shape, dtype=torch.float64) / 64


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def padding_for(padding, length, kernel, stride, dilation):
    span = dilation * (kernel - 1)
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span, 0
    out = math.ceil(length / stride)
    total = max((out - 1) * stride + span + 1 - length, 0)
    return total // 2, total - total // 2


def case(channels, filters, kernel, stride, dilation, groups, padding, length, batch=2):
    x = dyadic((batch, length, channels)).requires_grad_()
    keras_kernel = dyadic((kernel, channels // groups, filters)).requires_grad_()
    bias = dyadic((filters,)).requires_grad_()
    left, right = padding_for(padding, length, kernel, stride, dilation)
    # torch: (N, C, L) input, (F, C/G, K) weight.
    y = F.conv1d(F.pad(x.transpose(1, 2), (left, right)), keras_kernel.permute(2, 1, 0), bias, stride=stride,
                 dilation=dilation, groups=groups).transpose(1, 2)
    g = dyadic(tuple(y.shape))
    (y * g).sum().backward()
    return {"id": f"C{channels}_F{filters}_k{kernel}_s{stride}_d{dilation}_g{groups}_{padding}_L{length}",
            "config": {"filters": filters, "kernel_size": kernel, "strides": stride, "dilation_rate": dilation,
                       "groups": groups, "padding": padding},
            "x": tensor_json(x), "kernel": tensor_json(keras_kernel), "bias": tensor_json(bias), "g": tensor_json(g),
            "expected": {"y": tensor_json(y), "dx": tensor_json(x.grad), "dkernel": tensor_json(keras_kernel.grad),
                         "dbias": tensor_json(bias.grad)}}


cases = [
    case(32, 8, 3, 1, 1, 1, "same", 11),
    case(32, 8, 3, 1, 2, 1, "causal", 12),
    case(32, 6, 3, 2, 1, 1, "valid", 13),
    case(48, 8, 5, 3, 1, 1, "same", 14),
    case(64, 8, 3, 1, 1, 2, "same", 9),
    case(64, 6, 2, 1, 3, 2, "causal", 10),
    case(96, 6, 4, 2, 1, 3, "valid", 15),
    case(96, 9, 5, 1, 1, 3, "same", 7),
    case(32, 4, 1, 1, 1, 1, "valid", 6),
    case(32, 4, 7, 2, 1, 1, "same", 5),      # the kernel longer than the input: taps entirely in padding
    case(32, 5, 3, 1, 4, 1, "causal", 6),    # dilation reaching past the whole input
    case(64, 4, 3, 1, 1, 1, "valid", 3),     # a single output step
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv1d_wide.json")
with open(path, "w") as out:
    json.dump({"meta": {"torch": torch.__version__, "generator": "tests/data/pytorch/generate_conv1d_wide.py"},
               "cases": cases}, out)
print(f"wrote {len(cases)} cases to {path}")
