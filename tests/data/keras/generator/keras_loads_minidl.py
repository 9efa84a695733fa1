#!/usr/bin/env python3
"""Check that real Keras 3.15.1 loads the .keras and .weights.h5 files minidl writes.

Input: the folder tests/models/keras_loads_minidl_files_test.cpp writes when run with
MINIDL_WRITE_KERAS_FILES=<folder> (per model <id>.keras, <id>.weights.h5, and minidl_files.json
with the next batch x, y, minidl's predictions for x and its optimizer's variables).
Per model Keras: loads <id>.keras (keras.saving.load_model, compiled as saved) and predicts x;
rebuilds the model from the zip's config.json alone and loads <id>.weights.h5 into it, and
predicts; saves the loaded model again itself and compares that file's HDF5 layout (every group
with its attributes, every dataset with its shape and dtype) with minidl's; compares its
optimizer's variables with minidl's; and takes one fit step on (x, y). The output holds, per
model, "keras_outputs", "keras_weights_h5_outputs", "keras_layout_matches_its_own_save",
"keras_optimizer_iterations" and "keras_weights_after_step" (model.weights order); the script
fails when Keras's predictions or optimizer variables differ from minidl's by more than 1e-6.

Run (see keras_reads_minidl.py for the set-up):
    MINIDL_WRITE_KERAS_FILES=/tmp/mfiles build/tests/minidl_tests -tc="Keras 3.15.1 loads the .keras*"
    /usr/bin/python3 tests/data/keras/generator/keras_loads_minidl.py /tmp/mfiles \\
        tests/data/keras/files/minidl_files_in_keras.json
"""
import io
import json
import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.environ.get("KERAS_RUNNER", "/work/shared/keras-runner"))
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
keras_env.shim_torch_squeeze_dims()  # BatchNormalization (torch 1.13 squeeze takes one dim)
keras_env.shim_torch_any_all_dims()  # Masking (torch 1.13 any takes one dim)
import h5py  # noqa: E402
import numpy as np  # noqa: E402


def array(t, dtype=np.float32):
    return np.asarray(t["data"], dtype=dtype).reshape(t["shape"])


def tensor(a):
    a = np.asarray(a, np.float64)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def layout(h5_bytes):
    listing = []
    with h5py.File(io.BytesIO(h5_bytes), "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                listing.append(("group", name, sorted((k, str(v)) for k, v in obj.attrs.items())))
            else:
                listing.append(("dataset", name, list(obj.shape), str(obj.dtype)))
        f.visititems(visit)
        listing.append(("root", sorted(f.attrs.keys())))
    return sorted(listing, key=str)


def zipped_weights(path):
    with zipfile.ZipFile(path) as z:
        return z.read("model.weights.h5"), json.loads(z.read("config.json"))


def inputs_of(case):
    xs = [array(x) for x in case["x"]]
    return xs if len(xs) > 1 else xs[0]


def targets_of(case):
    ys = [array(y) for y in case["y"]]
    return ys if len(ys) > 1 else ys[0]


def outputs(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def main(folder, target):
    data = json.load(open(os.path.join(folder, "minidl_files.json")))
    for case in data["cases"]:
        keras_path = os.path.join(folder, case["id"] + ".keras")
        weights_path = os.path.join(folder, case["id"] + ".weights.h5")
        model = keras.saving.load_model(keras_path)
        x = inputs_of(case)
        ours = [array(o, np.float64) for o in case["minidl_outputs"]]
        predicted = outputs(model, x)
        for a, b in zip(predicted, ours):
            assert np.max(np.abs(a - b)) <= 1e-6, (case["id"], np.max(np.abs(a - b)))
        case["keras_outputs"] = [tensor(o) for o in predicted]

        h5_bytes, config = zipped_weights(keras_path)
        fresh = keras.saving.deserialize_keras_object(config)
        fresh.load_weights(weights_path)
        from_weights = outputs(fresh, x)
        for a, b in zip(from_weights, ours):
            assert np.max(np.abs(a - b)) <= 1e-6, (case["id"], "weights.h5", np.max(np.abs(a - b)))
        case["keras_weights_h5_outputs"] = [tensor(o) for o in from_weights]

        variables = model.optimizer.variables
        assert len(variables) == len(case["minidl_optimizer_variables"]), (case["id"], len(variables))
        for variable, entry in zip(variables, case["minidl_optimizer_variables"]):
            value = np.asarray(variable, np.float64)
            assert list(value.shape) == entry["tensor"]["shape"], (case["id"], variable.path)
            assert np.max(np.abs(value - array(entry["tensor"], np.float64)), initial=0) <= 1e-6, (case["id"], variable.path)
        case["keras_optimizer_iterations"] = int(model.optimizer.iterations)

        with tempfile.TemporaryDirectory() as tmp:
            resaved = os.path.join(tmp, "resaved.keras")
            model.save(resaved)
            keras_h5, _ = zipped_weights(resaved)
        ours_layout, keras_layout = layout(h5_bytes), layout(keras_h5)
        case["keras_layout_matches_its_own_save"] = ours_layout == keras_layout
        assert ours_layout == keras_layout, (case["id"], [e for e in ours_layout if e not in keras_layout],
                                             [e for e in keras_layout if e not in ours_layout])
        assert layout(open(weights_path, "rb").read()) == keras_layout, (case["id"], "weights.h5 layout")

        model.fit(x, targets_of(case), batch_size=4, epochs=1, shuffle=False, verbose=0)
        assert len(model.weights) == len(case["minidl_weights"]), (case["id"], len(model.weights))
        for variable, entry in zip(model.weights, case["minidl_weights"]):
            assert list(variable.shape) == entry["shape"], (case["id"], variable.path, entry["path"])
        case["keras_weights_after_step"] = [tensor(v) for v in model.weights]
        print(case["id"], "ok", case["keras_optimizer_iterations"])
    data["produced_by"] = "keras 3.15.1 (torch backend) loading the files minidl wrote"
    data["generator"] = "tests/data/keras/generator/keras_loads_minidl.py"
    with open(target, "w") as f:
        json.dump(data, f)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
