#!/usr/bin/env python3
"""Write real Keras 3.15.1 model files (the `.keras` zip and `.weights.h5`) plus a JSON description
of each, so minidl's Keras-file reader and writer can be checked against what Keras itself writes.
Torch backend, float32 (Keras defaults) throughout.

What it writes (into tests/data/keras/files/ by default)
    <id>.keras        model.save(...)          zip: metadata.json, config.json, model.weights.h5
    <id>.weights.h5   model.save_weights(...)  the same HDF5 layout as model.weights.h5
    cases.json        {"meta": {...}, "cases": [...]}, one case per line.  Per case:
        id, what, model_class, layer_names / layer_classes (model.layers), input_names,
        output_names, compiled, compile_code (the compile() call as Python),
        files:        file names, sizes, sha256 of <id>.weights.h5 and of the zip's
                      model.weights.h5, the zip members (name, compress_type, sizes, date:
                      1980-01-01 for the JSON members, the time of saving for the h5)
        metadata_json the metadata.json of the zip (date_saved varies from run to run)
        config_json   config.json as Keras wrote it, except its "shared_object_id" values
                      (memory addresses) renumbered 1, 2, ... in order of first appearance
        h5:           listing of <id>.weights.h5 in h5py visititems order (alphabetical):
                      groups {"path", "kind": "group", "attrs"} and datasets
                      {"path", "kind": "dataset", "shape", "dtype"}
        weights:      model.weights order: {"path" (Keras variable path), "h5_path" (the
                      dataset holding it), "trainable", "shape", "data"}
        initial_weights  the weights before fit (same order, "path" and "data" only), k/64
        fit:          (compiled cases) x, y (model.inputs / model.outputs order), batch_size,
                      epochs, steps, shuffle=false, history (every logged key per epoch)
        inputs / expected_outputs   x in model.inputs order and model.predict(x) in
                      model.outputs order (after the fit)
        optimizer:    (compiled cases) class, config, iterations, and the variables in
                      optimizer.variables order = the datasets optimizer/vars/0..n-1:
                      {"index", "h5_path", "path", "shape", "dtype", "data"}
        resume:       (compiled cases) 2 more fit steps after the save: x, y, batch_size,
                      steps, history, weights_after (model.weights order), optimizer
                      iterations_after and variables_after -- what minidl must reproduce
                      after loading <id>.keras (or <id>.weights.h5) and fitting on x, y
        checks:       max abs differences Keras measured: predict after
                      keras.saving.load_model(<id>.keras), after load_weights(<id>.weights.h5)
                      into a freshly built model (its layers get other auto-names: matching is
                      by structure), after load_weights(<id>.keras); the optimizer variables
                      after reload; the weights after the 2 resume steps from the reloaded
                      model vs the original one; every warning Keras printed while loading.

Conventions: a tensor is {"shape": [...], "data": [...]}, data flat row-major float64 with full
round-trip precision (all values here are float32 or int32 numbers).  Inputs are multiples of
1/64 in [-1, 1], weights multiples of 1/64 in [-0.5, 0.5) set after building
(BatchNormalization moving_variance 1 + that); class targets are int32 labels.  No Dropout is
active in the fitted models (Dropout appears only in the uncompiled case), so every fit is
deterministic.

Determinism: the <id>.weights.h5 files and the zip's model.weights.h5 are byte-identical from
run to run (h5py writes no timestamps).  Not deterministic in <id>.keras: metadata.json's
date_saved ("%Y-%m-%d@%H:%M:%S", local time), the zip date of the model.weights.h5 member (the
two JSON members carry 1980-01-01 00:00:00), and config.json's shared_object_id values (memory
addresses).  cases.json (which leaves those out) differs only in meta.date.

Run (Debian 12, /usr/bin/python3 with python3-torch 1.13 and python3-h5py, the Keras 3.15.1
source extracted to /tmp/keras-src or $KERAS_SRC, see /work/shared/keras-runner/README.md):
    /usr/bin/python3 tests/data/keras/generator/generate_keras_files.py [out_dir]
(default out_dir: tests/data/keras/files next to this directory; KERAS_RUNNER points at the
runner directory, default /work/shared/keras-runner).
"""
import datetime
import hashlib
import io
import json
import os
import sys
import tempfile
import warnings
import zipfile

sys.path.insert(0, os.environ.get("KERAS_RUNNER", "/work/shared/keras-runner"))
import keras_env  # noqa: E402

keras = keras_env.load_keras("torch")
keras_env.shim_torch_squeeze_dims()  # BatchNormalization (torch 1.13 squeeze takes one dim)
keras_env.shim_torch_any_all_dims()  # Masking (torch 1.13 any takes one dim)

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from keras.src.saving import saving_lib  # noqa: E402

L = keras.layers
O = keras.optimizers
SEED = 20240607
rng = np.random.default_rng(SEED)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def to_numpy(a):
    return np.asarray(keras.ops.convert_to_numpy(a) if not isinstance(a, np.ndarray) else a)


def tensor(a):
    a = to_numpy(a)
    return {"shape": list(a.shape), "data": [float(v) for v in a.astype(np.float64).reshape(-1)]}


def sample(shape):
    """Inputs: multiples of 1/64 in [-1, 1] (float32)."""
    return (rng.integers(-64, 65, size=shape) / 64.0).astype(np.float32)


def labels(n, classes):
    return rng.integers(0, classes, size=(n,)).astype(np.int32)


def set_random_weights(model):
    for v in model.weights:
        w = rng.integers(-32, 32, size=tuple(v.shape)) / 64.0
        if v.path.endswith("moving_variance"):
            w = w + 1.0
        v.assign(w.astype(np.float32))


def max_abs(a_list, b_list):
    assert len(a_list) == len(b_list)
    if not a_list:
        return 0.0
    return float(max(np.max(np.abs(to_numpy(a).astype(np.float64) - to_numpy(b).astype(np.float64)))
                     if np.size(to_numpy(a)) else 0.0 for a, b in zip(a_list, b_list)))


def flat_outputs(y):
    return [to_numpy(t) for t in keras.tree.flatten(y)]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def renumber_shared_object_ids(config):
    """Keras writes "shared_object_id": id(obj) (a memory address) on objects serialized more than
    once (here: the global float32 DTypePolicy); replace them by 1, 2, ... in order of first
    appearance so cases.json is reproducible (Keras only compares the ids with each other)."""
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
    return config


def h5_listing(h5file):
    rows = []

    def attrs(obj):
        out = {}
        for k, v in obj.attrs.items():
            out[k] = v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)
        return out

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            rows.append({"path": "/" + name, "kind": "dataset", "shape": list(obj.shape), "dtype": str(obj.dtype),
                         **({"attrs": attrs(obj)} if len(obj.attrs) else {})})
        else:
            rows.append({"path": "/" + name, "kind": "group", "attrs": attrs(obj)})

    h5file.visititems(visit)
    return rows


def h5_values(h5file):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out["/" + name] = obj[()]

    h5file.visititems(visit)
    return out


class RecordingStore(saving_lib.H5IOStore):
    """Stands in for Keras's H5IOStore during saving_lib._save_state (Keras's own traversal) and
    records which group path and dataset key every variable goes to."""

    def __init__(self):  # noqa: super().__init__ would open a file
        self.records = []
        self.path = None

    def __bool__(self):
        return True

    def make(self, path, metadata=None):
        self.path = path
        return self

    def __setitem__(self, key, value):
        group = f"/{self.path}/vars" if self.path else "/vars"
        self.records.append((self.path, f"{group}/{key}", value))

    def close(self):
        pass


def keras_h5_paths(model):
    """{variable path: h5 dataset path} for the model's variables; [h5 path] for the optimizer's."""
    store = RecordingStore()
    saving_lib._save_state(model, weights_store=store, assets_store=None, inner_path="", visited_saveables=set())
    by_var, opt_paths = {}, []
    for path, h5_path, value in store.records:
        if path == "optimizer":
            opt_paths.append(h5_path)
        else:
            by_var[value.path] = h5_path
    return by_var, opt_paths


def output_names(model):
    """Functional: model.output_names (the names of the layers producing the outputs).  Sequential has
    no output_names attribute; its internal functional graph's names are given (the last layer's)."""
    if hasattr(model, "output_names"):
        return list(model.output_names)
    return list(model._functional.output_names)


def structure_inputs(model, arrays):
    return arrays[0] if len(arrays) == 1 else list(arrays)


def structure_targets(model, arrays):
    return arrays[0] if len(arrays) == 1 else list(arrays)


def optimizer_record(model, opt_paths=None):
    opt = model.optimizer
    variables = []
    for i, v in enumerate(opt.variables):
        rec = {"index": i, "path": v.path, "shape": list(v.shape), "dtype": str(v.dtype), **tensor(v.numpy())}
        if opt_paths is not None:
            rec["h5_path"] = opt_paths[i]
        variables.append(rec)
    return {"class": type(opt).__name__, "config": json.loads(json.dumps(opt.get_config(), default=str)),
            "iterations": int(opt.iterations.numpy()), "variables": variables}


def history_record(history):
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def collect_warnings(caught):
    return sorted({f"{w.category.__name__}: {str(w.message).strip()}" for w in caught})


# --------------------------------------------------------------------------
# models (only layers minidl has)
# --------------------------------------------------------------------------
def conv_classifier():
    return keras.Sequential([
        keras.Input((16, 2)),
        L.Conv1D(4, 3, activation="relu", name="conv_a"),
        L.MaxPooling1D(2, name="pool"),
        L.Conv1D(4, 3, padding="same", activation="relu", name="conv_b"),
        L.GlobalAveragePooling1D(name="gap"),
        L.Dense(3, activation="softmax", name="probs"),
    ], name="conv_classifier")


def residual_tcn_bn():
    x = keras.Input((16, 2), name="x")
    c1 = L.Conv1D(4, 3, padding="causal", name="c1")(x)
    b1 = L.BatchNormalization(name="bn1")(c1)
    r1 = L.Activation("relu", name="relu1")(b1)
    c2 = L.Conv1D(4, 3, padding="causal", dilation_rate=2, name="c2")(r1)
    skip = L.Conv1D(4, 1, name="skip")(x)
    s = L.Add(name="add")([c2, skip])
    b2 = L.BatchNormalization(name="bn2")(s)
    r2 = L.Activation("relu", name="relu2")(b2)
    pooled = L.GlobalAveragePooling1D(name="gap")(r2)
    out = L.Dense(1, name="head")(pooled)
    return keras.Model(x, out, name="residual_tcn_bn")


def two_in_two_out():
    left = keras.Input((10, 2), name="left")
    right = keras.Input((10, 2), name="right")
    shared = L.Conv1D(3, 3, padding="same", activation="tanh", name="shared_conv")
    merged = L.Concatenate(name="concat")([shared(left), shared(right)])  # (10, 6)
    trunk = keras.Sequential([
        L.Conv1D(4, 3, padding="causal", name="trunk_conv"),
        L.LayerNormalization(name="trunk_ln"),
        L.ZeroPadding1D(1, name="trunk_pad"),
        L.Cropping1D((1, 1), name="trunk_crop"),
    ], name="trunk")
    features = trunk(merged)  # (10, 4)
    hi = keras.Input((10, 4), name="head_in")
    hp = L.GlobalMaxPooling1D(name="head_pool")(hi)
    hd = L.Dense(4, activation="relu")(hp)  # auto-named dense*
    ho = L.Dense(3, activation="softmax", name="head_probs")(hd)
    cls_head = keras.Model(hi, ho, name="cls")
    cls = cls_head(features)
    level = L.Dense(1, name="level")(L.Dense(2)(L.GlobalAveragePooling1D(name="gap")(features)))
    return keras.Model([left, right], [level, cls], name="two_in_two_out")


def uncompiled_mixed():
    x = keras.Input((12, 3), name="x")
    h = L.Reshape((6, 6), name="reshape")(x)
    h = L.Conv1D(4, 2, name="conv")(h)                      # (5, 4)
    h = L.AveragePooling1D(2, padding="same", name="avg")(h)  # (3, 4)
    h = L.UpSampling1D(2, name="up")(h)                     # (6, 4)
    h = L.ZeroPadding1D((1, 2), name="pad")(h)              # (9, 4)
    h = L.Cropping1D((2, 1), name="crop")(h)                # (6, 4)
    h = L.Flatten(name="flat")(h)                           # 24
    h = L.Dense(5, name="fc")(h)
    h = L.Dropout(0.5, name="drop")(h)
    h = L.Activation("tanh", name="act")(h)
    out = L.Dense(2, name="out")(h)
    return keras.Model(x, out, name="uncompiled_mixed")


def ln_maxpool():
    return keras.Sequential([
        keras.Input((8, 3)),
        L.Conv1D(3, 2, name="conv"),
        L.LayerNormalization(name="ln"),
        L.GlobalMaxPooling1D(name="gmp"),
        L.Dense(2, name="out"),
    ], name="ln_maxpool")


def dense_on_sequence():
    x = keras.Input((6, 2), name="x")
    h = L.Dense(3, activation="relu", name="proj")(x)       # Dense on a 3-D input
    h = L.Flatten(name="flat")(h)
    out = L.Dense(1, name="out")(h)
    return keras.Model(x, out, name="dense_on_sequence")


def recurrent_stack():
    return keras.Sequential([keras.Input((6, 3)), L.Masking(0.0), L.LSTM(4, return_sequences=True, name="lstm"),
                             L.TimeDistributed(L.Dense(2), name="per_step"),
                             L.Bidirectional(L.GRU(3), merge_mode="ave", name="both_ways"), L.Dense(1, name="out")],
                            name="recurrent_stack")


def tiny_dense():
    return keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu"), L.Dense(2)], name="tiny_dense")


# (id, what, builder, compile_code or None, data spec)
#   data spec: n_fit, batch_size, epochs, n_resume, resume_batch_size, target kind per output
CASES = [
    ("a_seq_conv_adam",
     "Sequential Conv1D classifier: Input((16,2)) -> Conv1D(4,3,relu) -> MaxPooling1D(2) -> Conv1D(4,3,same,relu) "
     "-> GlobalAveragePooling1D -> Dense(3,softmax); Adam(0.01) + sparse_categorical_crossentropy + accuracy; "
     "fit 12 samples, batch 4, 1 epoch (3 steps)",
     conv_classifier,
     'model.compile(optimizer=O.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy", '
     'metrics=["accuracy"])',
     {"n_fit": 12, "batch_size": 4, "epochs": 1, "n_resume": 8, "resume_batch_size": 4, "targets": [("class", 3)]}),
    ("b_tcn_bn_sgdm",
     "functional residual TCN with BatchNormalization (non-trainable moving stats): c1 -> bn1 -> relu1 -> c2 "
     "(dilation 2) + skip Conv1D(4,1) -> Add -> bn2 -> relu2 -> GAP -> Dense(1); SGD(0.05, momentum=0.9) + mse + "
     "metrics [mae]; fit 8 samples, batch 4, 2 epochs (4 steps)",
     residual_tcn_bn,
     'model.compile(optimizer=O.SGD(learning_rate=0.05, momentum=0.9), loss="mse", metrics=["mae"])',
     {"n_fit": 8, "batch_size": 4, "epochs": 2, "n_resume": 8, "resume_batch_size": 4, "targets": [("real", 1)]}),
    ("c_two_in_two_out_rmsprop",
     "two inputs (left, right), a shared Conv1D applied to both, Concatenate, a nested Sequential 'trunk' "
     "(Conv1D, LayerNormalization, ZeroPadding1D, Cropping1D), a nested functional 'cls' (GlobalMaxPooling1D, "
     "auto-named Dense, Dense softmax) as output 'cls', and an output 'level' (GAP, auto-named Dense, Dense(1)); "
     "RMSprop(0.01) + dict losses + loss_weights + per-output metrics; fit 8 samples, batch 4, 1 epoch (2 steps)",
     two_in_two_out,
     'model.compile(optimizer=O.RMSprop(learning_rate=0.01), '
     'loss={"level": "mse", "cls": "sparse_categorical_crossentropy"}, loss_weights={"level": 1.0, "cls": 0.5}, '
     'metrics={"level": ["mae"], "cls": ["accuracy"]})',
     {"n_fit": 8, "batch_size": 4, "epochs": 1, "n_resume": 8, "resume_batch_size": 4,
      "targets": [("real", 1), ("class", 3)]}),
    ("d_uncompiled_functional",
     "uncompiled functional model: Reshape -> Conv1D -> AveragePooling1D(same) -> UpSampling1D -> ZeroPadding1D "
     "-> Cropping1D -> Flatten -> Dense -> Dropout -> Activation(tanh) -> Dense(2); no optimizer group, no "
     "compile_config",
     uncompiled_mixed, None, {"n_predict": 4}),
    ("e_seq_ln_amsgrad",
     "Sequential Conv1D -> LayerNormalization -> GlobalMaxPooling1D -> Dense(2); Adam(0.01, amsgrad=True) + mse; "
     "fit 8 samples, batch 4, 1 epoch (2 steps)",
     ln_maxpool,
     'model.compile(optimizer=O.Adam(learning_rate=0.01, amsgrad=True), loss="mse")',
     {"n_fit": 8, "batch_size": 4, "epochs": 1, "n_resume": 8, "resume_batch_size": 4, "targets": [("real", 2)]}),
    ("f_dense_seq_adamw",
     "functional Dense(3, relu) on a (6,2) sequence -> Flatten -> Dense(1); AdamW(0.01, weight_decay=0.05) + mae; "
     "fit 8 samples, batch 8, 3 epochs (3 steps)",
     dense_on_sequence,
     'model.compile(optimizer=O.AdamW(learning_rate=0.01, weight_decay=0.05), loss="mae")',
     {"n_fit": 8, "batch_size": 8, "epochs": 3, "n_resume": 8, "resume_batch_size": 4, "targets": [("real", 1)]}),
    ("g_compiled_unfitted_adam",
     "Sequential Dense(3,relu) -> Dense(2) with auto names, compiled with Adam() + mse but never fitted: the "
     "optimizer is not built, so optimizer/vars holds only 0 (iteration) and 1 (learning_rate); "
     "load_model warns and skips the optimizer state (2 saved vs 10 after its build); resuming starts at "
     "iteration 0 with zero slots",
     tiny_dense,
     'model.compile(optimizer=O.Adam(), loss="mse")',
     {"n_fit": 0, "n_resume": 6, "resume_batch_size": 3, "targets": [("real", 2)]}),
    ("h_recurrent_adam",
     "Sequential recurrent stack: Input((6,3)) -> Masking -> LSTM(4, return_sequences) -> TimeDistributed(Dense(2)) "
     "-> Bidirectional(GRU(3), merge_mode='ave') -> Dense(1); the recurrent weights sit in each layer's cell "
     "(lstm/cell/vars, both_ways/forward_layer/cell/vars); Adam(0.01) + mse; fit 8 samples, batch 4, 1 epoch",
     recurrent_stack,
     'model.compile(optimizer=O.Adam(learning_rate=0.01), loss="mse")',
     {"n_fit": 8, "batch_size": 4, "epochs": 1, "n_resume": 8, "resume_batch_size": 4, "targets": [("real", 1)]}),
]


def make_data(model, spec, n):
    xs = [sample((n,) + tuple(t.shape[1:])) for t in model.inputs]
    ys = []
    for (kind, size), t in zip(spec["targets"], model.outputs):
        ys.append(labels(n, size) if kind == "class" else sample((n, size)))
    return xs, ys


def compile_model(model, code):
    exec(code, {"model": model, "O": O, "keras": keras})


def model_case(case_id, what, builder, compile_code, spec, out_dir):
    model = builder()
    set_random_weights(model)
    initial = [{"path": v.path, **tensor(v.numpy())} for v in model.weights]
    case = {"id": case_id, "what": what, "model_class": type(model).__name__,
            "layer_names": [l.name for l in model.layers], "layer_classes": [type(l).__name__ for l in model.layers],
            "input_names": [t.name for t in model.inputs], "output_names": output_names(model),
            "compiled": compile_code is not None, "compile_code": compile_code, "dtype": "float32"}
    fit_x = fit_y = None
    if compile_code is not None:
        compile_model(model, compile_code)
        if spec["n_fit"]:
            fit_x, fit_y = make_data(model, spec, spec["n_fit"])
            hist = model.fit(structure_inputs(model, fit_x), structure_targets(model, fit_y),
                             batch_size=spec["batch_size"], epochs=spec["epochs"], shuffle=False, verbose=0)
            case["fit"] = {"x": [tensor(a) for a in fit_x], "y": [tensor(a) for a in fit_y],
                           "y_dtypes": [str(a.dtype) for a in fit_y],
                           "batch_size": spec["batch_size"], "epochs": spec["epochs"],
                           "steps": int(model.optimizer.iterations.numpy()), "shuffle": False,
                           "history": history_record(hist)}
        else:
            case["fit"] = None
    case["initial_weights"] = initial
    if fit_x is not None:
        pred_x = fit_x
    else:
        n = spec.get("n_predict", 4)
        pred_x = [sample((n,) + tuple(t.shape[1:])) for t in model.inputs]
    expected = flat_outputs(model.predict(structure_inputs(model, pred_x), verbose=0))
    case["inputs"] = [tensor(a) for a in pred_x]
    case["expected_outputs"] = [tensor(a) for a in expected]

    # ---- save
    keras_path = os.path.join(out_dir, f"{case_id}.keras")
    weights_path = os.path.join(out_dir, f"{case_id}.weights.h5")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.save(keras_path)
        model.save_weights(weights_path)
    save_warnings = collect_warnings(caught)

    with zipfile.ZipFile(keras_path) as zf:
        members = [{"name": i.filename, "compress_type": i.compress_type, "file_size": i.file_size,
                    "compress_size": i.compress_size,
                    "date_time": list(i.date_time) if i.date_time == (1980, 1, 1, 0, 0, 0) else "time of saving"}
                   for i in zf.infolist()]
        metadata = json.loads(zf.read("metadata.json"))
        assert datetime.datetime.strptime(metadata["date_saved"], "%Y-%m-%d@%H:%M:%S")
        metadata["date_saved"] = "<time of saving, %Y-%m-%d@%H:%M:%S>"
        config = json.loads(zf.read("config.json"))
        inner_h5 = zf.read("model.weights.h5")
    with open(weights_path, "rb") as f:
        outer_h5 = f.read()
    with h5py.File(weights_path, "r") as f:
        listing = h5_listing(f)
        values = h5_values(f)
    with h5py.File(io.BytesIO(inner_h5), "r") as f:
        inner_listing = h5_listing(f)
        inner_values = h5_values(f)
    assert listing == inner_listing, "model.weights.h5 and .weights.h5 differ in layout"
    assert all(np.array_equal(values[k], inner_values[k]) for k in values), "their values differ"

    by_var, opt_paths = keras_h5_paths(model)
    weights = []
    for v in model.weights:
        h5_path = by_var[v.path]
        assert np.array_equal(values[h5_path], v.numpy()), (v.path, h5_path)
        weights.append({"path": v.path, "h5_path": h5_path, "trainable": bool(v.trainable),
                        "shape": list(v.shape), "data": tensor(v.numpy())["data"]})
    case["files"] = {"keras": os.path.basename(keras_path), "weights_h5": os.path.basename(weights_path),
                     "keras_size": os.path.getsize(keras_path), "weights_h5_size": len(outer_h5),
                     "weights_h5_sha256": sha256(outer_h5), "zip_model_weights_h5_sha256": sha256(inner_h5),
                     "zip_model_weights_h5_size": len(inner_h5), "zip_members": members}
    case["metadata_json"] = metadata
    case["config_json"] = renumber_shared_object_ids(config)
    case["h5"] = listing
    case["weights"] = weights
    if compile_code is not None:
        case["optimizer"] = optimizer_record(model, opt_paths)
        for rec in case["optimizer"]["variables"]:
            assert np.array_equal(values[rec["h5_path"]], np.asarray(model.optimizer.variables[rec["index"]].numpy()))
    checks = {"save_warnings": save_warnings}

    # ---- reload checks (Keras reading its own files)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reloaded = keras.saving.load_model(keras_path)
    checks["load_model_warnings"] = collect_warnings(caught)
    checks["load_model_predict_max_abs"] = max_abs(
        flat_outputs(reloaded.predict(structure_inputs(reloaded, pred_x), verbose=0)), expected)
    checks["load_model_weights_max_abs"] = max_abs(reloaded.weights, model.weights)
    checks["load_model_layer_names"] = [l.name for l in reloaded.layers]

    fresh = builder()  # other auto-generated names; the file is matched by structure
    checks["fresh_model_layer_names"] = [l.name for l in fresh.layers]
    if compile_code is not None:
        compile_model(fresh, compile_code)
        fresh.optimizer.build(fresh.trainable_variables)  # otherwise load_weights skips the optimizer state
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh.load_weights(weights_path)
    checks["load_weights_h5_warnings"] = collect_warnings(caught)
    checks["load_weights_h5_predict_max_abs"] = max_abs(
        flat_outputs(fresh.predict(structure_inputs(fresh, pred_x), verbose=0)), expected)

    fresh2 = builder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh2.load_weights(keras_path)
    checks["load_weights_keras_warnings"] = collect_warnings(caught)
    checks["load_weights_keras_predict_max_abs"] = max_abs(
        flat_outputs(fresh2.predict(structure_inputs(fresh2, pred_x), verbose=0)), expected)

    if compile_code is not None:
        saved_opt = [v.numpy() for v in model.optimizer.variables]
        checks["load_model_optimizer_built"] = bool(reloaded.optimizer.built)
        checks["load_model_optimizer_iterations"] = int(reloaded.optimizer.iterations.numpy())
        checks["load_model_optimizer_variable_count"] = len(reloaded.optimizer.variables)
        if len(reloaded.optimizer.variables) == len(saved_opt):
            checks["load_model_optimizer_max_abs"] = max_abs(reloaded.optimizer.variables, saved_opt)
        checks["load_weights_h5_optimizer_iterations"] = int(fresh.optimizer.iterations.numpy())

        # ---- resume: 2 more steps on new data, original vs reloaded models
        rx, ry = make_data(model, spec, spec["n_resume"])
        hist = model.fit(structure_inputs(model, rx), structure_targets(model, ry),
                         batch_size=spec["resume_batch_size"], epochs=1, shuffle=False, verbose=0)
        r_hist = reloaded.fit(structure_inputs(reloaded, rx), structure_targets(reloaded, ry),
                              batch_size=spec["resume_batch_size"], epochs=1, shuffle=False, verbose=0)
        f_hist = fresh.fit(structure_inputs(fresh, rx), structure_targets(fresh, ry),
                           batch_size=spec["resume_batch_size"], epochs=1, shuffle=False, verbose=0)
        steps = spec["n_resume"] // spec["resume_batch_size"]
        assert steps == 2
        after = optimizer_record(model)
        case["resume"] = {
            "x": [tensor(a) for a in rx], "y": [tensor(a) for a in ry], "y_dtypes": [str(a.dtype) for a in ry],
            "batch_size": spec["resume_batch_size"], "epochs": 1, "steps": steps, "shuffle": False,
            "history": history_record(hist),
            "weights_after": [{"path": v.path, **tensor(v.numpy())} for v in model.weights],
            "optimizer_iterations_after": after["iterations"],
            "optimizer_variables_after": [{k: r[k] for k in ("index", "path", "shape", "data")}
                                          for r in after["variables"]],
        }
        checks["resume_load_model_weights_max_abs"] = max_abs(reloaded.weights, model.weights)
        checks["resume_load_model_optimizer_max_abs"] = max_abs(reloaded.optimizer.variables,
                                                                model.optimizer.variables)
        checks["resume_load_model_history_max_abs"] = max(
            abs(a - b) for k in hist.history for a, b in zip(hist.history[k], r_hist.history[k]))
        checks["resume_load_weights_h5_weights_max_abs"] = max_abs(fresh.weights, model.weights)
        checks["resume_load_weights_h5_history_max_abs"] = max(
            abs(a - b) for k in hist.history for a, b in zip(hist.history[k], f_hist.history[k]))
    case["checks"] = checks
    return case


# --------------------------------------------------------------------------
def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "files")
    os.makedirs(out_dir, exist_ok=True)
    cases = []
    for case_id, what, builder, compile_code, spec in CASES:
        keras.backend.clear_session()  # auto-names restart (dense, dense_1, ...) in every case
        cases.append(model_case(case_id, what, builder, compile_code, spec, out_dir))
        c = cases[-1]["checks"]
        print("case", case_id, {k: v for k, v in c.items() if k.endswith("max_abs")}, file=sys.stderr)
    meta = {
        "kind": "keras_files",
        "keras": keras.__version__,
        "keras_git_tag": keras_env.KERAS_TAG,
        "keras_git_commit": keras_env.KERAS_COMMIT,
        "backend": keras.backend.backend(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "h5py": h5py.__version__,
        "hdf5": h5py.version.hdf5_version,
        "python": sys.version.split()[0],
        "date": datetime.date.today().isoformat(),
        "generator": "tests/data/keras/generator/generate_keras_files.py",
        "run": "/usr/bin/python3 tests/data/keras/generator/generate_keras_files.py [out_dir]  "
               "(Keras 3.15.1 source in /tmp/keras-src or $KERAS_SRC; runner: /work/shared/keras-runner, "
               "see its README)",
        "runner": "keras_env.load_keras('torch'), keras_env.shim_torch_squeeze_dims() (BatchNormalization, no "
                  "numerics); float32 Keras defaults",
        "seed": SEED,
        "conventions": "tensor = {shape, data} flat row-major float64 (values are float32/int32 numbers); "
                       "inputs k/64 in [-1, 1]; weights k/64 in [-0.5, 0.5) set after building "
                       "(BatchNormalization moving_variance 1 + that); class targets int32; x/y lists follow "
                       "model.inputs / model.outputs order; config_json: shared_object_id renumbered 1, 2, ...",
        "not_deterministic": "in <id>.keras: metadata.json date_saved, the zip date of model.weights.h5, "
                             "config.json shared_object_id values (memory addresses); <id>.weights.h5 and the "
                             "zip's model.weights.h5 are byte-identical between runs",
        "counts": {"cases": len(cases)},
    }
    out_path = os.path.join(out_dir, "cases.json")
    with open(out_path, "w") as out:
        out.write('{"meta": ' + json.dumps(meta) + ',\n"cases": [\n')
        out.write(",\n".join(json.dumps(c) for c in cases))
        out.write("\n]}\n")
    with open(out_path) as f:
        json.load(f)  # well-formed
    total = sum(os.path.getsize(os.path.join(out_dir, n)) for n in os.listdir(out_dir))
    print("wrote", out_dir, "total", total, "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
