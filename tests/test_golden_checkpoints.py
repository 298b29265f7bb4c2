"""Checkpoints saved by real torch, read by gru-params without torch.

tests/golden/checkpoints/ holds 32 random models of real torch.nn modules, each saved four ways
(torch.save zip, torch.save legacy, safetensors, a training checkpoint with Adam's state);
tests/golden/checkpoints.json says what torch itself says of each: the totals from
`parameters()`, and per module path that owns tensors its count (`parameters(recurse=False)`,
a MultiheadAttention's `out_proj` folded in), the type its tensors and name prove, its attributes,
each tensor's shape and dtype, which are buffers, and the recurrent gates in torch's order.
Both are written by `python tests/oracle/make_golden.py checkpoints` (tests/oracle/torch_checkpoints.py,
which also says which classes tensors cannot tell apart).
"""

import functools
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gru_params
from gru_params.cli import app

GOLDEN = Path(__file__).parent / "golden"
FOLDER = GOLDEN / "checkpoints"
DATA = json.loads((GOLDEN / "checkpoints.json").read_text())
MODELS = DATA["models"]
FORMATS = ("zip", "legacy", "safetensors", "training")
CHECKS = ("totals", "rows", "types", "tensors")

# --- what torch says, checked on a Summary (also used by tests/test_live_checkpoints.py) --------

def check_totals(case: dict, s) -> None:
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (
        case["total_params"], case["trainable_params"], case["total_params"] - case["trainable_params"])
    assert s.bytes() == case["params_bytes"], "Summary.bytes() is not torch's sum of numel * element_size"
    assert (s.framework, s.kind) == ("pytorch", "checkpoint")


def check_rows(case: dict, s, ordered: bool) -> None:
    """One row per module path that owns tensors, with torch's count, a tied tensor counted in the
    row that first holds it; in the file's order for a torch.save file (the state_dict's). A
    safetensors header has no order (it sorts by dtype, then name, and keeps one name of a tied
    tensor, not always the first): any order, and each row's count with its tied tensors is the
    module's own."""
    if ordered:
        assert [(r.name, r.params) for r in s.rows] == [(r["name"], r["params"]) for r in case["rows"]]
    else:
        actual = [(r.name, r.params + sum(math.prod(w.shape) for w, _ in r.shared)) for r in s.rows]
        assert sorted(actual) == sorted((r["name"], r["module_params"]) for r in case["rows"])
    assert sum(r.params for r in s.rows) == s.total_params


def check_types(case: dict, s) -> None:
    """Each row's type, its attributes when the type is the module's own class, and the
    recurrent modules' gates in torch's order with torch's per-gate counts."""
    rows = {r.name: r for r in s.rows}
    for e in case["rows"]:
        assert e["name"] in rows, f"no row for {e['name']} (torch.nn.{e['class']})"
        row = rows[e["name"]]
        assert row.class_name == e["type"], f"{e['name']} is a torch.nn.{e['class']}"
        if e["attributes"] is not None:
            assert dict(row.attributes) == e["attributes"], e["name"]
        if "gates" in e:
            assert [[g.gate, g.layer, g.direction, g.params] for g in row.gates] == e["gates"], e["name"]


def check_tensors(case: dict, s, ordered: bool) -> None:
    """Every tensor of every row, with its shape and dtype; buffers apart and not counted."""
    rows = {r.name: r for r in s.rows}
    for e in case["rows"]:
        assert e["name"] in rows, f"no row for {e['name']} (torch.nn.{e['class']})"
        row = rows[e["name"]]
        order = list if ordered else sorted
        shared = {w.name: (w, first) for w, first in row.shared}
        # a tied tensor is listed apart from the row's own (not counted there): which name is
        # first, the safetensors header does not say
        weights = [*row.weights, *(w for w, _ in row.shared)] if not ordered else row.weights
        for buffer, held in ((False, weights), (True, row.buffers)):
            expected = [(t["name"], tuple(t["shape"]), t["dtype"]) for t in e["tensors"] if t["buffer"] is buffer
                        and (buffer or not ordered or "same_as" not in t)]
            assert order((w.name, tuple(w.shape), w.dtype) for w in held) == order(expected), (
                f"{e['name']} {'buffers' if buffer else 'parameters'}")
        if ordered:
            assert {k: first for k, (_, first) in shared.items()} == {
                t["name"]: t["same_as"] for t in e["tensors"] if "same_as" in t}, f"{e['name']} tied tensors"
        assert row.params == sum(math.prod(w.shape) for w in row.weights)
    params = [w for r in s.rows for w in r.weights]
    assert sorted({w.dtype for w in params}) == case["param_dtypes"]


def check_all(case: dict, s, fmt: str, check: str) -> None:
    ordered = fmt != "safetensors"
    {"totals": lambda: check_totals(case, s), "rows": lambda: check_rows(case, s, ordered),
     "types": lambda: check_types(case, s), "tensors": lambda: check_tensors(case, s, ordered)}[check]()


# --- the golden files -----------------------------------------------------------------------

@functools.cache
def read(path: str):
    spec = gru_params.load_spec(path)
    return spec, gru_params.summarize(spec)


def _param(case: dict, fmt: str, *checks: str):
    """(case, fmt) for parametrize."""
    return pytest.param(case, fmt, id=f"{case['name']}-{fmt}")


def _params(check: str) -> list:
    return [_param(case, fmt, check) for case in MODELS for fmt in FORMATS]


@pytest.mark.parametrize("case, fmt", _params("totals"))
def test_totals_are_torchs(case, fmt):
    check_all(case, read(str(FOLDER / case["files"][fmt]))[1], fmt, "totals")


@pytest.mark.parametrize("case, fmt", _params("rows"))
def test_rows_are_torchs_modules(case, fmt):
    check_all(case, read(str(FOLDER / case["files"][fmt]))[1], fmt, "rows")


@pytest.mark.parametrize("case, fmt", _params("types"))
def test_types_attributes_and_gates(case, fmt):
    check_all(case, read(str(FOLDER / case["files"][fmt]))[1], fmt, "types")


@pytest.mark.parametrize("case, fmt", _params("tensors"))
def test_tensors_buffers_and_dtypes(case, fmt):
    check_all(case, read(str(FOLDER / case["files"][fmt]))[1], fmt, "tensors")


@pytest.mark.parametrize("case", MODELS, ids=[c["name"] for c in MODELS])
def test_each_file_is_named_by_its_stem(case):
    for fmt in FORMATS:
        path = str(FOLDER / case["files"][fmt])
        spec, s = read(path)
        assert (s.name, s.path, spec.name) == (Path(path).stem, path, Path(path).stem)


@pytest.mark.parametrize("case", MODELS, ids=[c["name"] for c in MODELS])
def test_training_checkpoint_says_which_entry_it_read(case):
    path = str(FOLDER / case["files"]["training"])
    assert read(path)[0].warnings == (f"{path}: the state_dict is the checkpoint's `{case['files']['training_key']}` "
                                      "entry",)
    for fmt in ("zip", "legacy", "safetensors"):
        assert read(str(FOLDER / case["files"][fmt]))[0].warnings == ()


# The JSON of `summary`, through the CLI, for every fourth model in each format
CLI_CASES = [_param(case, fmt, "totals", "types") for case in MODELS[::4] + [c for c in MODELS if c["tied"]]
             for fmt in FORMATS]


@pytest.mark.parametrize("case, fmt", CLI_CASES)
def test_cli_summary_json_is_torchs(case, fmt):
    path = str(FOLDER / case["files"][fmt])
    result = CliRunner().invoke(app, ["summary", path, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["name"], data["framework"], data["total_params"], data["trainable_params"],
            data["non_trainable_params"]) == (Path(path).stem, "pytorch", case["total_params"],
                                              case["trainable_params"], case["total_params"] - case["trainable_params"])
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert len(layers) == len(data["layers"]) == len(case["rows"])
    for e in case["rows"]:
        layer = layers[e["name"]]
        assert (layer["type"], layer["params"]) == (e["type"], e["params"]), e["name"]
        for key, value in (e["attributes"] or {}).items():
            assert layer[key] == value, f"{e['name']}: {key}"
        order = sorted if fmt == "safetensors" else list
        assert order(b["name"] for b in layer["buffers"]) == order(t["name"] for t in e["tensors"] if t["buffer"])


# --- the golden data itself ---------------------------------------------------------------------

def test_golden_was_made_by_torch_2_13_and_every_file_is_there():
    assert DATA["torch"].startswith("2.13") and "safetensors" in DATA
    named = {case["files"][fmt] for case in MODELS for fmt in FORMATS}
    assert len(named) == len(MODELS) * len(FORMATS) == 128
    named |= set(DATA["whole_models"])  # torch.save(model): refused, see tests/test_cli_checkpoints.py
    held = {p.name for p in FOLDER.iterdir()}
    assert named - held == set(), "missing golden files; run python tests/oracle/make_golden.py checkpoints"
    assert held - named == set(), "files in tests/golden/checkpoints/ that checkpoints.json does not describe"
    assert sum(p.stat().st_size for p in FOLDER.iterdir()) < 3_000_000
    assert max(p.stat().st_size for p in FOLDER.iterdir()) < 100_000
    suffixes = {Path(name).suffix for name in named}
    assert suffixes == {".pt", ".bin", ".pth", ".ckpt", ".safetensors"}


def test_golden_covers_what_the_reader_must_prove():
    """The random models hold every class, option and dtype the reader must read right, and the
    neutral names that pin each documented fallback."""
    rows = [r for case in MODELS for r in case["rows"]]
    classes = {r["class"] for r in rows}
    assert classes >= {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Linear", "Embedding", "EmbeddingBag",
                       "Bilinear", "Conv1d", "Conv2d", "ConvTranspose1d", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
                       "GroupNorm", "RMSNorm", "PReLU", "MultiheadAttention", "Module"}
    modules = [m for case in MODELS for m in case["spec"]["modules"]]
    kinds = {m["class"] for m in modules}
    assert {"TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer"} <= kinds
    recurrent = [r["attributes"] for r in rows if r["class"] in ("RNN", "LSTM", "GRU")]
    assert {a["num_layers"] for a in recurrent} == {1, 2, 3}
    assert {a["bidirectional"] for a in recurrent} == {a["bias"] for a in recurrent} == {True, False}
    assert any(a.get("proj_size") for a in recurrent)
    attention = [r["attributes"] for r in rows if r["class"] == "MultiheadAttention"]
    assert any(a["kdim"] != a["embed_dim"] for a in attention) and any(a["vdim"] != a["embed_dim"] for a in attention)
    assert any(a["add_bias_kv"] for a in attention) and any(not a["bias"] for a in attention)
    norms = [m["args"] for m in modules if m["class"] == "LayerNorm"]
    assert any(len(a["normalized_shape"]) > 1 and a["bias"] and a["elementwise_affine"] for a in norms)
    assert any(not a["bias"] and a["elementwise_affine"] for a in norms)
    assert any(m["args"].get("groups", 1) > 1 for m in modules)
    assert {case["dtype"] for case in MODELS} == {"float32", "float16", "bfloat16", "float64"}
    assert sum(bool(case["tied"]) for case in MODELS) >= 2
    assert any(case["spec"]["parameters"] for case in MODELS) and any(case["spec"]["buffers"] for case in MODELS)
    assert any(r["name"] == "(root)" for r in rows)
    # each documented fallback, from a neutrally named module
    fallbacks = {(r["class"], r["type"]) for r in rows if r["class"] != r["type"]}
    assert fallbacks >= {("Embedding", "Linear"), ("EmbeddingBag", "Linear"), ("EmbeddingBag", "Embedding"),
                         ("GroupNorm", "LayerNorm"), ("PReLU", "RMSNorm"), ("ConvTranspose1d", "Conv1d"),
                         ("Bilinear", "Conv1d"), ("LayerNorm", "RMSNorm"), ("BatchNorm1d", "LayerNorm")}
    assert any(r["class"].startswith("BatchNorm") and (r["attributes"] or {}).get("affine") is False
               for r in rows)  # affine=False: running statistics only
    assert any("same_as" in t for r in rows for t in r["tensors"])  # a tied weight, counted once
    assert len(MODELS) >= 30
