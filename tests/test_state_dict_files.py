"""Reading torch.save files without torch (gru_params/sources/state_dict.py): the names, shapes
and dtypes torch itself gives, in the zip format and the legacy one; every damaged, hostile or
whole-model file refused with one line naming it, and nothing in a pickle ever run.

Files are made by real torch (the `torch` fixture: under CI a missing torch fails) or, for the
damaged and hostile ones, pickled here opcode by opcode, so that those tests need no torch."""

import os
import pickle
import random
import struct
import subprocess
import sys
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_params.checkpoint import DTYPES
from gru_params.errors import SpecError
from gru_params.sources import state_dict
from gru_params.sources.state_dict import MAGIC_NUMBER, PROTOCOL_VERSION, read_tensors
from tests import tensor_files
from tests.tensor_files import expected, random_model

SCALE = int(os.environ.get("GRU_PARAMS_FUZZ", "1"))
FORMATS = {
    "zip": {},
    "legacy": {"_use_new_zipfile_serialization": False},
    "zip_protocol4": {"pickle_protocol": 4},
    "legacy_protocol4": {"_use_new_zipfile_serialization": False, "pickle_protocol": 4},
}


def read(path) -> tuple[dict, str | None]:
    """{name: (shape, dtype)} in the file's order, and the checkpoint entry that held them."""
    tensors, key = read_tensors(str(path))
    return {t.name: (t.shape, t.dtype) for t in tensors}, key



def refused(path, *parts: str) -> str:
    return tensor_files.refused(read_tensors, path, *parts)


def save(torch, obj, path, fmt: str = "zip"):
    torch.save(obj, str(path), **FORMATS[fmt])
    return path


# ---- pickles made opcode by opcode (no torch needed) ----------------------------------------

def p_global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_str(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def p_int(n: int) -> bytes:
    return b"J" + struct.pack("<i", n)


def p_tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def p_tensor(key: str, storage: str = "FloatStorage", numel: int = 6, size=(2, 3), stride=(3, 1), offset: int = 0,
             legacy: bool = False) -> bytes:
    """`_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` as torch pickles it."""
    pid = p_tuple(p_str("storage"), p_global("torch", storage), p_str(key), p_str("cpu"), p_int(numel),
                  *([b"N"] if legacy else [])) + b"Q"
    hooks = p_global("collections", "OrderedDict") + b")R"
    return (p_global("torch._utils", "_rebuild_tensor_v2")
            + p_tuple(pid, p_int(offset), p_tuple(*map(p_int, size)), p_tuple(*map(p_int, stride)), b"\x89", hooks)
            + b"R")


def p_dict(entries: dict) -> bytes:
    """A dict of already-pickled values."""
    return b"}(" + b"".join(p_str(k) + v for k, v in entries.items()) + b"u"


def pickled(value: bytes) -> bytes:
    return b"\x80\x02" + value + b"."


def zip_file(path, pkl: bytes, storages: dict, prefix: str = "archive"):
    """A zip as torch.save writes it: `prefix/data.pkl`, `prefix/data/<key>` of `n` bytes each."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{prefix}/data.pkl", pkl)
        for key, n in storages.items():
            archive.writestr(f"{prefix}/data/{key}", bytes(n))
        archive.writestr(f"{prefix}/version", "3\n")
    return path


SYS_INFO = {"protocol_version": PROTOCOL_VERSION, "little_endian": True,
            "type_sizes": {"short": 2, "int": 4, "long": 4}}


def legacy_file(path, pkl: bytes, storages: dict, keys=None):
    """A legacy file: magic number, protocol version, sys_info, `pkl`, the storage keys, then each
    storage as an int64 count and its bytes (`storages`: {key: (count, itemsize)})."""
    head = b"".join(pickle.dumps(x, protocol=2) for x in (MAGIC_NUMBER, PROTOCOL_VERSION, SYS_INFO))
    keys = sorted(storages) if keys is None else keys
    data = b"".join(struct.pack("<q", storages[k][0]) + bytes(storages[k][0] * storages[k][1]) for k in keys)
    path.write_bytes(head + pkl + pickle.dumps(keys, protocol=2) + data)
    return path


TWO = {"w": p_tensor("0"), "b": p_tensor("1", numel=3, size=(3,), stride=(1,))}


def test_hand_made_zip_and_legacy_files_read_without_torch(tmp_path):
    want = {"w": ((2, 3), "float32"), "b": ((3,), "float32")}
    assert read(zip_file(tmp_path / "a.pt", pickled(p_dict(TWO)), {"0": 24, "1": 12})) == (want, None)
    legacy = {"w": p_tensor("0", legacy=True), "b": p_tensor("1", numel=3, size=(3,), stride=(1,), legacy=True)}
    assert read(legacy_file(tmp_path / "b.pt", pickled(p_dict(legacy)), {"0": (6, 4), "1": (3, 4)})) == (want, None)


# ---- real files from real torch -------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_random_models_read_as_torch_gives_them(torch, tmp_path, fmt, dtype):
    seed = int(os.environ.get("GRU_PARAMS_SEED", random.randrange(2**32)))
    state = random_model(torch, random.Random(seed)).to(getattr(torch, dtype)).state_dict()
    tensors, key = read(save(torch, state, tmp_path / "model.pt", fmt))
    assert key is None
    assert list(tensors.items()) == list(expected(state).items()), f"GRU_PARAMS_SEED={seed}"
    assert tensors["norm.num_batches_tracked"] == ((), "int64")


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_dtype_torch_can_save(torch, tmp_path, fmt):
    state = {name: torch.zeros(2, 3, dtype=getattr(torch, name)) for name in DTYPES}
    assert read(save(torch, state, tmp_path / "dtypes.pt", fmt)) == (expected(state), None)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entry", ["model", "state_dict", "model_state_dict", "net"])
def test_a_training_checkpoint_gives_its_model_entry(torch, tmp_path, fmt, entry):
    model = random_model(torch, random.Random(7))
    optimizer = torch.optim.Adam(model.parameters())
    model["linear"](torch.zeros(2, model["linear"].in_features)).sum().backward()
    optimizer.step()  # so that the optimizer's state holds tensors too
    checkpoint = {"epoch": 3, entry: model.state_dict(), "optimizer": optimizer.state_dict(), "loss": 0.25}
    assert read(save(torch, checkpoint, tmp_path / "checkpoint.pt", fmt)) == (expected(model.state_dict()), entry)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tied_parameters_share_a_storage(torch, tmp_path, fmt):
    nn = torch.nn
    model = nn.Sequential(nn.Embedding(10, 4), nn.GRU(4, 4), nn.Linear(4, 10, bias=False))
    model[2].weight = model[0].weight
    state = model.state_dict()
    assert state["2.weight"].untyped_storage().data_ptr() == state["0.weight"].untyped_storage().data_ptr()
    assert read(save(torch, state, tmp_path / "tied.pt", fmt)) == (expected(state), None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_views_empty_tensors_scalars_parameters(torch, tmp_path, fmt):
    grid = torch.arange(24.0).reshape(4, 6)
    marked = torch.zeros(5)
    marked.note = "a tensor with an attribute is pickled by _rebuild_from_type_v2"
    state = {
        "slice": grid[1:3, ::2], "row": grid[2], "transposed": grid.t(), "whole": grid,
        "empty": torch.zeros(0, 5), "empty_view": grid[4:], "scalar": torch.tensor(3.5),
        "int_scalar": torch.tensor(7), "parameter": torch.nn.Parameter(torch.ones(2, 2)), "marked": marked,
        "meta": torch.zeros(3, 2, device="meta"),
    }
    assert read(save(torch, state, tmp_path / "views.pt", fmt)) == (expected(state), None)


def test_a_state_dict_in_an_ordered_dict_with_metadata(torch, tmp_path):
    # A module's state_dict is an OrderedDict whose `_metadata` is an attribute (a BUILD), not an item
    state = torch.nn.LSTM(3, 5).state_dict()
    assert hasattr(state, "_metadata")
    assert read(save(torch, state, tmp_path / "lstm.pt")) == (expected(state), None)


def test_a_200_mb_checkpoint_is_indexed_in_milliseconds(torch, tmp_path):
    path = save(torch, {"weight": torch.zeros(50_000_000), "bias": torch.zeros(3)}, tmp_path / "big.pt")
    assert path.stat().st_size > 200_000_000
    start = time.perf_counter()
    tensors, _ = read(path)
    assert time.perf_counter() - start < 0.5
    assert tensors == {"weight": ((50_000_000,), "float32"), "bias": ((3,), "float32")}


# ---- whole models and other objects ---------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_a_whole_model_is_refused_with_advice(torch, tmp_path, fmt):
    path = save(torch, torch.nn.LSTM(3, 5, proj_size=2), tmp_path / "model.pt", fmt)
    refused(path, "holds a whole model (`torch.nn.modules.rnn.LSTM`", "save `model.state_dict()`")


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_a_torchscript_model_is_refused_with_advice(torch, tmp_path):
    path = tmp_path / "scripted.pt"
    torch.jit.script(torch.nn.Linear(2, 3)).save(str(path))
    refused(path, "TorchScript", "save `model.state_dict()`")


@pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor")
def test_a_quantized_tensor_is_named(torch, tmp_path):
    quantized = torch.quantize_per_tensor(torch.zeros(4), 0.1, 0, torch.qint8)
    refused(save(torch, {"q": quantized}, tmp_path / "q.pt"), "quantized tensor (`torch._utils._rebuild_qtensor`)")


def test_a_dtype_gru_params_does_not_know_is_named(torch, tmp_path):
    path = save(torch, {"scales": torch.zeros(4, dtype=torch.float8_e8m0fnu)}, tmp_path / "e8.pt")
    refused(path, "tensor `scales` of dtype float8_e8m0fnu, which gru-params does not know")


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_objects_that_are_not_state_dicts(torch, tmp_path, fmt):
    refused(save(torch, torch.zeros(3, 4), tmp_path / "t.pt", fmt), "holds a tensor of shape (3, 4), not a state_dict")
    refused(save(torch, [torch.zeros(2)], tmp_path / "l.pt", fmt), "holds a list of 1 item, not a state_dict")
    nested = {"encoder": {"weight": torch.zeros(2)}, "bias": torch.zeros(2)}
    refused(save(torch, nested, tmp_path / "n.pt", fmt), "`encoder` holds a dict of 1 entry, not a tensor",
            "`encoder`, `bias`")
    two = {"model": {"w": torch.zeros(1)}, "state_dict": {"v": torch.zeros(2)}}
    refused(save(torch, two, tmp_path / "two.pt", fmt), "several state_dicts (`state_dict`, `model`)")
    stepped = {"model": {"w": torch.zeros(1), "step": 3}, "epoch": 1}
    refused(save(torch, stepped, tmp_path / "s.pt", fmt), "`model` is not a state_dict: `step` holds an integer")


# ---- hostile pickles: refused by the global they name, nothing run ---------------------------

class Runs:
    """Pickles as a call of `func(*args)`, which a plain pickle.load would make."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def exploits(target, legacy: bool) -> dict:
    """Pickles that create `target` when unpickled, each with the global a refusal must name."""
    inst = b"\x80\x02(" + p_str(f"touch {target}") + b"iposix\nsystem\n."  # protocol 0's INST
    return {
        "system": (pickle.dumps(Runs(os.system, f"touch {target}")), "`posix.system`"),
        "open": (pickle.dumps(Runs(open, str(target), "w"), protocol=2), "`io.open`"),
        "eval": (pickled(p_global("builtins", "eval") + p_tuple(p_str(f"open({str(target)!r}, 'w')")) + b"R"),
                 "`builtins.eval`"),
        "inst": (inst, "`posix.system`"),
        "in_a_dict": (pickled(p_dict({"w": p_tensor("0", legacy=legacy),
                                      "x": p_global("os", "system") + p_tuple(p_str("true")) + b"R"})), "`os.system`"),
    }


@pytest.mark.parametrize("kind", ["system", "open", "eval", "inst", "in_a_dict"])
@pytest.mark.parametrize("where", ["bare", "zip", "legacy"])
def test_a_pickle_that_would_run_code_is_refused(tmp_path, kind, where):
    target = tmp_path / "created_by_the_pickle"
    payload, name = exploits(target, legacy=where == "legacy")[kind]
    path = tmp_path / "evil.pt"
    if where == "bare" and kind == "in_a_dict":  # its tensor comes first: no torch.save file has it
        path.write_bytes(payload)
        refused(path, "is not a PyTorch checkpoint")
        return
    if where == "bare":
        path.write_bytes(payload)
    elif where == "zip":
        zip_file(path, payload, {"0": 24})
    else:
        legacy_file(path, payload, {})
    message = refused(path, f"holds a pickled global {name}, which a state_dict never does",
                      "gru-params does not run pickles")
    assert not target.exists(), message
    assert str(target) not in message  # the refusal comes at the global, before its arguments


def test_a_class_that_is_not_torchs_gets_the_model_advice(tmp_path):
    path = zip_file(tmp_path / "net.pt", pickled(p_global("__main__", "Net") + b")\x81"), {})
    refused(path, "holds a whole model (`__main__.Net`", "save `model.state_dict()`")
    other = zip_file(tmp_path / "obj.pt", pickled(p_global("lightning.fabric", "AttributeDict") + b")R"), {})
    refused(other, "holds a pickled `lightning.fabric.AttributeDict`, a Python object rather than tensors")


# ---- damaged files --------------------------------------------------------------------------

def test_a_storage_smaller_than_its_tensor_says(tmp_path):
    path = zip_file(tmp_path / "short.pt", pickled(p_dict({"w": p_tensor("0", numel=10)})), {"0": 8})
    refused(path, "says tensor `w` has 10 values of float32 in its storage `0`, but the storage holds 8 bytes")


def test_a_tensor_past_its_storage(tmp_path):
    tensor = p_tensor("0", numel=4, size=(2, 3), stride=(3, 1))
    refused(zip_file(tmp_path / "past.pt", pickled(p_dict({"w": tensor})), {"0": 16}),
            "tensor `w` of shape (2, 3) (offset 0, stride (3, 1)) reaches byte 24 of its storage `0`, which holds 16")
    offset = p_tensor("0", numel=6, size=(3,), stride=(1,), offset=4)
    refused(zip_file(tmp_path / "offset.pt", pickled(p_dict({"w": offset})), {"0": 24}), "reaches byte 28")


def test_an_unknown_storage_dtype_is_named(tmp_path):
    path = zip_file(tmp_path / "q.pt", pickled(p_dict({"w": p_tensor("0", storage="QInt8Storage")})), {"0": 6})
    refused(path, "tensor `w` of dtype qint8, which gru-params does not know")
    unknown = zip_file(tmp_path / "u.pt", pickled(p_dict({"w": p_tensor("0", storage="Float7Storage")})), {"0": 6})
    refused(unknown, "a storage of type `torch.Float7Storage`, which gru-params does not know")


def test_damaged_zip_archives(tmp_path):
    good = zip_file(tmp_path / "good.pt", pickled(p_dict(TWO)), {"0": 24, "1": 12}).read_bytes()
    (tmp_path / "half.pt").write_bytes(good[: len(good) // 2])
    refused(tmp_path / "half.pt", "truncated or damaged zip archive")
    refused(zip_file(tmp_path / "missing.pt", pickled(p_dict(TWO)), {"0": 24}),
            "refers to storage `data/1`, which the archive does not hold")
    with zipfile.ZipFile(tmp_path / "other.pt", "w") as archive:
        archive.writestr("archive/weights.bin", b"")
    refused(tmp_path / "other.pt", "zip archive without the `data.pkl` torch.save writes")
    flipped = bytearray(good)
    flipped[good.index(b"_rebuild_tensor_v2")] ^= 0x20  # inside data.pkl: its CRC no longer matches
    (tmp_path / "flipped.pt").write_bytes(bytes(flipped))
    refused(tmp_path / "flipped.pt", "damaged zip archive")


def test_a_pickle_larger_than_the_bound(tmp_path):
    big = pickled(p_str("x" * (state_dict.MAX_BYTES + 10)))
    refused(zip_file(tmp_path / "big.pt", big, {}), "larger than 16 MiB")
    refused(legacy_file(tmp_path / "big_legacy.pt", big, {}), "larger than 16 MiB")


def test_damaged_pickles(tmp_path):
    def damaged(name, pkl, *parts):
        refused(zip_file(tmp_path / f"{name}.pt", pkl, {"0": 24, "1": 12}), *parts)

    whole = pickled(p_dict(TWO))
    damaged("cut", whole[:-40], "is truncated: its data.pkl ends before its end")
    damaged("opcode", b"\x80\x02S'text'\n.", "the opcode 0x53 at byte 2, which torch.save never writes")
    damaged("underflow", b"\x80\x02t.", "a MARK")
    damaged("pop", b"\x80\x02R.", "takes more values than were pushed")
    damaged("memo", b"\x80\x02h\x05.", "a memo index 5 that was never set")
    damaged("key", pickled(b"}]\x89s"), "a dict key that is a list of 0 items")
    damaged("marks", b"\x80\x02" + b"(" * 100 + b".", "MARKs nested deeper than 64")
    damaged("pid", pickled(p_tuple(p_str("module")) + b"Q"), "a persistent id ('module',) that is not a storage's")
    damaged("size", pickled(p_dict({"w": p_tensor("0", size=(-1, 3))})), "a tensor size (-1, 3)")
    damaged("encode", pickled(p_global("_codecs", "encode") + p_tuple(p_str("x"), p_str("rot13")) + b"R"),
            "not of a string to latin-1")


def test_the_bounds_on_what_a_pickle_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(state_dict, "MAX_TENSORS", 3)
    many = {f"t{i}": p_tensor("0") for i in range(4)}
    refused(zip_file(tmp_path / "many.pt", pickled(p_dict(many)), {"0": 24}), "more than 3 tensors")
    monkeypatch.setattr(state_dict, "MAX_NODES", 1000)
    refused(zip_file(tmp_path / "lists.pt", b"\x80\x02" + b"]" * 2000 + b".", {}), "more than 1,000 containers")
    spam = p_str("x" * 100) + b"\x94" + (b"h\x00\x85" * 2000)  # a memo entry wrapped again and again
    refused(zip_file(tmp_path / "tuples.pt", pickled(spam), {}), "more than 1,000 containers")


def test_a_16_mib_hostile_pickle_stays_within_bounds(tmp_path):
    """The worst case measured for memory: 4 million two-character strings left on the stack."""
    path = zip_file(tmp_path / "strings.pt", b"\x80\x02" + b"\x8c\x02ab" * (4 * 2**20 - 16) + b".", {})
    code = ("import resource, sys\nfrom gru_params.errors import SpecError\n"
            "from gru_params.sources.state_dict import read_tensors\n"
            "try:\n    read_tensors(sys.argv[1])\nexcept SpecError as e:\n    print(e)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
    # Linux keeps a forked child's maximum from its parent's size at the fork: measured in a
    # grandchild of a small process, not in a child of this (large) test process
    outer = ("import subprocess, sys\n"
             "print(subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120).stdout, end='')")
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", outer, sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, timeout=150)
    message, peak_mb = run.stdout.splitlines()
    assert "holds a string, not a state_dict" in message, run.stderr
    assert int(peak_mb) < 600, f"peak memory {peak_mb} MB"
    assert time.perf_counter() - start < 60


def test_damaged_legacy_files(tmp_path):
    tensors = pickled(p_dict({"w": p_tensor("0", legacy=True)}))
    refused(legacy_file(tmp_path / "count.pt", tensors, {"0": (5, 4)}), "says storage `0` has 6 values of float32, "
                                                                         "its data holds 5")
    whole = legacy_file(tmp_path / "whole.pt", tensors, {"0": (6, 4)}).read_bytes()
    (tmp_path / "cut.pt").write_bytes(whole[:-3])
    refused(tmp_path / "cut.pt", "is truncated: storage `0` ends at byte")
    refused(legacy_file(tmp_path / "nodata.pt", tensors, {"0": (6, 4)}, keys=[]), "storage `0` has no data")
    refused(legacy_file(tmp_path / "extra.pt", tensors, {"0": (6, 4), "9": (1, 1)}), "a storage no tensor uses")
    head = pickle.dumps(MAGIC_NUMBER, protocol=2) + pickle.dumps(1000, protocol=2)
    (tmp_path / "version.pt").write_bytes(head)
    refused(tmp_path / "version.pt", "legacy PyTorch checkpoint of format 1000")


@pytest.mark.parametrize("content, message", [
    (b"", "is empty, not a PyTorch checkpoint"),
    (b"\x00" * 8 + b'{"w": {}}', "is not a PyTorch checkpoint: neither a zip archive"),
    (pickle.dumps({"w": 1}, protocol=2), "is not a PyTorch checkpoint"),
    (b"x" * 257 + b"ustar\x0000" + b"\x00" * 300, "tar format of torch before 0.4"),
])
def test_files_that_are_not_checkpoints(tmp_path, content, message):
    path = tmp_path / "file.pt"
    path.write_bytes(content)
    refused(path, message)


def test_a_directory_and_a_fifo_are_refused(tmp_path):
    refused(tmp_path, "is a directory")
    fifo = tmp_path / "fifo.pt"
    os.mkfifo(fifo)
    refused(fifo, "is a FIFO")


# ---- fuzzing: any bytes give a result or one line ------------------------------------------

def reads_or_refuses(path) -> None:
    try:
        tensors, key = read_tensors(str(path))
    except SpecError as e:
        assert str(e).startswith(f"{path}: ") and "\n" not in str(e)
    else:
        assert all(t.dtype in DTYPES and all(type(d) is int for d in t.shape) for t in tensors)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """Small real files to mutate: hand-made, and from torch when it is installed."""
    folder = tmp_path_factory.mktemp("seeds")
    files = [zip_file(folder / "hand.pt", pickled(p_dict(TWO)), {"0": 24, "1": 12}),
             legacy_file(folder / "hand_legacy.pt", pickled(p_dict({"w": p_tensor("0", legacy=True)})), {"0": (6, 4)})]
    try:
        import torch
    except ImportError:
        return [f.read_bytes() for f in files]
    state = torch.nn.LSTM(2, 3, proj_size=1).state_dict()
    for fmt in FORMATS:
        files.append(save(torch, state, folder / f"{fmt}.pt", fmt))
    files.append(save(torch, {"epoch": 1, "model": state, "optimizer": {"state": {}}}, folder / "ckpt.pt", "legacy"))
    return [f.read_bytes() for f in files]


def test_every_truncation_of_small_files(seeds, tmp_path):
    path = tmp_path / "cut.pt"
    for data in seeds:
        for end in range(0, len(data), 3):
            path.write_bytes(data[:end])
            reads_or_refuses(path)


fuzz = settings(max_examples=300 * SCALE, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@fuzz
@given(which=st.integers(0, 100), at=st.integers(0, 10**6), value=st.integers(0, 255), count=st.integers(1, 4))
def test_byte_flips_in_real_files(seeds, tmp_path, which, at, value, count):
    data = bytearray(seeds[which % len(seeds)])
    for i in range(count):
        data[(at + 7 * i) % len(data)] = value
    path = tmp_path / "flipped.pt"
    path.write_bytes(bytes(data))
    reads_or_refuses(path)


@fuzz
@given(which=st.integers(0, 100), at=st.integers(0, 10**6), noise=st.binary(max_size=8), cut=st.booleans())
def test_mutated_pickles_inside_valid_zips(seeds, tmp_path, which, at, noise, cut):
    """data.pkl mutated and zipped again with a right CRC, so that the interpreter meets it."""
    zips = [s for s in seeds if s.startswith(b"PK")]
    source = tmp_path / "source.pt"
    source.write_bytes(zips[which % len(zips)])
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    name = next(n for n in members if n.endswith("/data.pkl"))
    pkl = members[name]
    at %= len(pkl)
    members[name] = pkl[:at] + noise + (b"" if cut else pkl[at + len(noise):])
    path = tmp_path / "mutated.pt"
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    reads_or_refuses(path)


# Pieces of torch's pickles: opcodes, with their arguments, and the globals a state_dict has
PIECES = [
    b"(", b"t", b")", b"\x85", b"\x86", b"\x87", b"}", b"]", b"u", b"s", b"a", b"e", b"R", b"Q", b"b", b"N",
    b"\x88", b"\x89", b"\x81", b"0", b"1", b"2", b"l", b"d", b"\x94", b"\x93", b"q\x00", b"q\x01", b"h\x00",
    b"h\x01", b"h\x02", b"r\x03\x00\x00\x00", b"j\x00\x00\x00\x00", b"K\x00", b"K\x03", b"M\xff\xff",
    b"J\xff\xff\xff\xff", b"\x8a\x01\x80", b"G" + struct.pack(">d", 0.5), p_str("storage"), p_str("0"),
    p_str("cpu"), p_str("latin1"), b"\x8c\x01w", b"C\x02ab", b"U\x01x", b"\x95" + bytes(8),
    p_global("torch._utils", "_rebuild_tensor_v2"), p_global("torch._utils", "_rebuild_tensor_v3"),
    p_global("torch._utils", "_rebuild_parameter"), p_global("torch._tensor", "_rebuild_from_type_v2"),
    p_global("torch._utils", "_rebuild_meta_tensor_no_storage"), p_global("collections", "OrderedDict"),
    p_global("torch", "FloatStorage"), p_global("torch.storage", "UntypedStorage"), p_global("torch", "float16"),
    p_global("torch", "Size"), p_global("torch", "device"), p_global("torch", "Tensor"),
    p_global("_codecs", "encode"), p_global("torch.nn.parameter", "Parameter"), p_tensor("0"), p_tensor("1"),
]


@fuzz
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=60), legacy=st.booleans())
def test_random_streams_of_torchs_opcodes(tmp_path, pieces, legacy):
    pkl = b"\x80\x02" + b"".join(pieces) + b"."
    path = tmp_path / "stream.pt"
    if legacy:
        legacy_file(path, pkl, {})
    else:
        zip_file(path, pkl, {"0": 24, "1": 12})
    reads_or_refuses(path)
