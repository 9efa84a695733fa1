#!/usr/bin/env python3
"""Check that real Keras 3.15.1 reads the functional-model configs minidl writes.

Input: the file tests/models/functional_keras_reads_test.cpp writes when run with
MINIDL_WRITE_KERAS_CHECK=<file> (per model: minidl's get_config(), its serialized form, its
weights in model.weights order, inputs, and minidl's predictions).
For each model, Keras rebuilds it twice -- keras.Model.from_config(minidl_config) and
keras.saving.deserialize_keras_object(minidl_serialized) (what a .keras file's config.json
holds) --, takes minidl's weights in order (checking each path and shape), and predicts. The
output is the input file plus, per model, "keras_outputs" (the from_config model's predictions),
"keras_weight_paths", "max_abs_keras_vs_minidl" and "max_abs_serialized_vs_config"; it fails if
Keras differs from minidl by more than 1e-5.

Run (Debian 12, /usr/bin/python3 with python3-torch; Keras 3.15.1's source in /tmp/keras-src or
$KERAS_SRC, as the keras-runner's README says; KERAS_RUNNER points at the runner):
    MINIDL_WRITE_KERAS_CHECK=/tmp/minidl_configs.json build/tests/minidl_tests \\
        -tc="Keras 3.15.1 reads the configs minidl writes*"
    /usr/bin/python3 tests/data/keras/generator/keras_reads_minidl.py /tmp/minidl_configs.json \\
        tests/data/keras/minidl_configs_in_keras.json
"""
import copy
import json
import os
import sys

sys.path.insert(0, os.environ.get("KERAS_RUNNER", "/work/shared/keras-runner"))
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
import numpy as np  # noqa: E402


def array(t):
    return np.asarray(t["data"], dtype=np.float32).reshape(t["shape"])


def load_weights(model, weights):
    assert len(model.weights) == len(weights), (len(model.weights), len(weights))
    for variable, weight in zip(model.weights, weights):
        # Keras prefixes a nested Sequential's variables with its name; minidl's paths are the layer's.
        assert variable.path.endswith(weight["path"]), (variable.path, weight["path"])
        assert list(variable.shape) == weight["tensor"]["shape"], (variable.path, variable.shape)
        variable.assign(array(weight["tensor"]))
    return [v.path for v in model.weights]


def predict(model, inputs):
    outputs = model.predict([array(x) for x in inputs] if len(inputs) > 1 else array(inputs[0]), verbose=0)
    return [np.asarray(o, np.float64) for o in (outputs if isinstance(outputs, list) else [outputs])]


def main(source, target):
    data = json.load(open(source))
    for case in data["cases"]:
        # (Keras's from_config pops keys from the dict it is given.)
        from_config = keras.Model.from_config(copy.deepcopy(case["minidl_config"]))
        paths = load_weights(from_config, case["weights"])
        serialized = keras.saving.deserialize_keras_object(copy.deepcopy(case["minidl_serialized"]))
        load_weights(serialized, case["weights"])
        ours = [array(o).astype(np.float64) for o in case["minidl_outputs"]]
        theirs = predict(from_config, case["inputs"])
        again = predict(serialized, case["inputs"])
        case["keras_outputs"] = [{"shape": list(o.shape), "data": [float(v) for v in o.reshape(-1)]} for o in theirs]
        case["keras_weight_paths"] = paths
        case["max_abs_keras_vs_minidl"] = max(float(np.max(np.abs(a - b))) for a, b in zip(theirs, ours))
        case["max_abs_serialized_vs_config"] = max(float(np.max(np.abs(a - b))) for a, b in zip(theirs, again))
        print(case["id"], "keras vs minidl", case["max_abs_keras_vs_minidl"], "serialized vs config",
              case["max_abs_serialized_vs_config"])
        assert case["max_abs_keras_vs_minidl"] < 1e-5 and case["max_abs_serialized_vs_config"] == 0.0
    data["meta"] = {"keras": keras.__version__, "keras_git_tag": "v3.15.1",
                    "keras_git_commit": "250b42181ce9f37df68319d8f4753ec89a349a43", "backend": "torch",
                    "generator": "tests/data/keras/generator/keras_reads_minidl.py"}
    with open(target, "w") as out:
        json.dump(data, out)
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
