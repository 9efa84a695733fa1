"""Minimal stand-in for the `ml_dtypes` package (not packaged by Debian 12).

Keras 3 imports `ml_dtypes` at module level (keras/src/ops/core.py,
keras/src/backend/torch/core.py, keras/src/layers/core/dense.py, ...), but only
*uses* it for bfloat16 / float8 / int4 work.  The float32/float64 optimizer runs
of minidl's golden-data generator never reach those code paths.  This stub
therefore provides only:

* finfo / iinfo: numpy's, for the standard numpy dtypes;
* bfloat16 and the float8 names: placeholders that raise if actually used, so
  a silent wrong result is impossible.
"""
import numpy as _np

__version__ = "0.0.0-minidl-stub"


class _Unsupported:
    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"<ml_dtypes stub: {self._name} unsupported>"

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(f"ml_dtypes stub: {self._name} is not available")


bfloat16 = _Unsupported("bfloat16")
float8_e4m3fn = _Unsupported("float8_e4m3fn")
float8_e5m2 = _Unsupported("float8_e5m2")
int4 = _Unsupported("int4")
uint4 = _Unsupported("uint4")


def finfo(dtype):
    if isinstance(dtype, _Unsupported) or str(dtype) in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
        raise NotImplementedError(f"ml_dtypes stub: finfo({dtype}) is not available")
    return _np.finfo(dtype)


def iinfo(dtype):
    if isinstance(dtype, _Unsupported) or str(dtype) in ("int4", "uint4"):
        raise NotImplementedError(f"ml_dtypes stub: iinfo({dtype}) is not available")
    return _np.iinfo(dtype)
