#!/usr/bin/env python3
"""Record golden optimizer trajectories from real Keras 3 (torch backend).

What it writes
    optimizers_extra.json: 5-step full-batch `Model.fit` runs of the model, data
    and initial weights of the "sgd" case of training_trajectories.json
        Input((6, 2)) -> Conv1D(4, 3, padding="causal", name="conv")
                      -> GlobalAveragePooling1D -> Dense(1, name="dense"),
        loss "mse" (+ sum(model.losses)), fit(batch_size=8, epochs=5, shuffle=False),
    one case per optimizer configuration in CASES below (momentum/Nesterov SGD,
    AMSGrad, Adamax, Adagrad, centered RMSprop, clipping, weight decay, the
    learning-rate schedules and the UnitNorm/MinMaxNorm constraints).  Per step:
    `learning_rate` (the value the step used: the schedule at iterations =
    step - 1), `loss_total` (evaluated by Keras before the step),
    `keras_fit_logged_loss` and `weights_after` (after the update and the
    constraints).  Per case also: the optimizer's get_config(), the schedule's
    get_config() and its values at iterations 0..9, and `optimizer_state_after`
    (every optimizer variable, by Keras variable path, after the last step).
    Each case is run in float64 (top level) and with plain Keras float32
    defaults (`keras_float32`).  `xcheck` holds the distance of the float64 run
    from an independent NumPy float64 re-computation (forward/backward of this
    model, the Keras 3 update rules, schedule formulas and constraints written
    out below; no Keras code is used for it).

How float64 is kept float64
    keras.config.set_floatx("float64") is not enough on the torch backend:
    Keras >= 3.12 maps float64 to float32 in its type promotion
    (keras.src.backend.common.dtypes.BIT64_TO_BIT32_DTYPE) on every backend
    except TensorFlow, so ops.mean/ops.matmul of float64 tensors are computed
    in float32 (~1e-9 errors).  For the float64 runs this script sets that
    table's "float64" entry to "float64" (the TensorFlow-backend rule) and
    restores it for the float32 runs; it asserts that every model weight,
    optimizer variable and learning rate of a float64 run is float64.

Requirements
    * Keras 3 source or install (recorded: 3.15.1, git tag v3.15.1), importable
      with KERAS_BACKEND=torch (the script sets it);
    * torch and numpy (Debian 12: python3-torch 1.13, python3-numpy), plus
      Keras' deps python3-absl, python3-rich, python3-h5py, python3-packaging;
    * on Debian 12 (no ml_dtypes/optree/namex packages, torch 1.13 < 2):
      the stubs directory with `ml_dtypes/` (a stand-in) and
      `torch113_compat.py` (backfills the few torch 2 names Keras 3.15 touches);
      it is imported when present and is a no-op on torch >= 2.
    * the reference file training_trajectories.json (model, x, y, initial weights).

Run (Debian 12, with /usr/bin/python3, which has python3-torch):
    /usr/bin/python3 generate_optimizer_trajectories.py \
        --keras-src /tmp/keras-gen/keras-src --stubs /tmp/keras-gen/stubs \
        --reference /work/shared/conformance/training_trajectories.json \
        --out out/optimizers_extra.json
    # re-run cases of an existing golden file and report the differences:
    /usr/bin/python3 generate_optimizer_trajectories.py ... \
        --verify /work/shared/conformance/training_trajectories.json [--verify-cases sgd,adam]
"""

import argparse
import dataclasses
import json
import math
import os
import platform
import sys

import numpy as np

STEPS = 5
BATCH_SIZE = 8
SCHEDULE_VALUE_ITERATIONS = 10  # schedule_values holds iterations 0..9
LAYER_CONFIG_DROP = ("name", "trainable", "dtype")  # as in training_trajectories.json
KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), used by the norm constraints


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------
@dataclasses.dataclass
class Case:
    id: str
    optimizer: str  # class name in keras.optimizers
    optimizer_kwargs: dict
    schedule: tuple = None  # (class name in keras.optimizers.schedules, kwargs)
    kernel_constraint: tuple = None  # (class name in keras.constraints, kwargs)

    def description(self):
        def call(name, kwargs, leading=()):
            args = list(leading) + [f"{k}={v!r}" for k, v in kwargs.items()]
            return f"{name}({', '.join(args)})"

        leading = [call(*self.schedule)] if self.schedule else []
        text = call(self.optimizer, self.optimizer_kwargs, leading)
        if self.kernel_constraint:
            text = f"Conv1D kernel_constraint={call(*self.kernel_constraint)}; {text}"
        return text


def _sgd_schedule(case_id, class_name, **kwargs):
    return Case(case_id, "SGD", {"momentum": 0.0}, schedule=(class_name, kwargs))


CASES = [
    Case("sgd_momentum", "SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    Case("sgd_nesterov", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    Case("adam_amsgrad", "Adam", {"learning_rate": 0.01, "amsgrad": True}),
    Case("adamax", "Adamax", {"learning_rate": 0.01}),
    Case("adagrad", "Adagrad", {"learning_rate": 0.1}),
    Case("rmsprop_centered", "RMSprop", {"learning_rate": 0.01, "centered": True}),
    Case("rmsprop_centered_momentum", "RMSprop",
         {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    Case("sgd_clipnorm", "SGD", {"learning_rate": 0.1, "clipnorm": 0.05}),
    Case("sgd_clipvalue", "SGD", {"learning_rate": 0.1, "clipvalue": 0.01}),
    Case("adam_weight_decay", "Adam", {"learning_rate": 0.01, "weight_decay": 0.1}),
    _sgd_schedule("exponential_decay", "ExponentialDecay",
                  initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5),
    _sgd_schedule("exponential_decay_staircase", "ExponentialDecay",
                  initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5, staircase=True),
    _sgd_schedule("inverse_time_decay", "InverseTimeDecay",
                  initial_learning_rate=0.1, decay_steps=1, decay_rate=0.5),
    _sgd_schedule("piecewise_constant", "PiecewiseConstantDecay",
                  boundaries=[1, 3], values=[0.1, 0.05, 0.01]),
    _sgd_schedule("polynomial_decay", "PolynomialDecay",
                  initial_learning_rate=0.1, decay_steps=4, end_learning_rate=0.01, power=2.0),
    _sgd_schedule("polynomial_decay_cycle", "PolynomialDecay",
                  initial_learning_rate=0.1, decay_steps=2, end_learning_rate=0.01, power=2.0,
                  cycle=True),
    _sgd_schedule("cosine_decay", "CosineDecay",
                  initial_learning_rate=0.1, decay_steps=4, alpha=0.1),
    _sgd_schedule("cosine_decay_restarts", "CosineDecayRestarts",
                  initial_learning_rate=0.1, first_decay_steps=2, t_mul=2.0, m_mul=0.5,
                  alpha=0.1),
    Case("unitnorm", "SGD", {"learning_rate": 0.1}, kernel_constraint=("UnitNorm", {"axis": 0})),
    Case("minmaxnorm", "SGD", {"learning_rate": 0.1},
         kernel_constraint=("MinMaxNorm",
                            {"min_value": 0.2, "max_value": 0.5, "rate": 0.7, "axis": [0, 1]})),
]


# --------------------------------------------------------------------------
# Keras set-up
# --------------------------------------------------------------------------
def import_keras(keras_src, stubs):
    """Import Keras with the torch backend; returns (keras, source description)."""
    os.environ["KERAS_BACKEND"] = "torch"
    for path in (keras_src, stubs):
        if path:
            if not os.path.isdir(path):
                sys.exit(f"not a directory: {path}")
            sys.path.insert(0, os.path.abspath(path))
    patched = []
    if stubs:
        import torch113_compat  # noqa: F401  (must precede `import keras`)

        patched = list(torch113_compat.PATCHED)
    import keras

    if keras.backend.backend() != "torch":
        sys.exit(f"expected the torch backend, got {keras.backend.backend()}")
    source = {"keras_version": keras.__version__, "keras_file": keras.__file__,
              "torch_shims": patched}
    if keras_src:
        stamp = os.path.join(keras_src, "KERAS_SOURCE.txt")
        if os.path.exists(stamp):
            with open(stamp) as f:
                source["keras_source"] = f.read().strip()
    if stubs:
        import ml_dtypes

        source["ml_dtypes"] = getattr(ml_dtypes, "__version__", "?")
    return keras, source


class Precision:
    """Switch between the float64 golden mode and plain Keras float32 defaults."""

    def __init__(self, keras):
        from keras.src.backend.common import dtypes

        self.keras = keras
        self.table = dtypes.BIT64_TO_BIT32_DTYPE
        self.default_float64_entry = self.table["float64"]

    def use(self, floatx):
        self.keras.config.set_floatx(floatx)
        if floatx == "float64":
            # Keras' TensorFlow-backend rule: float64 stays float64 in result_type.
            self.table["float64"] = "float64"
        else:
            self.table["float64"] = self.default_float64_entry


# --------------------------------------------------------------------------
# Tensors <-> JSON
# --------------------------------------------------------------------------
def to_numpy(keras, value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def encode(array):
    array = np.asarray(array)
    return {"shape": list(array.shape), "data": [float(v) for v in array.astype(np.float64).ravel()]}


def decode(tensor, dtype="float64"):
    return np.array(tensor["data"], dtype=dtype).reshape(tensor["shape"])


# --------------------------------------------------------------------------
# One Keras fit run
# --------------------------------------------------------------------------
def build_model(keras, layer_specs):
    """layer_specs: [(class name, config without name)] after the Input((6, 2)).

    Conv1D is named "conv" and Dense "dense", which gives the weight paths
    conv/kernel, conv/bias, dense/kernel, dense/bias of the reference files."""
    names = {"Conv1D": "conv", "Dense": "dense"}
    inputs = keras.Input((6, 2))
    h = inputs
    for class_name, config in layer_specs:
        config = dict(config)
        if class_name in names:
            config["name"] = names[class_name]
        layer = getattr(keras.layers, class_name).from_config(config)
        h = layer(h)
    return keras.Model(inputs, h)


def recorded_layer_configs(model):
    out = []
    for layer in model.layers[1:]:  # skip the InputLayer
        config = {k: v for k, v in layer.get_config().items() if k not in LAYER_CONFIG_DROP}
        out.append({"class_name": type(layer).__name__, "config": config})
    return out


def run_fit(keras, precision, floatx, layer_specs, make_optimizer, x, y, initial_weights):
    """5-step full-batch fit; returns a dict with steps, state and the objects."""
    precision.use(floatx)
    keras.backend.clear_session()  # fresh names: optimizer "sgd", not "sgd_1"
    model = build_model(keras, layer_specs)
    for w in model.weights:
        w.assign(initial_weights[w.path].astype(floatx))
    optimizer = make_optimizer()
    model.compile(optimizer=optimizer, loss="mse")
    x_t = keras.ops.convert_to_tensor(x.astype(floatx))
    y_t = keras.ops.convert_to_tensor(y.astype(floatx))
    steps = []
    dtypes_seen = set()

    class Recorder(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            lr = to_numpy(keras, optimizer.learning_rate)
            y_pred = model(x_t, training=True)
            loss = to_numpy(keras, model.compute_loss(x=x_t, y=y_t, y_pred=y_pred))
            steps.append({"step": len(steps) + 1, "learning_rate": float(lr),
                          "loss_total": float(loss)})
            dtypes_seen.update((str(lr.dtype), str(loss.dtype)))

        def on_train_batch_end(self, batch, logs=None):
            steps[-1]["keras_fit_logged_loss"] = float(logs["loss"])
            steps[-1]["weights_after"] = {w.path: encode(to_numpy(keras, w)) for w in model.weights}
            dtypes_seen.update(str(w.dtype) for w in model.weights)

    model.fit(x.astype(floatx), y.astype(floatx), batch_size=BATCH_SIZE, epochs=STEPS,
              shuffle=False, verbose=0, callbacks=[Recorder()])
    if len(steps) != STEPS:
        raise RuntimeError(f"expected {STEPS} optimizer steps, recorded {len(steps)}")

    state = [{"path": v.path, "dtype": str(v.dtype), **encode(to_numpy(keras, v))}
             for v in optimizer.variables]
    # a float64 run must be float64 end to end (likewise float32)
    dtypes_seen.update(v["dtype"] for v in state if not v["path"].endswith("/iteration"))
    if dtypes_seen != {floatx}:
        raise RuntimeError(f"{floatx} run produced dtypes {sorted(dtypes_seen)}")
    return {"steps": steps, "optimizer_state_after": state, "model": model,
            "optimizer": optimizer,
            "learning_rate_after_last_step": float(to_numpy(keras, optimizer.learning_rate))}


def schedule_values(keras, schedule):
    return [float(to_numpy(keras, schedule(keras.ops.convert_to_tensor(i, dtype="int32"))))
            for i in range(SCHEDULE_VALUE_ITERATIONS)]


# --------------------------------------------------------------------------
# Independent NumPy float64 reference (Keras 3 semantics, written out)
# --------------------------------------------------------------------------
def np_forward_backward(w, x, y):
    """Conv1D(4, 3, causal) -> GlobalAveragePooling1D -> Dense(1); mse loss.

    Returns (loss, grads) with grads keyed like w."""
    kernel, bias = w["conv/kernel"], w["conv/bias"]  # (k, C, F), (F,)
    dense_w, dense_b = w["dense/kernel"], w["dense/bias"]  # (F, 1), (1,)
    n, length, _ = x.shape
    k = kernel.shape[0]
    xpad = np.concatenate([np.zeros((n, k - 1, x.shape[2])), x], axis=1)  # causal: left zeros
    windows = np.stack([xpad[:, j:j + length, :] for j in range(k)], axis=2)  # (n, L, k, C)
    z = np.einsum("ntjc,jcf->ntf", windows, kernel) + bias
    h = z.mean(axis=1)
    pred = h @ dense_w + dense_b
    diff = pred - y
    loss = np.mean(diff ** 2)
    d_pred = 2.0 * diff / diff.size
    d_h = d_pred @ dense_w.T
    d_z = np.repeat(d_h[:, None, :], length, axis=1) / length
    grads = {
        "conv/kernel": np.einsum("ntjc,ntf->jcf", windows, d_z),
        "conv/bias": d_z.sum(axis=(0, 1)),
        "dense/kernel": h.T @ d_pred,
        "dense/bias": d_pred.sum(axis=0),
    }
    return loss, grads


def np_schedule(serialized):
    """Keras schedule formulas; `serialized` is {"class_name", "config"}."""
    name, c = serialized["class_name"], serialized["config"]

    def f(step):
        s = float(step)
        if name in ("ExponentialDecay", "InverseTimeDecay"):
            p = s / c["decay_steps"]
            if c.get("staircase"):
                p = math.floor(p)
            if name == "ExponentialDecay":
                return c["initial_learning_rate"] * c["decay_rate"] ** p
            return c["initial_learning_rate"] / (1.0 + c["decay_rate"] * p)
        if name == "PiecewiseConstantDecay":
            b, v = c["boundaries"], c["values"]
            for i, boundary in enumerate(b):  # values[i] while step <= boundaries[i]
                if s <= boundary:
                    return float(v[i])
            return float(v[-1])
        if name == "PolynomialDecay":
            decay_steps = float(c["decay_steps"])
            if c["cycle"]:
                decay_steps *= 1.0 if s == 0 else math.ceil(s / decay_steps)
            else:
                s = min(s, decay_steps)
            p = s / decay_steps
            lr0, end = c["initial_learning_rate"], c["end_learning_rate"]
            return (lr0 - end) * (1.0 - p) ** c["power"] + end
        if name == "CosineDecay":
            lr0, alpha, decay_steps = c["initial_learning_rate"], c["alpha"], c["decay_steps"]

            def cosine(t, top):
                return top * ((1 - alpha) * 0.5 * (1.0 + math.cos(math.pi * t / decay_steps)) + alpha)

            if c.get("warmup_target") is None:
                return cosine(min(s, decay_steps), lr0)
            warm, target = c["warmup_steps"], c["warmup_target"]
            s = min(s, decay_steps + warm)
            if s < warm:
                return (target - lr0) * (s / warm) + lr0
            return cosine(s - warm, target)
        if name == "CosineDecayRestarts":
            lr0, alpha = c["initial_learning_rate"], c["alpha"]
            t_mul, m_mul = c["t_mul"], c["m_mul"]
            fraction = s / c["first_decay_steps"]
            if t_mul == 1.0:
                restart = math.floor(fraction)
                fraction -= restart
            else:  # period i lasts t_mul**i first periods
                restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
                fraction = (fraction - (1.0 - t_mul ** restart) / (1.0 - t_mul)) / t_mul ** restart
            cosine = 0.5 * m_mul ** restart * (1.0 + math.cos(math.pi * fraction))
            return lr0 * ((1 - alpha) * cosine + alpha)
        raise NotImplementedError(f"no NumPy formula for schedule {name}")

    return f


def np_constraint(serialized):
    if serialized is None:
        return None
    name, c = serialized["class_name"], serialized["config"]
    axis = c.get("axis")
    axis = tuple(axis) if isinstance(axis, list) else axis

    def f(w):
        norms = np.sqrt(np.sum(w ** 2, axis=axis, keepdims=True))
        if name == "UnitNorm":
            return w / (KERAS_EPSILON + norms)
        if name == "MinMaxNorm":
            desired = c["rate"] * np.clip(norms, c["min_value"], c["max_value"]) + (1 - c["rate"]) * norms
            return w * (desired / (KERAS_EPSILON + norms))
        if name == "MaxNorm":
            desired = np.clip(norms, 0, c["max_value"])
            return w * (desired / (KERAS_EPSILON + norms))
        if name == "NonNeg":
            return w * (w >= 0)
        raise NotImplementedError(f"no NumPy formula for constraint {name}")

    return f


def np_trajectory(class_name, config, weights, x, y, kernel_constraint=None):
    """Float64 trajectory with the Keras 3 update rules.

    Returns (steps, state) where state maps Keras optimizer variable paths
    ("<optimizer name>/<var path with / -> _>_<slot>") to arrays."""
    lr_config = config["learning_rate"]
    lr_at = np_schedule(lr_config) if isinstance(lr_config, dict) else (lambda it: lr_config)
    constrain = np_constraint(kernel_constraint)
    w = {k: v.copy() for k, v in weights.items()}
    slots = {}  # (slot name, weight path) -> array

    def slot(name, path, init=0.0):
        return slots.setdefault((name, path), np.full_like(w[path], init))

    steps = []
    for it in range(STEPS):
        t = it + 1
        lr = lr_at(it)
        loss, grads = np_forward_backward(w, x, y)
        # gradient clipping (one of them), then decoupled weight decay
        if config.get("clipnorm"):
            c = config["clipnorm"]
            grads = {k: g * c / max(np.sqrt(np.sum(g ** 2)), c) for k, g in grads.items()}
        elif config.get("global_clipnorm"):
            c = config["global_clipnorm"]
            norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
            grads = {k: g * (c * min(1.0 / norm, 1.0 / c)) for k, g in grads.items()}
        elif config.get("clipvalue"):
            c = config["clipvalue"]
            grads = {k: np.clip(g, -c, c) for k, g in grads.items()}
        if config.get("weight_decay"):
            for k in w:
                w[k] = w[k] * (1.0 - config["weight_decay"] * lr)
        for k, g in grads.items():
            if class_name == "SGD":
                mu = config["momentum"]
                if mu == 0:
                    w[k] = w[k] - lr * g
                else:
                    m = slot("momentum", k)
                    m[...] = mu * m - lr * g
                    w[k] = w[k] + (mu * m - lr * g if config["nesterov"] else m)
            elif class_name in ("Adam", "AdamW"):
                b1, b2, eps = config["beta_1"], config["beta_2"], config["epsilon"]
                m, v = slot("momentum", k), slot("velocity", k)
                m[...] = m + (g - m) * (1 - b1)
                v[...] = v + (g * g - v) * (1 - b2)
                if config["amsgrad"]:
                    v_hat = slot("velocity_hat", k)
                    v_hat[...] = np.maximum(v_hat, v)
                    v = v_hat
                alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                w[k] = w[k] - m * alpha / (np.sqrt(v) + eps)
            elif class_name == "Adamax":
                b1, b2, eps = config["beta_1"], config["beta_2"], config["epsilon"]
                m, u = slot("momentum", k), slot("norm", k)
                m[...] = m + (g - m) * (1 - b1)
                u[...] = np.maximum(b2 * u, np.abs(g))
                w[k] = w[k] - lr * m / ((1 - b1 ** t) * (u + eps))
            elif class_name == "Adagrad":
                acc = slot("accumulator", k, config["initial_accumulator_value"])
                acc[...] = acc + g * g
                w[k] = w[k] - lr * g / np.sqrt(acc + config["epsilon"])
            elif class_name == "RMSprop":
                rho, eps, mu = config["rho"], config["epsilon"], config["momentum"]
                v = slot("velocity", k)
                v[...] = rho * v + (1 - rho) * g * g
                denominator = v + eps
                if config["centered"]:
                    a = slot("average_gradient", k)
                    a[...] = rho * a + (1 - rho) * g
                    denominator = v - a * a + eps
                increment = lr * g / np.sqrt(denominator)
                if mu > 0:
                    m = slot("momentum", k)
                    m[...] = mu * m + increment
                    increment = m
                w[k] = w[k] - increment
            else:
                raise NotImplementedError(f"no NumPy update rule for {class_name}")
        if constrain is not None:
            w["conv/kernel"] = constrain(w["conv/kernel"])
        steps.append({"learning_rate": lr, "loss_total": loss,
                      "weights_after": {k: v.copy() for k, v in w.items()}})
    prefix = config["name"]
    state = {f"{prefix}/iteration": np.array(STEPS)}
    if not isinstance(lr_config, dict):
        state[f"{prefix}/learning_rate"] = np.array(lr_config)
    for (name, path), value in slots.items():
        state[f"{prefix}/{path.replace('/', '_')}_{name}"] = value
    return steps, state


def max_abs_weights(steps_a, steps_b, decode_a=False, decode_b=False):
    worst = 0.0
    for sa, sb in zip(steps_a, steps_b):
        for path, va in sa["weights_after"].items():
            va = decode(va) if decode_a else va
            vb = sb["weights_after"][path]
            vb = decode(vb) if decode_b else vb
            worst = max(worst, float(np.max(np.abs(va - vb))))
    return worst


def max_abs_key(steps_a, steps_b, key):
    return max(abs(a[key] - b[key]) for a, b in zip(steps_a, steps_b))


def numpy_xcheck(keras_run, optimizer_config, class_name, x, y, initial_weights,
                 kernel_constraint=None, schedule_config=None, recorded_schedule_values=None):
    try:
        np_steps, np_state = np_trajectory(class_name, optimizer_config, initial_weights, x, y,
                                           kernel_constraint)
    except NotImplementedError as e:
        return {"not_checked": str(e)}
    keras_state = {v["path"]: decode(v) for v in keras_run["optimizer_state_after"]}
    unchecked = sorted(set(keras_state) - set(np_state))
    xcheck = {
        "numpy_max_abs_weights": max_abs_weights(keras_run["steps"], np_steps, decode_a=True),
        "numpy_max_abs_loss": max_abs_key(keras_run["steps"], np_steps, "loss_total"),
        "numpy_max_abs_learning_rate": max_abs_key(keras_run["steps"], np_steps, "learning_rate"),
        "numpy_max_abs_optimizer_state": max(
            (float(np.max(np.abs(keras_state[p] - v))) for p, v in np_state.items()), default=0.0),
    }
    missing = sorted(set(np_state) - set(keras_state))
    if missing:
        xcheck["numpy_state_not_in_keras"] = missing
    if unchecked:
        # e.g. RMSprop always creates momentum slots; without momentum they stay 0
        xcheck["keras_state_not_modelled"] = {p: float(np.max(np.abs(keras_state[p])))
                                              for p in unchecked}
    if schedule_config is not None:
        f = np_schedule(schedule_config)
        xcheck["numpy_max_abs_schedule_values"] = max(
            abs(v - f(i)) for i, v in enumerate(recorded_schedule_values))
    return xcheck


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------
def load_reference(path):
    with open(path) as f:
        ref = json.load(f)
    base = next(c for c in ref["cases"] if c["id"] == "sgd")
    return ref, base


def generate_case(keras, precision, case, base):
    x, y = decode(base["x"]), decode(base["y"])
    initial_weights = {k: decode(v) for k, v in base["initial_weights"].items()}
    layer_specs = [(l["class_name"], dict(l["config"])) for l in base["model"]["layers"]]
    if case.kernel_constraint:
        name, kwargs = case.kernel_constraint
        layer_specs[0][1]["kernel_constraint"] = {"class_name": name, "config": kwargs}

    def make_optimizer():
        kwargs = dict(case.optimizer_kwargs)
        if case.schedule:
            name, schedule_kwargs = case.schedule
            kwargs["learning_rate"] = getattr(keras.optimizers.schedules, name)(**schedule_kwargs)
        return getattr(keras.optimizers, case.optimizer)(**kwargs)

    runs = {}
    for floatx in ("float64", "float32"):
        run = run_fit(keras, precision, floatx, layer_specs, make_optimizer, x, y, initial_weights)
        run["keras_get_config"] = run["optimizer"].get_config()
        if case.schedule:
            schedule = run["optimizer"]._learning_rate
            run["schedule_get_config"] = schedule.get_config()
            run["schedule_values"] = schedule_values(keras, schedule)
            # the value each step used must be the schedule at iterations = step - 1
            for s in run["steps"]:
                if s["learning_rate"] != run["schedule_values"][s["step"] - 1]:
                    raise RuntimeError(f"{case.id}: step {s['step']} lr {s['learning_rate']} != "
                                       f"schedule({s['step'] - 1})")
        runs[floatx] = run
    r64, r32 = runs["float64"], runs["float32"]
    model = r64["model"]

    out = {"id": case.id, "description": case.description(),
           "model": {"input_shape": [None, 6, 2], "layers": recorded_layer_configs(model)},
           "loss": "mse (mean over batch and outputs) + sum(model.losses)",
           "optimizer": {"class_name": case.optimizer, "given": case.optimizer_kwargs,
                         "keras_get_config": r64["keras_get_config"]}}
    if case.schedule:
        out["schedule"] = {"class_name": case.schedule[0], "given": case.schedule[1],
                           "keras_get_config": r64["schedule_get_config"],
                           "schedule_values": r64["schedule_values"]}
    out["fit"] = {"batch_size": BATCH_SIZE, "epochs": STEPS, "shuffle": False, "steps": STEPS}
    out["constraints_applied_after_update"] = (
        {"conv/kernel": {"class_name": case.kernel_constraint[0],
                         "config": model.get_layer("conv").kernel_constraint.get_config()}}
        if case.kernel_constraint else {})
    out["x"], out["y"] = base["x"], base["y"]
    out["initial_weights"] = base["initial_weights"]
    out["steps"] = r64["steps"]
    out["learning_rate_after_last_step"] = r64["learning_rate_after_last_step"]
    out["optimizer_state_after"] = r64["optimizer_state_after"]
    f32 = {"note": "same fit with Keras defaults (floatx float32, no promotion change); "
                   "for float32 implementations",
           "steps": r32["steps"],
           "optimizer_state_after": r32["optimizer_state_after"]}
    if case.schedule:
        f32["schedule_values"] = r32["schedule_values"]
    f32["max_abs_vs_float64_weights"] = max_abs_weights(r32["steps"], r64["steps"],
                                                        decode_a=True, decode_b=True)
    out["keras_float32"] = f32
    out["xcheck"] = numpy_xcheck(
        r64, r64["keras_get_config"], case.optimizer, x, y, initial_weights,
        kernel_constraint=out["constraints_applied_after_update"].get("conv/kernel"),
        schedule_config=r64["keras_get_config"]["learning_rate"] if case.schedule else None,
        recorded_schedule_values=r64.get("schedule_values"))
    return out


def write_golden(path, meta, cases):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:  # the layout of the other golden files: one case per line
        f.write('{"meta": ' + json.dumps(meta) + ",\n")
        f.write('"cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")


def make_meta(source):
    import torch

    keras_source = source.get("keras_source", "installed package")
    return {
        "kind": "optimizer_trajectories_extra",
        "produced_by": (
            f"keras {source['keras_version']} ({keras_source}) Model.fit, KERAS_BACKEND=torch, "
            f"torch {torch.__version__}, numpy {np.__version__}, python {platform.python_version()}; "
            "floatx float64 with Keras' TensorFlow-backend float64 promotion "
            "(keras.src.backend.common.dtypes.BIT64_TO_BIT32_DTYPE['float64'] = 'float64'; "
            "Keras >= 3.12 otherwise computes ops.mean/ops.matmul of float64 tensors in float32 "
            "on the torch backend); keras_float32 = the same fit with plain Keras defaults (float32)"),
        "float64": "every model weight, optimizer variable (except the int32 iteration counter), "
                   "learning rate and loss of the top-level runs was checked to be float64",
        "environment": (
            "Debian 12: python3-torch 1.13, python3-numpy, python3-absl, python3-rich, "
            "python3-h5py, python3-packaging. Not packaged by Debian, so stubbed: ml_dtypes "
            "(finfo/iinfo from numpy; bfloat16/float8/int4 raise), and torch-2 names Keras 3.15 "
            f"touches on torch 1.13: {'; '.join(source['torch_shims']) or 'none needed'}. namex "
            "and optree are not needed (Keras falls back without namex; the torch backend uses "
            "torch's own pytree)"),
        "protocol": "same model, data, initial weights and fit protocol as the 'sgd' case of "
                    "training_trajectories.json: Input((6,2)) -> Conv1D(4,3,padding='causal') -> "
                    "GlobalAveragePooling1D -> Dense(1), loss mse, fit(batch_size=8, epochs=5, "
                    "shuffle=False) on 8 samples = 5 optimizer steps",
        "steps": "loss_total evaluated by Keras (model.compute_loss) at the weights BEFORE the "
                 "step; keras_fit_logged_loss = the loss fit logged for that step; learning_rate = "
                 "optimizer.learning_rate read before the step (the schedule evaluated at "
                 "iterations = step-1), the value the step uses; weights_after after the update "
                 "and after constraints",
        "weight_names": "conv/kernel (3,2,4) Keras layout, conv/bias (4,), dense/kernel (4,1), "
                        "dense/bias (1,)",
        "schedule": "schedule.keras_get_config = schedule.get_config(); schedule_values[i] = "
                    "schedule(i) for iterations i = 0..9 (int32 step, like optimizer.iterations)",
        "optimizer_state_after": "after the last step: every variable in optimizer.variables, in "
                                 "that order, as {path (Keras variable path), dtype, shape, data}; "
                                 "iteration is the int32 step counter (5), learning_rate exists "
                                 "only when it is not a schedule",
        "order_of_operations": "per step: gradients -> clipping (clipnorm per variable "
                               "g*c/max(||g||,c), or clipvalue) -> weight decay w *= 1 - wd*lr on "
                               "every variable -> update -> constraints -> iterations += 1",
        "xcheck": "numpy_* = max |Keras float64 - an independent float64 NumPy trajectory| "
                  "(forward/backward of this model, Keras 3 update rules, schedule and constraint "
                  "formulas, in generate_optimizer_trajectories.py)",
        "generator": "generate_optimizer_trajectories.py (beside this file)",
    }


# --------------------------------------------------------------------------
# Verification against an existing golden file
# --------------------------------------------------------------------------
def verify(keras, precision, path, case_ids):
    with open(path) as f:
        golden = json.load(f)
    report = {"file": path, "cases": {}}
    for case in golden["cases"]:
        if case_ids and case["id"] not in case_ids:
            continue
        x, y = decode(case["x"]), decode(case["y"])
        initial_weights = {k: decode(v) for k, v in case["initial_weights"].items()}
        layer_specs = [(l["class_name"], l["config"]) for l in case["model"]["layers"]]
        opt_config = case["optimizer"]["keras_get_config"]
        class_name = case["optimizer"]["class_name"]

        def make_optimizer():
            return keras.optimizers.deserialize({"class_name": class_name,
                                                 "config": dict(opt_config)})

        result = {}
        for floatx, steps in (("float64", case["steps"]),
                              ("float32", case["keras_float32"]["steps"])):
            run = run_fit(keras, precision, floatx, layer_specs, make_optimizer, x, y,
                          initial_weights)
            result[floatx] = {
                "max_abs_weights_after": max_abs_weights(run["steps"], steps, True, True),
                "max_abs_loss_total": max_abs_key(run["steps"], steps, "loss_total"),
            }
            if "learning_rate" in steps[0]:
                result[floatx]["max_abs_learning_rate"] = max_abs_key(run["steps"], steps,
                                                                      "learning_rate")
            if floatx == "float64":
                as_json = lambda obj: json.loads(json.dumps(obj))  # tuples -> lists
                result["layer_configs_identical"] = (
                    as_json(recorded_layer_configs(run["model"])) == case["model"]["layers"])
                result["optimizer_config_identical"] = (
                    as_json(run["optimizer"].get_config()) == opt_config)
                plain = all(l["config"].get(k) is None for l in case["model"]["layers"]
                            for k in ("kernel_regularizer", "activity_regularizer"))
                if plain and layer_specs[1][0] == "GlobalAveragePooling1D":
                    constraint = case["model"]["layers"][0]["config"].get("kernel_constraint")
                    result["numpy_xcheck"] = numpy_xcheck(run, opt_config, class_name, x, y,
                                                          initial_weights, constraint)
        report["cases"][case["id"]] = result
    return report


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--keras-src", default=os.environ.get("KERAS_SRC"),
                   help="Keras source tree to import (omit to use an installed keras)")
    p.add_argument("--stubs", default=os.environ.get("KERAS_STUBS"),
                   help="directory with ml_dtypes/ and torch113_compat.py (Debian 12)")
    p.add_argument("--reference", default="/work/shared/conformance/training_trajectories.json")
    p.add_argument("--out", default=os.path.join(here, "out", "optimizers_extra.json"))
    p.add_argument("--cases", default="", help="comma-separated case ids (default: all)")
    p.add_argument("--verify", action="append", default=[],
                   help="re-run the cases of this golden file and print the differences")
    p.add_argument("--verify-cases", default="", help="comma-separated case ids to verify")
    p.add_argument("--verify-out", default=None, help="also write the verification report here")
    args = p.parse_args()

    keras, source = import_keras(args.keras_src, args.stubs)
    precision = Precision(keras)

    if args.verify:
        wanted = [c for c in args.verify_cases.split(",") if c]
        reports = [verify(keras, precision, path, wanted) for path in args.verify]
        text = json.dumps({"keras": source, "reports": reports}, indent=1)
        print(text)
        if args.verify_out:
            with open(args.verify_out, "w") as f:
                f.write(text + "\n")
        return

    _, base = load_reference(args.reference)
    wanted = [c for c in args.cases.split(",") if c]
    cases = []
    for case in CASES:
        if wanted and case.id not in wanted:
            continue
        out = generate_case(keras, precision, case, base)
        print(f"{case.id:30s} f32-vs-f64 {out['keras_float32']['max_abs_vs_float64_weights']:.2e}"
              f"  xcheck {json.dumps(out['xcheck'])}", flush=True)
        cases.append(out)
    write_golden(args.out, make_meta(source), cases)
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
