"""Writes keras/files/bad_dtype.weights.h5: Keras 3.15.1's g_compiled_unfitted_adam.weights.h5 with
the first Dense kernel (/layers/dense/vars/0) stored as strings, a dtype no weight can have, for
the test that minidl refuses it by name. Run from tests/data/keras: python3 generator/make_bad_dtype_weights.py
"""
import shutil

import h5py
import numpy as np

target = "files/bad_dtype.weights.h5"
shutil.copyfile("files/g_compiled_unfitted_adam.weights.h5", target)
with h5py.File(target, "r+") as f:
    del f["layers/dense/vars/0"]
    f["layers/dense/vars/0"] = np.array([["a", "b", "c"]] * 4, dtype="S1")
