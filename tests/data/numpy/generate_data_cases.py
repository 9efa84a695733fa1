"""Goldens for minidl's data module, from NumPy (Debian's python3-numpy):

  /usr/bin/python3 tests/data/numpy/generate_data_cases.py

writes, next to this script:
- timeseries_cases.json: the batches keras.utils.timeseries_dataset_from_array yields (without
  shuffling) for a sweep of its arguments, computed here with NumPy from the index arithmetic
  Keras 3.15.1 documents and implements (keras/src/utils/timeseries_dataset_utils.py): windows
  start at start_index + k * sequence_stride for 0 <= k * sequence_stride < num_seqs, where
  num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate, capped at
  len(targets); window rows are start + j * sampling_rate; the target of a window starting at
  row s is targets[s]. The data is numpy.arange, so every value is its row index. The real
  function needs TensorFlow or Grain, which Debian 12 lacks, so this is an independent
  re-implementation; the docstring's own examples are tested separately.
- .npy files written by numpy.save / numpy.lib.format for the memory-mapped reader: the values it
  must read, and files it must refuse.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def windows(length, targets_length, sequence_length, sequence_stride, sampling_rate, batch_size, start_index, end_index):
    start = 0 if start_index is None else start_index
    end = length if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets_length is not None:
        num_seqs = min(num_seqs, targets_length)
    starts = np.arange(0, num_seqs, sequence_stride) + start
    if targets_length is not None and starts[-1] >= targets_length:
        # Keras's TensorFlow pipeline fails reading past the end of targets; minidl refuses at once.
        return {"error": "targets"}
    data = np.arange(length)
    x = [data[s + np.arange(sequence_length) * sampling_rate].tolist() for s in starts]
    y = [int(s) for s in starts] if targets_length is not None else None
    per_batch = batch_size or 1
    batches = []
    for b in range(0, len(x), per_batch):
        batches.append({"x": x[b:b + per_batch], "y": None if y is None else y[b:b + per_batch]})
    return batches


def timeseries_cases():
    cases = []
    for length in (20, 37):
        for targets_length in (None, length, length - 5):
            for sequence_length in (1, 4, 7):
                for sequence_stride in (1, 3):
                    for sampling_rate in (1, 2):
                        for batch_size in (None, 4):
                            for start_index, end_index in ((None, None), (2, None), (None, length - 3), (3, length - 2)):
                                args = dict(length=length, targets_length=targets_length, sequence_length=sequence_length,
                                            sequence_stride=sequence_stride, sampling_rate=sampling_rate,
                                            batch_size=batch_size, start_index=start_index, end_index=end_index)
                                result = windows(**args)
                                cases.append(dict(args, **(result if isinstance(result, dict) else {"batches": result})))
    return cases


def write_npy_files():
    rng = np.random.default_rng(0)
    expected = {}
    matrix = (rng.integers(-64, 64, size=(5, 3)) / 8).astype("<f4")
    np.save(os.path.join(HERE, "matrix_f4.npy"), matrix)
    expected["matrix_f4.npy"] = {"shape": list(matrix.shape), "dtype": "float32", "data": matrix.ravel().tolist()}
    vector = (rng.integers(-64, 64, size=(7,)) / 64).astype("<f8")
    np.save(os.path.join(HERE, "vector_f8.npy"), vector)
    expected["vector_f8.npy"] = {"shape": [7], "dtype": "float64", "data": vector.tolist()}
    cube = np.arange(24, dtype="<f4").reshape(2, 3, 4)
    with open(os.path.join(HERE, "cube_f4_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, cube, version=(2, 0))
    expected["cube_f4_v2.npy"] = {"shape": [2, 3, 4], "dtype": "float32", "data": cube.ravel().tolist()}
    np.save(os.path.join(HERE, "fortran_f4.npy"), np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    np.save(os.path.join(HERE, "integers_i8.npy"), np.arange(4, dtype="<i8"))
    np.save(os.path.join(HERE, "big_endian_f4.npy"), np.arange(4, dtype=">f4"))
    with open(os.path.join(HERE, "matrix_f4.npy"), "rb") as f:
        whole = f.read()
    with open(os.path.join(HERE, "truncated_f4.npy"), "wb") as f:
        f.write(whole[:-5])
    return expected


def main():
    with open(os.path.join(HERE, "timeseries_cases.json"), "w") as f:
        json.dump({"numpy": np.__version__, "cases": timeseries_cases()}, f, separators=(",", ":"))
    with open(os.path.join(HERE, "npy_expected.json"), "w") as f:
        json.dump({"numpy": np.__version__, "files": write_npy_files()}, f, indent=1)


if __name__ == "__main__":
    main()
