"""Reading .safetensors files (gru_params/sources/safetensors_file.py): the names, shapes and
dtypes torch gives, from files the `safetensors` package writes; every damaged header refused
with one line naming the file and the tensor.

Real files need torch and safetensors (under CI a missing one fails, see conftest.require);
the damaged ones are written here byte by byte."""

import json
import os
import random
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_params.checkpoint import DTYPES
from gru_params.errors import SpecError
from gru_params.sources import safetensors_file
from gru_params.limits import MAX_SAFETENSORS_HEADER as MAX_HEADER
from gru_params.sources.safetensors_file import read_tensors
from tests import tensor_files
from tests.tensor_files import expected, random_model
from tests.conftest import require

SCALE = int(os.environ.get("GRU_PARAMS_FUZZ", "1"))


@pytest.fixture(scope="session")
def save_file(torch):
    require("safetensors", "write .safetensors files to read")
    from safetensors.torch import save_file

    return save_file


def read(path) -> dict:
    return {t.name: (t.shape, t.dtype) for t in read_tensors(str(path))}



def refused(path, *parts: str) -> str:
    return tensor_files.refused(read_tensors, path, *parts)


def written(path, header, data_size: int = 0, length: int | None = None):
    """A safetensors file: the header's length (or `length`), the header (a dict as JSON, or
    bytes as they are), then `data_size` bytes of data."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if length is None else length) + text + bytes(data_size))
    return path


def entry(dtype: str = "F32", shape=(2, 3), offsets=(0, 24)) -> dict:
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


# ---- real files -------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_random_models_read_as_torch_gives_them(torch, save_file, tmp_path, dtype):
    seed = int(os.environ.get("GRU_PARAMS_SEED", random.randrange(2**32)))
    state = random_model(torch, random.Random(seed)).to(getattr(torch, dtype)).state_dict()
    save_file(state, str(tmp_path / "model.safetensors"), metadata={"format": "pt"})
    assert read(tmp_path / "model.safetensors") == expected(state), f"GRU_PARAMS_SEED={seed}"


def test_every_dtype_safetensors_writes(torch, save_file, tmp_path):
    names = ["float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
             "float8_e5m2fnuz", "complex64", "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16",
             "uint8", "bool"]
    state = {name: torch.zeros(2, 3, dtype=getattr(torch, name)) for name in names}
    state |= {"empty": torch.zeros(0, 4), "scalar": torch.tensor(2.5), "int_scalar": torch.tensor(3)}
    save_file(state, str(tmp_path / "dtypes.safetensors"))
    assert read(tmp_path / "dtypes.safetensors") == expected(state)


def test_header_order_and_metadata(tmp_path):
    header = {"__metadata__": {"format": "pt", "note": "[{,}]"}, "b": entry(offsets=(24, 48)), "a": entry()}
    assert list(read(written(tmp_path / "m.safetensors", header, 48))) == ["b", "a"]
    padded = json.dumps({"a": entry()}).encode() + b"    "  # writers pad the header to 8 bytes with spaces
    assert read(written(tmp_path / "p.safetensors", padded, 24)) == {"a": ((2, 3), "float32")}


# ---- damaged files ------------------------------------------------------------------------------

def test_a_header_over_its_declared_size(tmp_path):
    refused(written(tmp_path / "long.safetensors", {"a": entry()}, 24, length=5000),
            "its header says 5,000 bytes, the file holds only")
    refused(written(tmp_path / "huge.safetensors", b"{}", length=2**64 - 1),
            "its header says 18,446,744,073,709,551,615 bytes, more than the format's limit of 100,000,000")
    (tmp_path / "short.safetensors").write_bytes(b"\x02\x00\x00")
    refused(tmp_path / "short.safetensors", "less than the 8 of its header's length")


@pytest.mark.parametrize("header, message", [
    (b"{\"a\": ", "has a header that is not valid JSON"),
    (b"\xff{}", "its header is not a JSON object"),
    (b"[1, 2]", "its header is not a JSON object"),
    (b" {}", "its header is not a JSON object"),
    (b"{\"a\": \"\xff\"}", "has a header that is not valid JSON"),
    (b"{\"a\": 1, \"a\": 2}", "the name `a` appears twice"),
    (b"{\"a\": " + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    (b"{\"a\": [" + b"0," * 2_000_001 + b"0]}", "more than 200,000 tensors need"),
    (b"{\"a\": [" + b"[]," * 800_001 + b"[]]}", "more than 200,000 tensors need"),
])
def test_headers_that_are_not_json_objects(tmp_path, header, message):
    refused(written(tmp_path / "bad.safetensors", header), message)


@pytest.mark.parametrize("info, message", [
    (entry(offsets=(0, 20)), "says tensor `w` of shape (2, 3) and dtype F32 (24 bytes) has data_offsets [0, 20], "
                             "which hold 20 bytes"),
    (entry(offsets=(0, 48)), "says tensor `w` ends at byte 48 of the data, which holds 24"),
    (entry(offsets=(24, 0)), "not [begin, end] with begin <= end"),
    (entry(offsets=(0,)), "not [begin, end]"),
    (entry(offsets=(0, -24)), "tensor `w` has data_offsets of [0, -24], not a list of at most 2 whole numbers"),
    (entry(dtype="F4"), "has tensor `w` of dtype 'F4', which gru-params does not know"),
    (entry(dtype="X9"), "of dtype 'X9'"),
    (entry(dtype=3), "of dtype 3"),
    (entry(shape=(-2, 3)), "tensor `w` has a shape of [-2, 3]"),
    (entry(shape=(2**63, 1)), "within int64"),
    (entry(shape=[1] * 40), "at most 32 whole numbers"),
    ({"dtype": "F32", "shape": [2, 3]}, "has tensor `w` without `data_offsets`"),
    ({"dtype": "F32", "shape": "2x3", "data_offsets": [0, 24]}, "has a shape of '2x3'"),
    ([1, 2], "has tensor `w` described by a list"),
])
def test_wrong_entries_name_the_tensor(tmp_path, info, message):
    refused(written(tmp_path / "bad.safetensors", {"w": info}, 24), message)


def test_overlapping_tensors_and_bad_metadata(tmp_path):
    header = {"a": entry(), "b": entry(offsets=(12, 36))}
    refused(written(tmp_path / "overlap.safetensors", header, 36), "tensors `a` and `b` share bytes 12 to 24")
    refused(written(tmp_path / "meta.safetensors", {"__metadata__": {"epoch": 3}}),
            "`__metadata__` that is an object, not an object of strings")
    refused(written(tmp_path / "meta2.safetensors", {"__metadata__": [1]}), "`__metadata__` that is a list")


def test_a_directory_and_a_fifo_are_refused(tmp_path):
    refused(tmp_path, "is a directory")
    fifo = tmp_path / "fifo.safetensors"
    os.mkfifo(fifo)
    refused(fifo, "is a FIFO")


def test_the_header_bound_is_the_formats(tmp_path):
    assert MAX_HEADER == 100_000_000
    refused(written(tmp_path / "over.safetensors", b"{}", length=MAX_HEADER + 1), "more than the format's limit")


# ---- fuzzing ------------------------------------------------------------------------------------

def reads_or_refuses(path) -> None:
    try:
        tensors = read_tensors(str(path))
    except SpecError as e:
        assert str(e).startswith(f"{path}: ") and "\n" not in str(e)
    else:
        assert all(t.dtype in DTYPES and all(type(d) is int for d in t.shape) for t in tensors)


SEED = json.dumps({"__metadata__": {"format": "pt"}, "lstm.weight_ih_l0": entry(shape=(8, 2), offsets=(0, 64)),
                   "lstm.bias": entry(dtype="BF16", shape=(8,), offsets=(64, 80)),
                   "n": entry(dtype="I64", shape=(), offsets=(80, 88))}).encode()


@settings(max_examples=300 * SCALE, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(at=st.integers(0, 10**6), noise=st.binary(max_size=6), cut=st.integers(0, 400), where=st.booleans())
def test_mutated_files(tmp_path, at, noise, cut, where):
    data = struct.pack("<Q", len(SEED)) + SEED + bytes(88)
    if where:  # inside the header, keeping its length right
        at = 8 + at % len(SEED)
        data = data[:at] + noise + data[at + len(noise):]
    else:
        data = data[: len(data) - cut] if cut else data[:at % len(data)] + noise + data[at % len(data) + len(noise):]
    path = tmp_path / "mutated.safetensors"
    path.write_bytes(data)
    reads_or_refuses(path)


def test_module_constants_are_consistent():
    assert set(safetensors_file.DTYPE_NAMES.values()) <= set(DTYPES)
