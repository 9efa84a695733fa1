#!/usr/bin/env python3
"""Record which layer configs real Keras 3.15.1 refuses: a key the layer does not take (a misspelt
argument) and a float where the layer takes an integer, against controls Keras accepts.

What it writes (config_refusals.json): cases, each a layer's class name, its config, the shape it is
called on, and what Keras did: "refused" (true when deserializing or calling it raised) and Keras's
message (for the reader; the test matches refusal, not wording).

Run with the shared keras-runner (../shared/keras-runner, its README says how to get the Keras
source):
    KERAS_RUNNER=<path of keras-runner> /usr/bin/python3 generate_config_refusals.py out.json
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.environ["KERAS_RUNNER"])
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
keras_env.shim_torch_squeeze_dims()
keras_env.shim_torch_any_all_dims()

SEQUENCE = [1, 6, 2]
CASES = [
    ("Conv1D", {"filters": 4, "kernel_size": 3}, SEQUENCE),
    ("Conv1D", {"filters": 2.7, "kernel_size": 3}, SEQUENCE),
    ("Conv1D", {"filters": 4.0, "kernel_size": 3}, SEQUENCE),
    ("Conv1D", {"filters": 4, "kernel_size": 3.0}, SEQUENCE),
    ("Conv1D", {"filters": 4, "kernel_size": [2.5]}, SEQUENCE),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 1.0}, SEQUENCE),
    ("Conv1D", {"filters": 4, "kernel_size": 2, "dilation_rate": [2.0]}, SEQUENCE),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "activaton": "relu"}, SEQUENCE),
    ("Conv1D", {"filters": 4, "kernal_size": 3, "kernel_size": 3}, SEQUENCE),
    ("Dense", {"units": 3}, [1, 2]),
    ("Dense", {"units": 2.7}, [1, 2]),
    ("Dense", {"units": 3, "activaton": "relu"}, [1, 2]),
    ("Dense", {"units": 3, "use_bias": False, "bias_initializer": "zeros"}, [1, 2]),
    ("LSTM", {"units": 3}, SEQUENCE),
    ("LSTM", {"units": 3.0}, SEQUENCE),
    ("GRU", {"units": 3, "recurent_dropout": 0.1}, SEQUENCE),
    ("MaxPooling1D", {"pool_size": 2}, SEQUENCE),
    ("MaxPooling1D", {"pool_size": 2.0}, SEQUENCE),
    ("AveragePooling1D", {"pool_size": 2, "strides": 1.5}, SEQUENCE),
    ("UpSampling1D", {"size": 2.0}, SEQUENCE),
    ("ZeroPadding1D", {"padding": 1.5}, SEQUENCE),
    ("Cropping1D", {"cropping": [1.0, 1]}, SEQUENCE),
    ("Dropout", {"rate": 0}, SEQUENCE),
    ("Dropout", {"rate": 0.5, "seed": 1.5}, SEQUENCE),
    ("Dropout", {"rat": 0.5}, SEQUENCE),
    ("BatchNormalization", {"momentum": 0.9, "epsilon": 1}, SEQUENCE),
    ("BatchNormalization", {"axis": -1.0}, SEQUENCE),
    ("BatchNormalization", {"momentun": 0.9}, SEQUENCE),
    ("LayerNormalization", {"epsilon": 0.001}, SEQUENCE),
    ("LayerNormalization", {"axis": -1.0}, SEQUENCE),
    ("Masking", {"mask_value": 0}, SEQUENCE),
    ("Flatten", {"data_fromat": "channels_last"}, SEQUENCE),
    ("Activation", {"activation": "relu", "alpha": 0.1}, SEQUENCE),
    ("GlobalAveragePooling1D", {"keepdims": True}, SEQUENCE),
    ("Concatenate", {"axis": -1.0}, None),
]


def run(class_name, config, shape):
    layer = getattr(keras.layers, class_name).from_config(config)
    if shape is None:  # a merge layer, called on two tensors
        return layer([np.zeros(SEQUENCE, "float32"), np.zeros(SEQUENCE, "float32")])
    return layer(np.zeros(shape, "float32"))


cases = []
for class_name, config, shape in CASES:
    try:
        run(class_name, config, shape)
        refused, message = False, ""
    except Exception as error:  # noqa: BLE001 -- any refusal counts
        refused, message = True, f"{type(error).__name__}: {str(error).splitlines()[-1][:300]}"
    cases.append({"class_name": class_name, "config": config, "input_shape": shape, "refused": refused, "keras_message": message})

with open(sys.argv[1], "w") as out:
    json.dump({"meta": {"keras": keras.__version__, "generator": os.path.basename(__file__)}, "cases": cases}, out, indent=1)
    out.write("\n")
