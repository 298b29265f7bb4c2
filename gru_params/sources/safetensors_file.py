"""A .safetensors file to its tensors' names, shapes and dtypes. The format
(huggingface/safetensors): an 8-byte little-endian length N, N bytes of JSON
`{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`,
then the data, which is never read."""

from __future__ import annotations

import json
import os

from ..checkpoint import DTYPES, Tensor
from ..errors import SpecError, Where, fmt, shown
from ..files import open_regular, path_text
from ..limits import MAX_INT, MAX_RANK, MAX_SAFETENSORS_HEADER as MAX_HEADER, MAX_TENSORS

# Commas and brackets in the header, counted before json builds anything: a 100 MB header of
# `[],` would otherwise become 33 million lists. A tensor's entry has about 8 commas and 3 brackets.
MAX_HEADER_COMMAS = 10 * MAX_TENSORS
MAX_HEADER_BRACKETS = 4 * MAX_TENSORS

# The format's dtype names, to torch's (safetensors/torch.py, `_TYPES`); F4, F6_* and F8_E8M0
# have no entry in DTYPES and are refused by name
DTYPE_NAMES = {
    "F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
    "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2",
    "F8_E4M3FNUZ": "float8_e4m3fnuz", "F8_E5M2FNUZ": "float8_e5m2fnuz",
    "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
    "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool", "C64": "complex64",
}


def read_tensors(path: str) -> list[Tensor]:
    """The tensors a .safetensors file's header describes, in the header's order."""
    path = path_text(path)
    where = Where(path)
    try:
        with open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            header, length = _header_text(f, size, where)
    except OSError as e:
        raise SpecError(where, f"cannot be read: {e.strerror or e}") from None
    data_size = size - 8 - length
    entries = _parse(header, where)
    tensors = [_tensor(name, info, data_size, where) for name, info in entries.items() if name != "__metadata__"]
    _check_metadata(entries.get("__metadata__", {}), where)
    _check_overlaps(entries, where)
    return tensors + _tied(tensors, entries.get("__metadata__", {}))


def _tied(tensors: list[Tensor], metadata: dict) -> list[Tensor]:
    """The names of tied weights that safetensors' save_model left out: it stores a tied tensor
    once and records each other name in `__metadata__` as {dropped name: kept name}."""
    kept = {t.name: t for t in tensors}
    return [kept[name]._replace(name=dropped, same_as=name) for dropped, name in metadata.items()
            if name in kept and dropped not in kept]


def _header_text(f, size: int, where: Where) -> tuple[str, int]:
    """The header as text, and its length in bytes (its bytes are dropped before json builds)."""
    prefix = f.read(8)
    if len(prefix) < 8:
        raise SpecError(where, f"is not a safetensors file: it holds {size:,} bytes, less than the 8 of its "
                               "header's length")
    length = int.from_bytes(prefix, "little")
    if length > MAX_HEADER:
        raise SpecError(where, f"is not a safetensors file: its header says {length:,} bytes, more than the format's "
                               f"limit of {MAX_HEADER:,}")
    if 8 + length > size:
        raise SpecError(where, f"is truncated or not a safetensors file: its header says {length:,} bytes, the file "
                               f"holds only {size - 8:,} after the length")
    header = f.read(length)
    if not header.startswith(b"{"):  # as the format requires (InvalidHeaderStart)
        raise SpecError(where, "is not a safetensors file: its header is not a JSON object")
    try:
        return header.decode("utf-8"), length
    except UnicodeDecodeError as e:
        raise SpecError(where, f"has a header that is not valid JSON ({e})") from None


def _parse(header: str, where: Where) -> dict:
    """The header's JSON as a dict, once counting its commas and brackets (any inside strings
    included) bounds what json will build; nesting is bounded by json's recursion check."""
    commas, brackets = header.count(","), header.count("[") + header.count("{")
    if commas > MAX_HEADER_COMMAS or brackets > MAX_HEADER_BRACKETS:
        raise SpecError(where, f"has a header of {commas:,} commas and {brackets:,} brackets, more than "
                               f"{MAX_TENSORS:,} tensors need")
    try:
        entries = json.loads(header, object_pairs_hook=_unique)
    except RecursionError:
        raise SpecError(where, "has a header nested too deeply for a safetensors file") from None
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise SpecError(where, f"has a header that is not valid JSON ({e})") from None
    if type(entries) is not dict:
        raise SpecError(where, f"has a header that is {_what(entries)}, not a JSON object")
    return entries


def _unique(pairs: list) -> dict:
    """A JSON object; a name given twice would hide a tensor."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"the name `{_name(twice)}` appears twice in one object")
    return result


def _tensor(name: str, info, data_size: int, where: Where) -> Tensor:
    """One header entry, checked: a known dtype, a shape of sizes, offsets within the data that
    hold exactly the tensor's bytes."""
    label = _name(name)
    if type(info) is not dict:
        raise SpecError(where, f"has tensor `{label}` described by {_what(info)}, not an object with dtype, shape and "
                               "data_offsets")
    for field in ("dtype", "shape", "data_offsets"):
        if field not in info:
            raise SpecError(where, f"has tensor `{label}` without `{field}`")
    dtype = DTYPE_NAMES.get(info["dtype"]) if type(info["dtype"]) is str else None
    if dtype is None:
        raise SpecError(where, f"has tensor `{label}` of dtype {shown(info['dtype'])}, which gru-params does not know "
                               f"(it knows {', '.join(DTYPE_NAMES)})")
    shape = _ints(info["shape"], MAX_RANK, f"tensor `{label}` has a shape", where)
    offsets = _ints(info["data_offsets"], 2, f"tensor `{label}` has data_offsets", where)
    if len(offsets) != 2 or offsets[0] > offsets[1]:
        raise SpecError(where, f"says tensor `{label}` has data_offsets {list(offsets)}, not [begin, end] with "
                               "begin <= end")
    begin, end = offsets
    if end > data_size:
        raise SpecError(where, f"says tensor `{label}` ends at byte {end:,} of the data, which holds {data_size:,}")
    numel = 1
    for size in shape:
        numel *= size
    if end - begin != numel * DTYPES[dtype]:
        raise SpecError(where, f"says tensor `{label}` of shape {fmt(shape)} and dtype {info['dtype']} "
                               f"({numel * DTYPES[dtype]:,} bytes) has data_offsets [{begin}, {end}], which hold "
                               f"{end - begin:,} bytes")
    return Tensor(name, shape, dtype)


def _ints(value, most: int, what: str, where: Where) -> tuple[int, ...]:
    if type(value) is not list or len(value) > most or any(
            type(v) is not int or not 0 <= v <= MAX_INT for v in value):
        raise SpecError(where, f"says {what} of {shown(value)}, not a list of at most {most} whole numbers within "
                               "int64")
    return tuple(value)


def _check_metadata(metadata, where: Where) -> None:
    if type(metadata) is not dict or any(type(v) is not str for v in metadata.values()):
        raise SpecError(where, f"has a `__metadata__` that is {_what(metadata)}, not an object of strings")


def _check_overlaps(entries: dict, where: Where) -> None:
    """No two tensors share bytes (the format forbids it; a writer bug or a crafted file)."""
    spans = sorted((info["data_offsets"][0], info["data_offsets"][1], name)
                   for name, info in entries.items() if name != "__metadata__" and info["data_offsets"][0] <
                   info["data_offsets"][1])
    for (_, end, name), (begin, _, other) in zip(spans, spans[1:]):
        if begin < end:
            raise SpecError(where, f"says tensors `{_name(name)}` and `{_name(other)}` share bytes {begin:,} to "
                                   f"{end:,} of the data")


def _what(value) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
             bool: "a boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _name(text: str) -> str:
    """A name from the file, short enough for a one-line message."""
    return text if len(text) <= 120 else text[:117] + "..."
