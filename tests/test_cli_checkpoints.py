"""`gru-params summary`, `check` and `convert` on torch checkpoints, through CliRunner: the rows,
tensors and gates torch saved (tests/golden/checkpoints/, with what torch says of them in
checkpoints.json), specs that stand for a checkpoint (`source:`), and files that are not one."""

import json
import random
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gru_params.cli import app

GOLDEN = Path(__file__).parent / "golden"
FOLDER = GOLDEN / "checkpoints"
DATA = json.loads((GOLDEN / "checkpoints.json").read_text())
MODELS = DATA["models"]
UNTIED = [case for case in MODELS if not case["tied"]]  # models whose every row counts all its tensors
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _with(predicate) -> tuple[dict, dict]:
    """The first untied golden model with a row that `predicate` takes, and that row."""
    return next((case, row) for case in UNTIED for row in case["rows"] if predicate(row))


def _recurrent(cls: str):
    return lambda row: (row["class"] == cls and row["attributes"]["bidirectional"]
                        and row["attributes"]["num_layers"] > 1 and (cls != "LSTM" or row["attributes"]["proj_size"]))


LSTM = _with(_recurrent("LSTM"))  # bidirectional, stacked, projected
GRU = _with(_recurrent("GRU"))  # bidirectional, stacked
ATTENTION = _with(lambda row: row["class"] == "MultiheadAttention"
                  and row["attributes"]["kdim"] != row["attributes"]["embed_dim"])  # q/k/v_proj_weight
BATCHNORM = _with(lambda row: row["type"] == "BatchNorm")


def _path(case: dict, fmt: str = "zip") -> Path:
    return FOLDER / case["files"][fmt]


def _block(text: str, case: dict, name: str) -> tuple[str, list[str]]:
    """The line of row `name` in a text summary, and the indented lines under it (--expand)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f"{name} ")]
    assert len(starts) == 1, f"row {name} is not on exactly one line:\n{text}"
    rows = {r["name"] for r in case["rows"]}
    under = []
    for line in lines[starts[0] + 1:]:
        if not line.startswith(" ") or line.split(" ", 1)[0] in rows:
            break
        under.append(line)
    return lines[starts[0]], under


def _shape(shape: list) -> str:
    return str(tuple(shape))  # (8, 5), (7,), ()


# --- summary --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", UNTIED, ids=[c["name"] for c in UNTIED])
def test_summary_text_has_torchs_rows_and_totals(case):
    result = run("summary", _path(case))
    assert (result.exit_code, result.stderr) == (0, "")
    for row in case["rows"]:
        line, under = _block(result.stdout, case, row["name"])
        assert re.match(rf"{re.escape(row['name'])}\s+{re.escape(row['type'])}[(\s]", line), line
        assert re.search(rf"\s{row['params']:,}(\s|$)", line), f"{row['params']:,} not in {line!r}"
        assert under == [], "tensors listed without --expand"
    total = case["total_params"]
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert {f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0"} <= set(lines)


@pytest.mark.parametrize("case", UNTIED, ids=[c["name"] for c in UNTIED])
def test_expand_lists_every_tensor_with_shape_and_dtype(case):
    result = run("summary", _path(case), "--expand")
    assert result.exit_code == 0
    for row in case["rows"]:
        _, under = _block(result.stdout, case, row["name"])
        tensors = [line for line in under if not line.lstrip().startswith("gate ")]
        assert len(tensors) == len(row["tensors"]), (row["name"], under)
        for line, t in zip(tensors, row["tensors"]):
            count = "-" if t["buffer"] else f"{_numel(t['shape']):,}"
            pattern = (rf"\s+{re.escape(t['name'])}\s+{re.escape(_shape(t['shape']))}\s(.*\s)?{re.escape(count)}\s+"
                       rf"{t['dtype']}(\s|$)")
            assert re.match(pattern, line), (line, t)
            assert ("buffer" in line) is t["buffer"], line


def _numel(shape: list) -> int:
    n = 1
    for size in shape:
        n *= size
    return n


GATE = re.compile(r"\s+gate (\w) \(([a-z ]+)\), layer (\d+)(?: (forward|backward))?\s.*?([\d,]+)$")


@pytest.mark.parametrize("which", [LSTM, GRU], ids=["lstm", "gru"])
def test_expand_shows_each_gate_in_torchs_order(which):
    case, row = which
    result = run("summary", _path(case), "--expand")
    _, under = _block(result.stdout, case, row["name"])
    gates = [GATE.match(line) for line in under if line.lstrip().startswith("gate ")]
    assert all(gates), under
    assert [[g[1], int(g[3]), g[4] or "", int(g[5].replace(",", ""))] for g in gates] == row["gates"]
    order = "ifgo" if row["class"] == "LSTM" else "rzn"
    assert "".join(g[1] for g in gates) == order * (len(gates) // len(order)) and len(gates) >= 4 * len(order)
    # An LSTM's projection (weight_hr) is no gate's: the gates and it make the row's count
    projection = sum(_numel(t["shape"]) for t in row["tensors"] if t["name"].startswith("weight_hr"))
    assert sum(g[3] for g in row["gates"]) + projection == row["params"]


def test_summary_json_contract():
    case, row = LSTM
    result = run("summary", _path(case), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"name", "framework", "layers", "total_params", "trainable_params", "non_trainable_params"} <= set(data)
    assert (data["name"], data["framework"], data["total_params"], data["trainable_params"],
            data["non_trainable_params"]) == (case["name"], "pytorch", case["total_params"], case["total_params"], 0)
    assert [(layer["name"], layer["type"], layer["params"]) for layer in data["layers"]] == [
        (r["name"], r["type"], r["params"]) for r in case["rows"]]
    assert sum(layer["params"] for layer in data["layers"]) == data["total_params"]
    assert "weights" not in data["layers"][0] and "gates" not in data["layers"][0]


@pytest.mark.parametrize("which", [LSTM, GRU], ids=["lstm", "gru"])
def test_summary_json_recurrent_rows_have_torchs_attributes(which):
    case, row = which
    layers = {layer["name"]: layer for layer in json.loads(run("summary", _path(case), "-f", "json").stdout)["layers"]}
    keys = ["hidden_size", "input_size", "num_layers", "bidirectional", "bias"]
    keys += ["proj_size"] if row["class"] == "LSTM" else []
    assert {k: layers[row["name"]][k] for k in keys} == {k: row["attributes"][k] for k in keys}


def test_summary_json_cells_have_torchs_attributes():
    for case in UNTIED:
        layers = json.loads(run("summary", _path(case), "-f", "json").stdout)["layers"]
        data = {layer["name"]: layer for layer in layers}
        for row in case["rows"]:
            if row["class"].endswith("Cell"):
                assert {k: data[row["name"]][k] for k in row["attributes"]} == row["attributes"]


def test_summary_json_expand_has_tensors_and_gates():
    case, row = LSTM
    data = json.loads(run("summary", _path(case), "-f", "json", "--expand").stdout)
    layer = next(layer for layer in data["layers"] if layer["name"] == row["name"])
    assert [(w["name"], w["shape"], w["dtype"], w["params"]) for w in layer["weights"]] == [
        (t["name"], t["shape"], t["dtype"], _numel(t["shape"])) for t in row["tensors"]]
    assert [[g["gate"], g["layer"], g["direction"] or "", g["params"]] for g in layer["gates"]] == row["gates"]


def test_summary_json_lists_buffers_apart():
    case, row = BATCHNORM
    data = json.loads(run("summary", _path(case), "-f", "json").stdout)
    layer = next(layer for layer in data["layers"] if layer["name"] == row["name"])
    buffers = [t for t in row["tensors"] if t["buffer"]]
    assert [(b["name"], b["shape"], b["dtype"]) for b in layer["buffers"]] == [
        (t["name"], t["shape"], t["dtype"]) for t in buffers]
    assert [b["name"] for b in buffers] == ["running_mean", "running_var", "num_batches_tracked"]
    assert layer["params"] == row["params"] == 2 * row["attributes"]["num_features"]


def test_summary_attention_row_holds_its_out_proj():
    case, row = ATTENTION
    data = json.loads(run("summary", _path(case), "-f", "json", "--expand").stdout)
    names = [layer["name"] for layer in data["layers"]]
    assert f"{row['name']}.out_proj" not in names
    layer = data["layers"][names.index(row["name"])]
    assert [w["name"] for w in layer["weights"]] == [t["name"] for t in row["tensors"]]
    names = {w["name"] for w in layer["weights"]}
    assert {"out_proj.weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"} <= names
    assert (layer["type"], layer["params"], layer["kdim"], layer["vdim"]) == (
        "MultiheadAttention", row["params"], row["attributes"]["kdim"], row["attributes"]["vdim"])


def test_summary_of_each_format_is_the_same_model():
    case, _ = LSTM
    totals = set()
    for fmt in ("zip", "legacy", "safetensors", "training"):
        result = run("summary", _path(case, fmt), "-f", "json")
        assert result.exit_code == 0
        totals.add(json.loads(result.stdout)["total_params"])
    assert totals == {case["total_params"]}


def test_summary_of_a_training_checkpoint_says_which_entry():
    case, _ = LSTM
    path = _path(case, "training")
    result = run("summary", path, "-f", "json")
    assert result.exit_code == 0
    key = case["files"]["training_key"]
    assert result.stderr == f"Warning: {path}: the state_dict is the checkpoint's `{key}` entry\n"


# --- check and specs with `source:` -----------------------------------------------------------

def test_check_a_checkpoint_passes():
    case, _ = LSTM
    result = run("check", _path(case), "-f", "json")
    assert result.exit_code == 0
    (entry,) = json.loads(result.stdout)["files"]
    assert (entry["ok"], entry["total_params"], entry["problems"]) == (True, case["total_params"], [])


@pytest.fixture
def spec_folder(tmp_path, monkeypatch):
    """A folder `models/` holding the LSTM checkpoint as `lstm.pt`; the working directory is its
    parent, so that a `source:` read from the working directory would not find it."""
    case, _ = LSTM
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(_path(case), folder / "lstm.pt")
    monkeypatch.chdir(tmp_path)
    return folder


def _spec(folder: Path, text: str, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_spec_with_source_passes(spec_folder):
    case, row = LSTM
    total = case["total_params"]
    spec = _spec(spec_folder, f"name: tagger\nsource: lstm.pt\nexpect:\n  total_params: {total}\n  layers:\n"
                              f"    {row['name']}: {row['params']}\nbudget:\n  max_params: {total}\n")
    result = run("check", spec, "-f", "json")
    assert result.exit_code == 0, result.stdout
    (entry,) = json.loads(result.stdout)["files"]
    assert (entry["ok"], entry["name"], entry["total_params"], entry["problems"]) == (True, "tagger", total, [])
    assert run("check", spec).exit_code == 0
    assert run("check", spec, "-f", "github").stdout == "1 passed, 0 failed, 0 errors\n"
    assert 'tests="1" failures="0" errors="0"' in run("check", spec, "-f", "junit").stdout
    summary = run("summary", spec, "-f", "json")
    assert (summary.exit_code, json.loads(summary.stdout)["name"]) == (0, "tagger")


def test_spec_with_source_fails_where_torch_disagrees(spec_folder):
    case, row = LSTM
    total = case["total_params"]
    spec = _spec(spec_folder, f"source: lstm.pt\nexpect:\n  total_params: {total + 1}\n  layers:\n"
                              f"    {row['name']}: {row['params'] - 1}\nbudget:\n  max_params: {total - 1}\n")
    messages = [f"expected {total + 1:,}, got {total:,}", f"expected {row['params'] - 1:,}, got {row['params']:,}",
                f"total_params {total:,} is over the budget of {total - 1:,} by 1"]
    result = run("check", spec, "-f", "json")
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    assert [(p["key"], p["line"], p["message"]) for p in entry["problems"]] == [
        ("total_params", 3, messages[0]), (f"layers.{row['name']}", 5, messages[1]), ("max_params", 7, messages[2])]
    github = run("check", spec, "-f", "github")
    assert github.exit_code == 1
    keys = ["expect.total_params", f"expect.layers.{row['name']}", "budget.max_params"]
    lines = github.stdout.splitlines()
    assert [re.sub(r",line=\d+,col=\d+", "", line) for line in lines[:3]] == [
        f"::error file={spec},title={key}::{message}" for key, message in zip(keys, messages)]
    assert lines[3:] == ["0 passed, 1 failed, 0 errors"]
    junit = run("check", spec, "-f", "junit")
    assert junit.exit_code == 1 and 'tests="1" failures="1" errors="0"' in junit.stdout
    assert all(message in junit.stdout for message in messages)
    assert run("check", spec).exit_code == 1


def test_spec_source_is_relative_to_the_spec_not_the_working_directory(spec_folder):
    _spec(spec_folder, "source: lstm.pt\n")
    assert Path("lstm.pt").exists() is False
    assert run("check", Path("models") / "spec.yaml").exit_code == 0


def test_spec_source_missing_is_one_line_naming_it(spec_folder):
    spec = _spec(spec_folder, "source: missing.pt\n")
    result = run("summary", spec)
    assert (result.exit_code, result.stdout) == (2, "")
    missing = spec_folder / "missing.pt"  # where the spec's folder says it is
    assert result.stderr == f"Error: {spec}:1:9: source: {missing}: no such file\n"
    checked = run("check", spec, "-f", "json")
    assert checked.exit_code == 2
    assert json.loads(checked.stdout)["files"][0]["error"] == f"{spec}:1:9: source: {missing}: no such file"


def test_spec_source_beside_layers_is_an_error(spec_folder):
    spec = _spec(spec_folder, "source: lstm.pt\nlayers:\n  - Dense: {units: 2}\n")
    result = run("summary", spec)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: {spec}:2:1: layers: `layers` does not go with `source`: the saved file says what "
                             "the model is; a spec with `source` takes name, source, expect, budget, compute\n")


def test_spec_source_naming_another_spec_is_an_error(spec_folder):
    _spec(spec_folder, "source: lstm.pt\n", "other.yaml")
    spec = _spec(spec_folder, "source: other.yaml\n")
    result = run("check", spec, "-f", "json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["files"][0]["error"]
    assert error.startswith(f"{spec}:1:9: source: expected a saved model or checkpoint (")
    assert error.endswith("got 'other.yaml'; a YAML spec lists its layers itself")


@pytest.mark.parametrize("fmt", ["zip", "safetensors"])
def test_convert_refuses_a_checkpoint(fmt):
    case, _ = LSTM
    path = _path(case, fmt)
    result = run("convert", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: {path}: expected a saved Keras model (.keras, .json or .h5); a checkpoint holds "
                             "tensors, not layers: `summary` and `check` read it, or a spec with `source:`\n")


# --- files that are not checkpoints -------------------------------------------------------------

def _bad_files(folder: Path) -> list[Path]:
    """Damaged copies of golden files, random bytes under each suffix, and whole pickled models."""
    case, _ = LSTM
    out = []
    for fmt, cut in (("zip", 0.5), ("zip", 0.98), ("legacy", 0.5), ("safetensors", 0.5), ("training", 0.3)):
        data = _path(case, fmt).read_bytes()
        target = folder / f"truncated_{int(cut * 100)}_{case['files'][fmt]}"
        target.write_bytes(data[:int(len(data) * cut)])
        out.append(target)
    for fmt in ("zip", "legacy", "safetensors"):  # 100 bytes cut out near the start: every offset after moves
        data = _path(case, fmt).read_bytes()
        out.append(folder / f"cut_{case['files'][fmt]}")
        out[-1].write_bytes(data[:100] + data[200:])
    noise = random.Random(0).randbytes(4096)
    for suffix in (".pt", ".pth", ".bin", ".ckpt", ".safetensors"):
        out.append(folder / f"random{suffix}")
        out[-1].write_bytes(noise)
    out.append(folder / "empty.pt")
    out[-1].write_bytes(b"")
    out += [FOLDER / name for name in DATA["whole_models"]]
    return out


def test_bad_files_are_one_error_line_each(tmp_path):
    for path in _bad_files(tmp_path):
        result = run("summary", path)
        assert (result.exit_code, result.stdout) == (2, ""), path
        assert result.stderr.startswith(f"Error: {path}: ") and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def test_whole_pickled_model_is_refused_by_name():
    for name in DATA["whole_models"]:
        path = FOLDER / name
        assert run("summary", path).stderr == (
            f"Error: {path}: holds a whole model (`torch.nn.modules.container.Sequential`, saved with "
            "torch.save(model)), not a state_dict; gru-params does not run pickles: save `model.state_dict()` instead, "
            "with torch.save\n")


def test_check_reports_every_file_past_a_bad_one(tmp_path, spec_folder):
    spec = _spec(spec_folder, "source: lstm.pt\n")
    for bad in _bad_files(tmp_path):
        result = run("check", bad, spec, "-f", "json")
        assert result.exit_code == 2
        files = json.loads(result.stdout)["files"]
        assert [(f["path"], f["ok"]) for f in files] == [(str(bad), False), (str(spec), True)]
        assert files[0]["error"].startswith(f"{bad}: ") and "\n" not in files[0]["error"]


def test_summary_of_several_files_goes_past_a_bad_one(tmp_path):
    case, _ = LSTM
    bad = tmp_path / "random.pt"
    bad.write_bytes(random.Random(1).randbytes(100))
    result = run("summary", bad, _path(case), "-f", "json")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {bad}: ") and result.stderr.count("\n") == 1
    assert [s["total_params"] for s in json.loads(result.stdout)] == [case["total_params"]]
