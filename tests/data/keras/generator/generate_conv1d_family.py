"""Goldens for the Conv1D family's defaults and SpatialDropout1D, from real Keras 3.15.1.

Run with Debian's python3 after fetching the Keras source (see shared/keras-runner/README.md):
    /usr/bin/python3 tests/data/keras/generator/generate_conv1d_family.py <keras-runner dir> > tests/data/keras/conv1d_family.json

Records, for each layer built with Keras's defaults: get_config(), serialize_keras_object(), the
weights' names and shapes and compute_output_shape; for SpatialDropout1D also which arguments
Keras refuses and at which stage, and a training call on ones whose mask minidl cannot reproduce
(other random numbers) but whose structure it must: every (sample, channel) column constant.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
import numpy as np  # noqa: E402
import torch  # noqa: E402


def described(layer, input_shape):
    layer.build(input_shape)
    return {
        "class_name": type(layer).__name__,
        "input_shape": list(input_shape),
        "get_config": layer.get_config(),
        "serialized": keras.saving.serialize_keras_object(layer),
        "weights": [{"name": w.name, "shape": list(w.shape)} for w in layer.weights],
        "compute_output_shape": list(layer.compute_output_shape(input_shape)),
    }


def stage_of(build):
    try:
        layer = build()
    except Exception as error:  # noqa: BLE001 - the class of error is what is recorded
        return {"raises": True, "stage": "constructor", "exception": type(error).__name__, "message": str(error).split("\n")[0]}
    return layer


cases = [
    described(keras.layers.Conv1DTranspose(16, 4), (1, 10, 8)),
    described(keras.layers.Conv1DTranspose(16, 4, strides=2, padding="same", output_padding=1), (1, 10, 8)),
    described(keras.layers.DepthwiseConv1D(3), (1, 10, 8)),
    described(keras.layers.SeparableConv1D(12, 3, depth_multiplier=2), (1, 10, 8)),
    described(keras.layers.SpatialDropout1D(0.25), (1, 10, 8)),
    described(keras.layers.SpatialDropout1D(0.3, seed=5, name="spatial"), (1, 10, 8)),
]

errors = []
for tag, build, input_shape in [
    ("rate=1.0", lambda: keras.layers.SpatialDropout1D(1.0), (2, 5, 3)),
    ("rate=-0.1", lambda: keras.layers.SpatialDropout1D(-0.1), (2, 5, 3)),
    ("rank-2 input", lambda: keras.layers.SpatialDropout1D(0.5), (5, 3)),
    ("rank-4 input", lambda: keras.layers.SpatialDropout1D(0.5), (2, 5, 3, 1)),
    ("trainable argument", lambda: keras.layers.SpatialDropout1D(0.5, trainable=False), (2, 5, 3)),
]:
    result = stage_of(build)
    if isinstance(result, dict):
        errors.append({"tag": tag, "input_shape": list(input_shape), **result})
        continue
    try:
        y = result(torch.ones(input_shape, dtype=torch.float32), training=True)
        errors.append({"tag": tag, "input_shape": list(input_shape), "raises": False, "output_shape": list(y.shape)})
    except Exception as error:  # noqa: BLE001
        errors.append({"tag": tag, "input_shape": list(input_shape), "raises": True, "stage": "build/call",
                       "exception": type(error).__name__, "message": str(error).split("\n")[0]})

dropout = keras.layers.SpatialDropout1D(0.5, seed=3)
y = np.asarray(dropout(torch.ones((4, 30, 50), dtype=torch.float32), training=True).detach())
columns_constant = bool(np.all(y == y[:, :1, :]))
values = sorted(set(np.unique(y).tolist()))

json.dump({"meta": {"produced_by": f"keras {keras.__version__}, torch backend, torch {torch.__version__}",
                    "generator": "tests/data/keras/generator/generate_conv1d_family.py"},
           "cases": cases, "spatial_dropout_errors": errors,
           "spatial_dropout_training_on_ones": {"shape": [4, 30, 50], "rate": 0.5, "columns_constant": columns_constant,
                                                "values": values, "zero_fraction": float(np.mean(y == 0))}},
          sys.stdout, indent=1)
print()
