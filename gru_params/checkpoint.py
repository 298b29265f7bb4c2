"""A checkpoint's tensors to a `Summary`: one row per module path that owns tensors, typed where
the tensor names and shapes say what the module is. Pure: the readers in `sources/` give the
tensors (name, shape, dtype), nothing here reads a file."""

from __future__ import annotations

from typing import NamedTuple


class Tensor(NamedTuple):
    """One stored tensor, as a reader finds it in the file's index (no data is read)."""

    name: str  # the state_dict key: "encoder.weight_ih_l0"
    shape: tuple[int, ...]
    dtype: str  # torch's name: "float32", "bfloat16", "int64"


# Bytes a value of each dtype a checkpoint may hold, by torch's name
DTYPES = {
    "float64": 8, "float32": 4, "float16": 2, "bfloat16": 2,
    "float8_e4m3fn": 1, "float8_e4m3fnuz": 1, "float8_e5m2": 1, "float8_e5m2fnuz": 1,
    "complex128": 16, "complex64": 8, "complex32": 4,
    "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint64": 8, "uint32": 4, "uint16": 2, "uint8": 1, "bool": 1,
}
# Only these can be parameters (torch refuses requires_grad on any other dtype): an integer or
# boolean tensor in a state_dict is a buffer
FLOATING = frozenset(d for d in DTYPES if d.startswith(("float", "bfloat", "complex")))
