#!/usr/bin/env python3
"""Record golden data for minidl's functional-model machinery from REAL Keras 3.15.1
(torch backend; float64 unless a case says otherwise).

What it writes (functional.json, one case per line)
    meta:     provenance (Keras version, git tag and commit, backend, torch, date, how to run)
              and the conventions below.
    cases:    functional models built with keras.Input / keras.Model (and Sequential or Model
              instances used as layers).  Per case:
                id, what, dtype,
                model_get_config   model.get_config()
                saved_config_json  the config.json that model.save("x.keras") writes (read back
                                   from the zip); its "shared_object_id" values (memory
                                   addresses Keras puts on repeated objects, e.g. the shared
                                   float32 DTypePolicy) renumbered 1, 2, ... for reproducibility
                summary            model.summary() text as printed when stdout is not a
                                   terminal (no colours; shutil.get_terminal_size() falls back
                                   to 80 columns, so the table is 76 wide; COLUMNS=80 is set
                                   while printing so a terminal does not change it)
                summary_wide       the same with a wide terminal (Keras' own default widths:
                                   88 for sequential-like models, 108 with "Connected to")
                summary_expand_nested  (cases with a nested model) summary(expand_nested=True),
                                   80 columns
                weights            [{"path", "shape", "data"}] in model.weights order, set to
                                   random multiples of 1/64 in [-0.5, 0.5) after building
                                   (BatchNormalization moving_variance: 1 + that, > 0)
                inputs             tensors in model.inputs order (input_names gives their names)
                expected_outputs   model.predict outputs in model.outputs order
                output_names, layer_names (model.layers order), layer_classes
                info               shapes, parameter counts, eager-vs-predict and reload
                                   differences (max abs): the saved config.json through
                                   keras.models.model_from_json, model_get_config through
                                   keras.Model.from_config, and keras.saving.load_model of the
                                   .keras file; plus any warnings Keras printed
    training: fit runs of the two_outputs model (float64, floatx float64), SGD(0.05), 12
              samples, batch_size 4, 3 epochs, shuffle=False, validation_data (4 samples):
              compile arguments as code, initial/final weights, x, y, validation x/y, the
              history (every key, per epoch), weights after every epoch, the batch logs,
              metrics_names and evaluate(..., return_dict=True) on the validation data; a run
              Keras refuses records the exception instead ("raises": true, stage, exception,
              message).  xcheck_torch: the distance of the final weights and the per-epoch
              val_loss from an independent float64 torch re-computation (forward pass, losses
              and SGD written out below, no Keras code).
    errors:   Python snippets Keras rejects (or accepts), each with "code" (setup plus the
              steps), the step that raised ("stage"), the exception class name and the
              first line of its message (match the failure and the stage, not the words).

Conventions: a tensor is {"shape": [...], "data": [...]}, data flat row-major float64 with
full round-trip precision.  Inputs are multiples of 1/64 in [-1, 1], weights multiples of 1/64
in [-0.5, 0.5): exact in float32 and float64.  Float64 cases build every layer with
dtype="float64" and keras.Input(dtype="float64") and run with
keras_env.keep_float64_in_result_type(keras, True) (Keras >= 3.12 on torch otherwise computes
float64 ops.mean/ops.matmul in float32); the float32 case uses Keras defaults without it.

Run (Debian 12, /usr/bin/python3 with python3-torch 1.13, the Keras 3.15.1 source extracted to
/tmp/keras-src or $KERAS_SRC, see /work/shared/keras-runner/README.md):
    /usr/bin/python3 tests/data/keras/generator/generate_functional.py [out.json]
(default output: tests/data/keras/functional.json next to this directory; KERAS_RUNNER points
at the runner directory, default /work/shared/keras-runner).
"""
import contextlib
import datetime
import io
import json
import os
import sys
import tempfile
import traceback
import warnings
import zipfile

sys.path.insert(0, os.environ.get("KERAS_RUNNER", "/work/shared/keras-runner"))
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
keras_env.shim_torch_squeeze_dims()  # BatchNormalization (torch 1.13 squeeze takes one dim)

import numpy as np  # noqa: E402
import torch  # noqa: E402

L = keras.layers
F64 = {"dtype": "float64"}
SEED = 20240515
rng = np.random.default_rng(SEED)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def use_float64(enable):
    keras_env.keep_float64_in_result_type(keras, enable)
    floatx = "float64" if enable else "float32"
    keras.config.set_floatx(floatx)
    keras.config.set_dtype_policy(floatx)  # the global policy is cached from floatx at first use


def tensor(a):
    a = np.asarray(keras.ops.convert_to_numpy(a) if not isinstance(a, np.ndarray) else a)
    a = a.astype(np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def sample(shape):
    """Inputs: multiples of 1/64 in [-1, 1]."""
    return rng.integers(-64, 65, size=shape).astype(np.float64) / 64.0


def sample_weight(shape):
    """Weights: multiples of 1/64 in [-0.5, 0.5)."""
    return rng.integers(-32, 32, size=shape).astype(np.float64) / 64.0


def jsonable(obj):
    """get_config() output as plain JSON (tuples become lists)."""
    return json.loads(json.dumps(obj, default=_json_default))


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return repr(o)


def first_line(error):
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    text = text.strip()
    return text.splitlines()[0] if text else ""


def set_random_weights(model):
    for v in model.weights:
        w = sample_weight(tuple(v.shape))
        if v.path.endswith("moving_variance"):
            w = w + 1.0
        v.assign(w.astype(v.dtype))


def weights_record(model):
    return [{"path": v.path, "shape": list(v.shape), "data": tensor(v.numpy())["data"]} for v in model.weights]


def summary_text(model, columns=80, **kwargs):
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        lines = []
        model.summary(print_fn=lambda text, line_break=True: lines.append(text), **kwargs)
        text = "\n".join(lines)
        # cross-check: the same text when printed to a redirected stdout
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            model.summary(**kwargs)
        assert buf.getvalue().rstrip("\n") == text.rstrip("\n"), "print_fn and stdout summaries differ"
        return text
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def saved_config(model, directory):
    path = os.path.join(directory, f"{model.name}.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        config = json.loads(archive.read("config.json"))
    return path, config, names


def renumber_shared_object_ids(config):
    """Keras writes "shared_object_id": id(obj) (a memory address) on every config of an object
    serialized more than once (in float32 models: the global DTypePolicy all layers share; the
    first occurrence has no id).  Replace those addresses by 1, 2, ... in order of first
    appearance so the file is reproducible; Keras only compares the ids with each other."""
    mapping = {}

    def walk(node):
        if isinstance(node, dict):
            if "shared_object_id" in node:
                node["shared_object_id"] = mapping.setdefault(node["shared_object_id"], len(mapping) + 1)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return len(mapping)


def structure_inputs(model, arrays):
    """Arrays in model.inputs order -> what model.predict expects (dict for dict inputs)."""
    struct = model._inputs_struct
    if isinstance(struct, dict):
        return {t.name: a for t, a in zip(model.inputs, arrays)}
    if len(arrays) == 1 and not isinstance(struct, (list, tuple)):
        return arrays[0]
    return list(arrays)


def flat_outputs(y):
    return [np.asarray(keras.ops.convert_to_numpy(t)) for t in keras.tree.flatten(y)]


def max_abs(a_list, b_list):
    return float(max(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))) for a, b in zip(a_list, b_list)))


def shape_list(shape):
    if isinstance(shape, list):
        return [shape_list(s) for s in shape]
    if isinstance(shape, dict):
        return {k: shape_list(v) for k, v in shape.items()}
    return list(shape)


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------
def residual_tcn(dt):
    x = keras.Input((16, 2), name="x", **dt)
    c1 = L.Conv1D(4, 3, padding="causal", activation="relu", name="c1", **dt)(x)
    c2 = L.Conv1D(4, 3, padding="causal", dilation_rate=2, name="c2", **dt)(c1)
    skip = L.Conv1D(4, 1, name="skip", **dt)(x)
    a = L.Add(name="add", **dt)([c2, skip])
    r = L.Activation("relu", name="relu", **dt)(a)
    out = L.Dense(1, name="head", **dt)(r)
    return keras.Model(x, out, name="residual_tcn")


def two_inputs():
    series = keras.Input((12, 1), name="series", **F64)
    calendar = keras.Input((12, 3), name="calendar", **F64)
    conv = L.Conv1D(4, 3, padding="causal", name="conv", **F64)(series)
    merged = L.Concatenate(name="concat", **F64)([conv, calendar])
    pooled = L.GlobalAveragePooling1D(name="pool", **F64)(merged)
    out = L.Dense(2, name="out", **F64)(pooled)
    return keras.Model([series, calendar], out, name="two_inputs")


def two_outputs():
    x = keras.Input((10, 2), name="x", **F64)
    trunk = L.Conv1D(3, 3, padding="causal", activation="relu", name="trunk", **F64)(x)
    level = L.Dense(1, name="level", **F64)(L.GlobalAveragePooling1D(name="pool", **F64)(trunk))
    sequence = L.Conv1D(1, 1, name="sequence", **F64)(trunk)
    return keras.Model(x, [level, sequence], name="two_outputs")


def shared_dense():
    a = keras.Input((4,), name="a", **F64)
    b = keras.Input((4,), name="b", **F64)
    shared = L.Dense(3, activation="tanh", name="shared", **F64)
    s = L.Add(name="add", **F64)([shared(a), shared(b)])
    out = L.Dense(1, name="head", **F64)(s)
    return keras.Model([a, b], out, name="shared_dense")


def shared_conv_twice():
    x = keras.Input((9, 2), name="x", **F64)
    conv = L.Conv1D(2, 3, padding="causal", activation="tanh", name="conv", **F64)
    y = conv(conv(x))
    out = L.Dense(1, name="head", **F64)(y)
    return keras.Model(x, out, name="shared_conv_twice")


def nested_sequential():
    x = keras.Input((10, 3), name="x", **F64)
    block = keras.Sequential([
        L.Conv1D(4, 3, padding="causal", activation="relu", name="b_conv1", **F64),
        L.Conv1D(3, 3, padding="same", name="b_conv2", **F64),
    ], name="block")
    y = block(x)
    s = L.Add(name="add", **F64)([x, y])
    out = L.Dense(2, name="head", **F64)(L.GlobalMaxPooling1D(name="pool", **F64)(s))
    return keras.Model(x, out, name="nested_sequential")


def nested_sequential_with_input():
    x = keras.Input((10, 3), name="x", **F64)
    block = keras.Sequential([
        keras.Input((10, 3), name="block_in", **F64),
        L.Conv1D(4, 3, padding="causal", activation="relu", name="b_conv1", **F64),
        L.Conv1D(3, 3, padding="same", name="b_conv2", **F64),
    ], name="block")
    s = L.Add(name="add", **F64)([x, block(x)])
    out = L.Dense(2, name="head", **F64)(L.GlobalMaxPooling1D(name="pool", **F64)(s))
    return keras.Model(x, out, name="nested_sequential_with_input")


def encoder():
    e_in = keras.Input((8, 2), name="e_in", **F64)
    h = L.Conv1D(3, 3, padding="causal", activation="relu", name="e_conv1", **F64)(e_in)
    h = L.Conv1D(2, 2, padding="valid", name="e_conv2", **F64)(h)
    return keras.Model(e_in, h, name="encoder")


def nested_functional_twice():
    enc = encoder()
    left = keras.Input((8, 2), name="left", **F64)
    right = keras.Input((8, 2), name="right", **F64)
    merged = L.Concatenate(name="concat", **F64)([enc(left), enc(right)])
    out = L.Dense(1, name="head", **F64)(L.Flatten(name="flat", **F64)(merged))
    return keras.Model([left, right], out, name="nested_functional_twice")


def nested_functional_once():
    enc = encoder()
    x = keras.Input((8, 2), name="x", **F64)
    out = L.Dense(1, name="head", **F64)(enc(x))
    return keras.Model(x, out, name="nested_functional_once")


def dict_io():
    a = keras.Input((6, 2), name="a", **F64)
    b = keras.Input((6, 2), name="b", **F64)
    c = keras.Input((6, 2), name="c", **F64)
    s = L.Add(name="add3", **F64)([L.Conv1D(2, 1, name="pa", **F64)(a), b, c])
    y1 = L.Dense(1, name="dense_y1", **F64)(L.GlobalAveragePooling1D(name="pool", **F64)(s))
    y2 = L.Conv1D(3, 2, padding="causal", name="conv_y2", **F64)(s)
    # dict keys "y1"/"y2" differ from the output layers' names on purpose
    return keras.Model(inputs={"b": b, "a": a, "c": c}, outputs={"y2": y2, "y1": y1}, name="dict_io")


def dict_io_keys_match():
    a = keras.Input((5,), name="a", **F64)
    b = keras.Input((5,), name="b", **F64)
    s = L.Add(name="add3", **F64)([a, b, L.Dense(5, name="proj", **F64)(a)])
    return keras.Model(inputs={"a": a, "b": b},
                       outputs={"z": L.Dense(2, name="z", **F64)(s), "w": L.Dense(1, name="w", **F64)(s)},
                       name="dict_io_keys_match")


def all_layers():
    x = keras.Input((12, 3), name="x", **F64)
    h = L.ZeroPadding1D((1, 1), name="pad", **F64)(x)
    h = L.Conv1D(4, 3, name="conv", **F64)(h)
    h = L.BatchNormalization(name="bn", **F64)(h)
    h = L.Activation("tanh", name="tanh", **F64)(h)
    a = L.UpSampling1D(2, name="up", **F64)(L.MaxPooling1D(2, name="maxpool", **F64)(h))
    b = L.AveragePooling1D(3, strides=1, padding="same", name="avgpool", **F64)(h)
    c = L.LayerNormalization(name="ln", **F64)(h)
    s = L.Add(name="add", **F64)([a, b, c])
    s = L.Dropout(0.5, name="drop", **F64)(s)
    flat = L.Flatten(name="flat", **F64)(s)
    out1 = L.Reshape((3, 2), name="reshape", **F64)(L.Dense(6, name="dense6", **F64)(flat))
    cropped = L.Cropping1D((2, 1), name="crop", **F64)(h)
    out2 = L.Dense(2, name="dense2", **F64)(L.GlobalMaxPooling1D(name="gmp", **F64)(cropped))
    gap = L.GlobalAveragePooling1D(name="gap", **F64)(h)
    cat = L.Concatenate(name="cat", **F64)([out2, gap])
    return keras.Model(x, [out1, cat], name="all_layers")


MODEL_CASES = [
    # id, what, builder, dtype, nested
    ("residual_tcn", "x(16,2) -> c1 Conv1D(4,3,causal,relu) -> c2 Conv1D(4,3,causal,dilation 2); "
     "skip Conv1D(4,1)(x); add([c2, skip]) -> relu -> head Dense(1)", lambda: residual_tcn(F64), "float64", False),
    ("residual_tcn_float32", "residual_tcn with Keras float32 defaults (no dtype arguments, no float64 patch)",
     lambda: residual_tcn({}), "float32", False),
    ("two_inputs", "series(12,1) -> conv Conv1D(4,3,causal); concat([conv, calendar(12,3)]) -> "
     "GlobalAveragePooling1D -> out Dense(2)", two_inputs, "float64", False),
    ("two_outputs", "x(10,2) -> trunk Conv1D(3,3,causal,relu) -> [level: GAP -> Dense(1) (rank 2), "
     "sequence: Conv1D(1,1) (rank 3)]", two_outputs, "float64", False),
    ("shared_dense", "one Dense(3, tanh) 'shared' applied to inputs a(4,) and b(4,), add -> head Dense(1)",
     shared_dense, "float64", False),
    ("shared_conv_twice", "one Conv1D(2,3,causal,tanh) 'conv' applied twice in sequence: conv(conv(x)), "
     "x(9,2) -> head Dense(1)", shared_conv_twice, "float64", False),
    ("nested_sequential", "Sequential 'block' [Conv1D(4,3,causal,relu), Conv1D(3,3,same)] used as a layer on "
     "x(10,3), add([x, block(x)]) -> GlobalMaxPooling1D -> head Dense(2)", nested_sequential, "float64", True),
    ("nested_sequential_with_input", "as nested_sequential, but the Sequential starts with keras.Input((10,3), "
     "name='block_in'), so it is built when constructed", nested_sequential_with_input, "float64", True),
    ("nested_functional_twice", "functional 'encoder' (e_in(8,2) -> Conv1D(3,3,causal,relu) -> Conv1D(2,2,valid)) "
     "called on left(8,2) and right(8,2), concat -> Flatten -> head Dense(1)", nested_functional_twice, "float64",
     True),
    ("nested_functional_once", "the same 'encoder' called once: x(8,2) -> encoder -> head Dense(1)",
     nested_functional_once, "float64", True),
    ("dict_io_three_way_add", "inputs dict {'b','a','c'} (6,2) each; add3([pa Conv1D(2,1)(a), b, c]); outputs dict "
     "{'y2': conv_y2 Conv1D(3,2,causal), 'y1': dense_y1 Dense(1)(GAP)}: keys differ from the layer names",
     dict_io, "float64", False),
    ("dict_io_keys_match", "inputs dict {'a','b'} (5,); add3([a, b, proj Dense(5)(a)]); outputs dict "
     "{'z': Dense(2) 'z', 'w': Dense(1) 'w'} (keys equal layer names, not sorted in the dict)",
     dict_io_keys_match, "float64", False),
    ("all_layers", "ZeroPadding1D, Conv1D, BatchNormalization, Activation, MaxPooling1D+UpSampling1D, "
     "AveragePooling1D(same, strides 1), LayerNormalization, 3-way Add, Dropout, Flatten, Dense, Reshape, "
     "Cropping1D, GlobalMaxPooling1D, GlobalAveragePooling1D, Concatenate; two outputs", all_layers, "float64",
     False),
]


def model_case(case_id, what, builder, dtype, nested, directory, batch=3):
    use_float64(dtype == "float64")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = builder()
        set_random_weights(model)
        arrays = [sample((batch,) + tuple(t.shape[1:])) for t in model.inputs]
        x = structure_inputs(model, arrays)
        predicted = model.predict(x, verbose=0, batch_size=batch)
        outputs = flat_outputs(predicted)
        eager = flat_outputs(model(keras.tree.map_structure(lambda a: torch.tensor(a, dtype=getattr(torch, dtype)), x)))
        path, saved, archive_names = saved_config(model, directory)
        shared_ids = renumber_shared_object_ids(saved)
        config = jsonable(model.get_config())

        from_json = keras.models.model_from_json(json.dumps(saved))
        from_json.set_weights(model.get_weights())
        from_config = keras.Model.from_config(model.get_config())
        from_config.set_weights(model.get_weights())
        loaded = keras.saving.load_model(path)
        reload_json = flat_outputs(from_json.predict(x, verbose=0, batch_size=batch))
        reload_config = flat_outputs(from_config.predict(x, verbose=0, batch_size=batch))
        reload_file = flat_outputs(loaded.predict(x, verbose=0, batch_size=batch))

        record = {
            "id": case_id, "what": what, "dtype": dtype,
            "model_get_config": config,
            "saved_config_json": saved,
            "summary": summary_text(model),
            "summary_wide": summary_text(model, columns=200),
        }
        if nested:
            record["summary_expand_nested"] = summary_text(model, expand_nested=True)
        record.update({
            "weights": weights_record(model),
            "input_names": [t.name for t in model.inputs],
            "inputs": [tensor(a) for a in arrays],
            "expected_outputs": [tensor(o) for o in outputs],
            "output_names": list(model.output_names),
            "layer_names": [layer.name for layer in model.layers],
            "layer_classes": [layer.__class__.__name__ for layer in model.layers],
        })
        info = {
            "input_structure": type(model._inputs_struct).__name__,
            "output_structure": type(model._outputs_struct).__name__,
            "output_keys": (list(model._outputs_struct.keys()) if isinstance(model._outputs_struct, dict) else None),
            "predict_returns": type(predicted).__name__,
            "predict_keys_in_order": list(predicted.keys()) if isinstance(predicted, dict) else None,
            "input_shape": shape_list(model.input_shape),
            "output_shape": shape_list(model.output_shape),
            "output_shapes": [list(o.shape) for o in outputs],
            "count_params": int(model.count_params()),
            "trainable_weight_paths": [v.path for v in model.trainable_weights],
            "non_trainable_weight_paths": [v.path for v in model.non_trainable_weights],
            "weight_dtypes": sorted({str(v.dtype) for v in model.weights}),
            "output_dtypes": sorted({str(o.dtype) for o in outputs}),
            "eager_call_vs_predict_max_abs": max_abs(eager, outputs),
            "reload_model_from_json_max_abs": max_abs(reload_json, outputs),
            "reload_from_config_max_abs": max_abs(reload_config, outputs),
            "reload_load_model_max_abs": max_abs(reload_file, outputs),
            "reloaded_weight_paths_equal": ([v.path for v in from_json.weights] == [v.path for v in model.weights]
                                            and [v.path for v in loaded.weights] == [v.path for v in model.weights]),
            "reloaded_get_config_equal": jsonable(from_json.get_config()) == config,
            "reloaded_weight_paths": {
                "model_from_json": [v.path for v in from_json.weights],
                "from_config": [v.path for v in from_config.weights],
                "load_model": [v.path for v in loaded.weights]},
            "keras_archive_files": sorted(archive_names),
            "saved_config_shared_object_ids_renumbered": shared_ids,
        }
    info["warnings"] = sorted({f"{w.category.__name__}: {first_line(w.message)}" for w in caught})
    record["info"] = info
    assert max(info[k] for k in info if k.endswith("_max_abs")) == 0.0 or dtype == "float32", (case_id, info)
    return record


# --------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------
TRAIN_RUNS = [
    # id, what, compile kwargs as code (evaluated with keras in scope)
    ("dict_loss_list_weights", "loss dict {level: mse, sequence: mae}, loss_weights list [1.0, 0.5], "
     "metrics dict {level: [mae], sequence: [mse]}",
     'dict(loss={"level": "mse", "sequence": "mae"}, loss_weights=[1.0, 0.5], '
     'metrics={"level": ["mae"], "sequence": ["mse"]})'),
    ("list_loss_list_weights", "the same as lists: loss [mse, mae], loss_weights [1.0, 0.5], metrics [[mae], [mse]]",
     'dict(loss=["mse", "mae"], loss_weights=[1.0, 0.5], metrics=[["mae"], ["mse"]])'),
    ("dict_loss_dict_weights", "loss dict, loss_weights dict {level: 1.0, sequence: 0.5}, metrics dict",
     'dict(loss={"level": "mse", "sequence": "mae"}, loss_weights={"level": 1.0, "sequence": 0.5}, '
     'metrics={"level": ["mae"], "sequence": ["mse"]})'),
    ("single_mse_flat_metrics", "one loss 'mse' for both outputs, no loss_weights, metrics=['mae'] (flat list)",
     'dict(loss="mse", metrics=["mae"])'),
    ("single_mse", "one loss 'mse' for both outputs, no loss_weights, no metrics",
     'dict(loss="mse")'),
    ("single_mse_metrics_per_output", "one loss 'mse' for both outputs, metrics [[mae], [mae]]",
     'dict(loss="mse", metrics=[["mae"], ["mae"]])'),
    ("list_loss_one_entry", "loss list with ONE entry [mse] for the two outputs (Keras accepts it)",
     'dict(loss=["mse"])'),
    ("dict_loss_sequence_none", "loss dict {level: mse, sequence: None}, metrics {level: [mae]}",
     'dict(loss={"level": "mse", "sequence": None}, metrics={"level": ["mae"]})'),
    ("list_loss_level_none", "loss list [None, mae], loss_weights [1.0, 0.5]",
     'dict(loss=[None, "mae"], loss_weights=[1.0, 0.5])'),
]


# Independent float64 torch re-computation of the training runs (no Keras code): the two_outputs
# forward pass, the losses as Keras defines them (mean over the last axis, then over the batch =
# the mean over all elements), the weighted sum, and plain SGD over the same batches.
XCHECK_LOSSES = {  # run id -> [(output index, "mse" | "mae", weight)]
    "dict_loss_list_weights": [(0, "mse", 1.0), (1, "mae", 0.5)],
    "list_loss_list_weights": [(0, "mse", 1.0), (1, "mae", 0.5)],
    "dict_loss_dict_weights": [(0, "mse", 1.0), (1, "mae", 0.5)],
    "single_mse": [(0, "mse", 1.0), (1, "mse", 1.0)],
    "single_mse_metrics_per_output": [(0, "mse", 1.0), (1, "mse", 1.0)],
    "list_loss_one_entry": [(0, "mse", 1.0)],
    "dict_loss_sequence_none": [(0, "mse", 1.0)],
    "list_loss_level_none": [(1, "mae", 0.5)],
}


def torch_two_outputs(w, x):
    k, b, lk, lb, sk, sb = w
    h = torch.nn.functional.pad(x.transpose(1, 2), (2, 0))  # causal: d*(k-1) = 2 zeros on the left
    h = torch.relu(torch.nn.functional.conv1d(h, k.permute(2, 1, 0)) + b[:, None]).transpose(1, 2)
    return h.mean(dim=1) @ lk + lb, h @ sk[0] + sb


def torch_loss(w, x, y, terms):
    outputs = torch_two_outputs(w, x)
    total = 0.0
    for index, kind, weight in terms:
        diff = outputs[index] - y[index]
        total = total + weight * (diff.square().mean() if kind == "mse" else diff.abs().mean())
    return total


def torch_fit(initial, x, y, vx, vy, terms, lr=0.05, batch_size=4, epochs=3):
    w = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in initial]
    x, vx = torch.tensor(x), torch.tensor(vx)
    y, vy = [torch.tensor(t) for t in y], [torch.tensor(t) for t in vy]
    val_losses = []
    for _ in range(epochs):
        for start in range(0, x.shape[0], batch_size):
            sl = slice(start, start + batch_size)
            loss = torch_loss(w, x[sl], [t[sl] for t in y], terms)
            grads = torch.autograd.grad(loss, [v for v in w], allow_unused=True)
            with torch.no_grad():
                for v, g in zip(w, grads):
                    if g is not None:
                        v -= lr * g
        with torch.no_grad():
            val_losses.append(float(torch_loss(w, vx, vy, terms)))
    return [v.detach().numpy() for v in w], val_losses


def training_section():
    use_float64(True)
    model = two_outputs()
    set_random_weights(model)
    initial = model.get_weights()
    n, n_val = 12, 4
    x = sample((n, 10, 2))
    y = [sample((n, 1)), sample((n, 10, 1))]
    vx = sample((n_val, 10, 2))
    vy = [sample((n_val, 1)), sample((n_val, 10, 1))]
    runs = []
    for run_id, what, compile_code in TRAIN_RUNS:
        model = two_outputs()
        model.set_weights(initial)
        code = (f"model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), **{compile_code})\n"
                "history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, "
                "validation_data=(vx, vy), verbose=0)\n"
                "result = model.evaluate(vx, vy, batch_size=4, return_dict=True, verbose=0)")
        run = {"id": run_id, "what": what, "code": code}
        epoch_weights, batch_logs = [], []
        callback = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: epoch_weights.append(weights_record(model)),
            on_train_batch_end=lambda batch, logs: batch_logs.append({k: float(v) for k, v in logs.items()}))
        stage = "compile"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), **eval(compile_code))
                stage = "fit"
                history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, validation_data=(vx, vy),
                                    verbose=0, callbacks=[callback])
                stage = "evaluate"
                result = model.evaluate(vx, vy, batch_size=4, return_dict=True, verbose=0)
                result_list = model.evaluate(vx, vy, batch_size=4, verbose=0)
                run.update({
                    "raises": False,
                    "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
                    "history_keys_in_order": list(history.history.keys()),
                    "weights_after_epoch": epoch_weights,
                    "batch_logs": batch_logs,
                    "final_weights": weights_record(model),
                    "evaluate": {k: float(v) for k, v in result.items()},
                    "evaluate_keys_in_order": list(result.keys()),
                    "evaluate_list": [float(v) for v in np.atleast_1d(result_list)],
                    "metrics_names": list(model.metrics_names),
                    "optimizer_config": jsonable(model.optimizer.get_config()),
                    "optimizer_iterations": int(model.optimizer.iterations.numpy()),
                    "learning_rate_dtype": str(model.optimizer.learning_rate.dtype),
                })
                if run_id in XCHECK_LOSSES:
                    ref_w, ref_val = torch_fit(initial, x, y, vx, vy, XCHECK_LOSSES[run_id])
                    run["xcheck_torch"] = {
                        "loss_terms": XCHECK_LOSSES[run_id],
                        "final_weights_max_abs": max_abs(ref_w, model.get_weights()),
                        "val_loss_max_abs": max(abs(a - b) for a, b in zip(ref_val, history.history["val_loss"]))}
            except Exception as error:  # noqa: BLE001  (recording what Keras raises)
                run.update({"raises": True, "stage": stage, "exception": type(error).__name__,
                            "message": first_line(error), "full_message": str(error)})
        run["warnings"] = sorted({f"{w.category.__name__}: {first_line(w.message)}" for w in caught})
        runs.append(run)
    return {
        "what": "fit runs of the two_outputs model (float64 layers, floatx float64 so losses, metrics and the "
                "optimizer are float64): SGD(learning_rate=0.05, momentum 0), 12 samples, batch_size 4 "
                "(3 steps per epoch), 3 epochs, shuffle=False, validation_data 4 samples; every run starts "
                "from initial_weights. history values are epoch means over the batches, val_* evaluate the "
                "validation data after the epoch; batch_logs are Keras' running means within the epoch.",
        "model": "two_outputs",
        "model_get_config": jsonable(two_outputs().get_config()),
        "output_names": ["level", "sequence"],
        "initial_weights": [{"path": v.path, "shape": list(v.shape), "data": tensor(w)["data"]}
                            for v, w in zip(model.weights, initial)],
        "x": tensor(x), "y": [tensor(t) for t in y],
        "validation_x": tensor(vx), "validation_y": [tensor(t) for t in vy],
        "runs": runs,
    }


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
TWO_OUT = ('x = keras.Input((10, 2), name="x")\n'
           't = L.Conv1D(3, 3, padding="causal", name="trunk")(x)\n'
           'model = keras.Model(x, [L.Dense(1, name="level")(L.GlobalAveragePooling1D()(t)), '
           'L.Conv1D(1, 1, name="sequence")(t)])\n'
           'xs = np.zeros((4, 10, 2)); ys = [np.zeros((4, 1)), np.zeros((4, 10, 1))]\n')
FIT = "model.fit(xs, ys, batch_size=4, epochs=1, verbose=0)"

ERRORS = [
    ("graph_disconnected", "the output does not depend on the given input",
     'a = keras.Input((3,), name="a")\nb = keras.Input((3,), name="b")\ny = L.Dense(1, name="d")(b)\n',
     [("model", 'keras.Model(a, y)')]),
    ("graph_disconnected_partial", "two inputs given, the output needs a third one",
     'a = keras.Input((3,), name="a")\nb = keras.Input((3,), name="b")\nc = keras.Input((3,), name="c")\n'
     'y = L.Add()([a, c])\n',
     [("model", 'keras.Model([a, b], y)')]),
    ("unused_input", "an input no output depends on",
     'a = keras.Input((3,), name="a")\nb = keras.Input((3,), name="b")\ny = L.Dense(1, name="d")(a)\n',
     [("model", 'model = keras.Model([a, b], y)'), ("inputs", 'assert len(model.inputs) == 2'),
      ("predict", 'model.predict([np.zeros((2, 3)), np.zeros((2, 3))], verbose=0)')]),
    ("duplicate_layer_names", "two different layers named 'd'",
     'x = keras.Input((3,), name="x")\ny = L.Dense(2, name="d")(L.Dense(2, name="d")(x))\n',
     [("model", 'keras.Model(x, y)')]),
    ("duplicate_input_names", "two Inputs named 'x'",
     'a = keras.Input((3,), name="x")\nb = keras.Input((3,), name="x")\n',
     [("model", 'keras.Model([a, b], L.Add()([a, b]))')]),
    ("dense_other_last_dim", "Dense built on last dim 3, then called on a tensor of last dim 5",
     'd = L.Dense(2, name="d")\nd(keras.Input((3,)))\n',
     [("call", 'd(keras.Input((5,)))')]),
    ("dense_other_last_dim_eager", "Dense built on last dim 3, then called eagerly on data of last dim 5",
     'd = L.Dense(2, name="d")\nd(np.zeros((2, 3)))\n',
     [("call", 'd(np.zeros((2, 5)))')]),
    ("conv1d_other_channels", "Conv1D built on 3 channels, then called on 5 channels",
     'c = L.Conv1D(2, 3, name="c")\nc(keras.Input((8, 3)))\n',
     [("call", 'c(keras.Input((8, 5)))')]),
    ("conv1d_other_length", "Conv1D built on length 8, then called on length 6 (same channels)",
     'c = L.Conv1D(2, 3, name="c")\nc(keras.Input((8, 3)))\n',
     [("call", 'y = c(keras.Input((6, 3)))'), ("shape", 'assert tuple(y.shape) == (None, 4, 2), y.shape')]),
    ("model_other_channels_eager", "a built model (Input (8,3)) called eagerly on data with 5 channels",
     'x = keras.Input((8, 3), name="x")\nmodel = keras.Model(x, L.Conv1D(2, 3, name="c")(x), name="m")\n',
     [("call", 'model(np.zeros((2, 8, 5)))')]),
    ("model_other_length_eager", "a built model (Input (8,3)) called eagerly on length 6",
     'x = keras.Input((8, 3), name="x")\nmodel = keras.Model(x, L.Conv1D(2, 3, name="c")(x), name="m")\n',
     [("call", 'y = model(np.zeros((2, 6, 3)))'), ("shape", 'assert tuple(y.shape) == (2, 4, 2), y.shape')]),
    ("empty_inputs", "Model(inputs=[], outputs=...)",
     'x = keras.Input((3,), name="x")\ny = L.Dense(1)(x)\n',
     [("model", 'keras.Model(inputs=[], outputs=y)')]),
    ("empty_outputs", "Model(inputs=x, outputs=[])",
     'x = keras.Input((3,), name="x")\n',
     [("model", 'keras.Model(inputs=x, outputs=[])')]),
    ("non_keras_tensor_input", "a numpy array as input",
     'x = keras.Input((3,), name="x")\ny = L.Dense(1)(x)\n',
     [("model", 'keras.Model(np.zeros((2, 3)), y)')]),
    ("wrong_number_of_inputs_eager_one", "a two-input model called eagerly with one array",
     'a = keras.Input((3,), name="a")\nb = keras.Input((3,), name="b")\nmodel = keras.Model([a, b], L.Add()([a, b]), name="m")\n',
     [("call", 'model(np.zeros((2, 3)))')]),
    ("wrong_number_of_inputs_eager_three", "a two-input model called eagerly with a list of three arrays",
     'a = keras.Input((3,), name="a")\nb = keras.Input((3,), name="b")\nmodel = keras.Model([a, b], L.Add()([a, b]), name="m")\n',
     [("call", 'model([np.zeros((2, 3))] * 3)')]),
    ("wrong_number_of_inputs_predict", "a two-input model's predict with one array",
     'a = keras.Input((3,), name="a")\nb = keras.Input((3,), name="b")\nmodel = keras.Model([a, b], L.Add()([a, b]), name="m")\n',
     [("predict", 'model.predict(np.zeros((2, 3)), verbose=0)')]),
    ("one_input_model_given_two", "a one-input model called eagerly with a list of two arrays",
     'x = keras.Input((3,), name="x")\nmodel = keras.Model(x, L.Dense(1)(x), name="m")\n',
     [("call", 'model([np.zeros((2, 3)), np.zeros((2, 3))])')]),
    ("loss_list_too_short", "loss list of length 1 for a two-output model",
     TWO_OUT, [("compile", 'model.compile(optimizer="sgd", loss=["mse"])'), ("fit", FIT)]),
    ("loss_list_too_long", "loss list of length 3 for a two-output model",
     TWO_OUT, [("compile", 'model.compile(optimizer="sgd", loss=["mse", "mse", "mae"])'), ("fit", FIT)]),
    ("loss_dict_unknown_name", "loss dict with an output name the model does not have",
     TWO_OUT, [("compile", 'model.compile(optimizer="sgd", loss={"level": "mse", "seq": "mae"})'), ("fit", FIT)]),
    ("loss_dict_missing_name", "loss dict naming only one of the two outputs",
     TWO_OUT, [("compile", 'model.compile(optimizer="sgd", loss={"level": "mse"})'), ("fit", FIT)]),
    ("loss_weights_wrong_length", "loss_weights list of length 3 for a two-output model",
     TWO_OUT, [("compile", 'model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[1.0, 0.5, 2.0])'),
               ("fit", FIT)]),
    ("metrics_dict_unknown_name", "metrics dict with an unknown output name",
     TWO_OUT, [("compile", 'model.compile(optimizer="sgd", loss="mse", metrics={"lvl": ["mae"]})'), ("fit", FIT)]),
    ("y_list_too_short", "a two-output model fit with a list of one target",
     TWO_OUT, [("compile", 'model.compile(optimizer="sgd", loss="mse")'),
               ("fit", 'model.fit(xs, ys[:1], batch_size=4, epochs=1, verbose=0)')]),
]


def error_case(case_id, what, setup, steps):
    use_float64(False)
    env = {"keras": keras, "L": L, "np": np}
    code = setup + "".join(step + "\n" for _, step in steps)
    record = {"id": case_id, "what": what, "code": code, "steps": [stage for stage, _ in steps]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(setup, env)  # the setup must succeed
        record["raises"] = False
        for stage, step in steps:
            try:
                exec(step, env)
            except Exception as error:  # noqa: BLE001  (recording what Keras raises)
                record.update({"raises": True, "stage": stage, "exception": type(error).__name__,
                               "message": first_line(error)})
                full = str(error)
                if "\n" in full.strip():
                    record["full_message"] = full
                break
    record["warnings"] = sorted({f"{w.category.__name__}: {first_line(w.message)}" for w in caught})
    return record


# --------------------------------------------------------------------------
def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "functional.json")
    cases = []
    with tempfile.TemporaryDirectory() as directory:
        for case_id, what, builder, dtype, nested in MODEL_CASES:
            cases.append(model_case(case_id, what, builder, dtype, nested, directory))
            print("case", case_id, "max reload diff",
                  max(v for k, v in cases[-1]["info"].items() if k.endswith("_max_abs")), file=sys.stderr)
    training = training_section()
    errors = [error_case(*e) for e in ERRORS]
    meta = {
        "kind": "functional_models",
        "keras": keras.__version__,
        "keras_git_tag": keras_env.KERAS_TAG,
        "keras_git_commit": keras_env.KERAS_COMMIT,
        "backend": keras.backend.backend(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "date": datetime.date.today().isoformat(),
        "generator": "tests/data/keras/generator/generate_functional.py",
        "run": "/usr/bin/python3 tests/data/keras/generator/generate_functional.py [out.json]  "
               "(Keras 3.15.1 source in /tmp/keras-src or $KERAS_SRC; runner: /work/shared/keras-runner, "
               "see its README)",
        "runner": "keras_env.load_keras('torch'), keras_env.shim_torch_squeeze_dims() (BatchNormalization, no "
                  "numerics); float64 cases and training: keras_env.keep_float64_in_result_type(keras, True) and "
                  "keras.config.set_floatx('float64'); float32 case and errors: Keras defaults",
        "seed": SEED,
        "conventions": "tensor = {shape, data} flat row-major float64; inputs k/64 in [-1, 1]; weights k/64 in "
                       "[-0.5, 0.5) set after building (BatchNormalization moving_variance 1 + that); "
                       "saved_config_json: Keras' shared_object_id values (memory addresses) renumbered 1, 2, ... "
                       "in order of first appearance (the reload checks use the renumbered JSON); "
                       "summary = model.summary() as printed to a non-terminal (80 columns -> 76-wide table), "
                       "summary_wide = the same on a >= 112-column terminal",
        "counts": {"cases": len(cases), "training_runs": len(training["runs"]), "errors": len(errors)},
    }
    with open(out_path, "w") as out:
        out.write('{"meta": ' + json.dumps(meta) + ',\n"cases": [\n')
        out.write(",\n".join(json.dumps(c) for c in cases))
        out.write('\n],\n"training": ' + json.dumps(training) + ',\n"errors": [\n')
        out.write(",\n".join(json.dumps(e) for e in errors))
        out.write("\n]}\n")
    with open(out_path) as f:
        json.load(f)  # well-formed
    print("wrote", out_path, os.path.getsize(out_path), "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
