"""`gru-params summary` and `gru-params check` through CliRunner: formats, exit codes, snapshots."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gru_params.cli import app

runner = CliRunner()
SPECS = Path(__file__).parents[1] / "specs"
ENV = {"COLUMNS": "120"}


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env=ENV)


GOLDEN = json.loads((Path(__file__).parent / "golden" / "keras_models.json").read_text())["models"]


@pytest.mark.parametrize("model", GOLDEN[:12], ids=[m["spec"]["name"] for m in GOLDEN[:12]])
def test_summary_command_prints_what_keras_printed(tmp_path, model):
    import yaml

    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(model["spec"], sort_keys=False))
    result = run("summary", path)
    assert (result.exit_code, result.stdout) == (0, model["summary"])
    assert run("summary", path, "--show-trainable").stdout == model["summary_trainable"]


def test_summary_footer():
    lines = run("summary", SPECS / "mnist_gru.yaml").stdout.splitlines()
    assert lines[0] == 'Model: "mnist_gru"'
    assert lines[-3:] == [" Total params: 24,385 (95.25 KB)", " Trainable params: 24,385 (95.25 KB)",
                          " Non-trainable params: 0 (0.00 B)"]


def test_summary_json_contract():
    result = run("summary", SPECS / "stacked_bidirectional_encoder.yaml", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"name", "layers", "total_params", "trainable_params", "non_trainable_params"} <= set(data)
    first = data["layers"][0]
    assert (first["name"], first["type"], first["output_shape"], first["params"], first["trainable"]) == (
        "masking", "Masking", [None, None, 40], 0, True)
    assert "layers" not in data["layers"][1] and "weights" not in data["layers"][1]
    assert sum(layer["params"] for layer in data["layers"]) == data["total_params"] == 299077


def test_summary_json_expand_has_weights_gates_and_wrapped_layers():
    data = json.loads(run("summary", SPECS / "stacked_bidirectional_encoder.yaml", "-f", "json", "--expand").stdout)
    bidirectional = data["layers"][1]
    assert [inner["name"] for inner in bidirectional["layers"]] == ["forward_lstm", "backward_lstm"]
    assert bidirectional["weights"][0] == {"name": "forward_lstm/kernel", "shape": [40, 512], "params": 20480,
                                           "trainable": True}
    assert [g["gate"] for g in bidirectional["layers"][0]["gates"]] == ["i", "f", "c", "o"]


def test_summary_of_several_specs_in_json_is_a_list():
    result = run("summary", SPECS / "mnist_gru.yaml", SPECS / "mnist_lstm.yaml", "-f", "json")
    assert [m["total_params"] for m in json.loads(result.stdout)] == [24385, 31960]


def test_summary_reports_bad_specs_and_prints_the_good_ones(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [2]\nlayers: [GRUU]\n")
    result = run("summary", SPECS / "mnist_gru.yaml", bad)
    assert result.exit_code == 2
    assert 'Model: "mnist_gru"' in result.stdout
    assert result.stderr == f"Error: {bad}:2:10: layers[0].GRUU: unknown layer `GRUU` (did you mean `GRU`?)\n"


@pytest.mark.parametrize("options, snapshot_name", [
    ([], "summary_autoencoder.txt"),
    (["--show-trainable"], "summary_autoencoder_trainable.txt"),
    (["--expand"], "summary_autoencoder_expand.txt"),
    (["--format", "markdown", "--expand", "--show-trainable"], "summary_autoencoder.md"),
])
def test_summary_snapshots(snapshot, options, snapshot_name):
    result = run("summary", SPECS / "lstm_autoencoder.yaml", *options)
    assert result.exit_code == 0
    snapshot(snapshot_name, result.stdout)


def test_check_specs_folder_passes():
    result = run("check", SPECS)
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith(f"{len(list(SPECS.glob('*.yaml')))} passed, 0 failed, 0 errors")


@pytest.fixture
def mixed(tmp_path):
    """A folder with a passing, a failing and an invalid spec, and a hidden folder to skip."""
    shutil.copy(SPECS / "mnist_gru.yaml", tmp_path / "a_pass.yaml")
    (tmp_path / "b_fail.yml").write_text(
        "input: [28, 28]\nlayers:\n  - LSTM: {units: 75}\nexpect:\n  total_params: 31000\n"
        "  layers: {lstm: 31200, lstn: 1}\nbudget:\n  max_params: 30000\n")
    (tmp_path / "c_invalid.yaml").write_text("input: [28, 28]\nlayers:\n  - GRU: {unit: 75}\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "skipped.yaml").write_text("not: [a spec")
    (tmp_path / "notes.txt").write_text("not a spec")
    return tmp_path


def test_check_exit_codes(mixed):
    assert run("check", mixed / "a_pass.yaml").exit_code == 0
    assert run("check", mixed / "b_fail.yml").exit_code == 1
    assert run("check", mixed / "c_invalid.yaml").exit_code == 2
    assert run("check", mixed).exit_code == 2  # an invalid file outranks a failed check


def test_check_json(mixed):
    data = json.loads(run("check", mixed, "--format", "json").stdout)
    assert [Path(f["path"]).name for f in data["files"]] == ["a_pass.yaml", "b_fail.yml", "c_invalid.yaml"]
    assert (data["passed"], data["failed"], data["errors"]) == (1, 1, 1)
    fail = data["files"][1]
    assert (fail["ok"], fail["total_params"]) == (False, 31200)
    assert [(p["key"], p["expected"], p["actual"], p["line"]) for p in fail["problems"]] == [
        ("total_params", 31000, 31200, 5), ("layers.lstn", 1, None, 6), ("max_params", 30000, 31200, 8)]
    assert fail["problems"][1]["message"] == "no layer named `lstn` (did you mean `lstm`?)"
    assert data["files"][2]["error"].endswith("layers[0].GRU.unit: unknown argument `unit` for GRU (did you mean `units`?)")


@pytest.mark.parametrize("fmt, snapshot_name", [
    ("table", "check_mixed.txt"), ("github", "check_mixed_github.txt"), ("junit", "check_mixed.xml")])
def test_check_report_snapshots(snapshot, mixed, monkeypatch, fmt, snapshot_name):
    monkeypatch.chdir(mixed)
    result = run("check", ".", "--format", fmt)
    snapshot(snapshot_name, result.stdout)


def test_check_junit_is_valid_xml(mixed):
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(run("check", mixed, "-f", "junit").stdout.split("?>", 1)[1])
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    assert len(suite.findall("testcase/failure")) == 3


def test_check_never_writes_to_specs(mixed):
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in mixed.rglob("*") if p.is_file()}
    for fmt in ("table", "json", "junit", "github"):
        run("check", mixed, "--format", fmt)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in mixed.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in mixed.rglob("*")) == sorted(p for p in (
        "a_pass.yaml", "b_fail.yml", "c_invalid.yaml", ".hidden", "skipped.yaml", "notes.txt"))


def test_check_empty_folder(tmp_path):
    result = run("check", tmp_path)
    assert (result.exit_code, result.stderr) == (2, f"Error: {tmp_path}: no *.yaml or *.yml spec files found\n")


def test_check_missing_path(tmp_path):
    result = run("check", tmp_path / "gone.yaml", "-f", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["files"][0]["error"] == f"{tmp_path / 'gone.yaml'}: no such file"


def test_progress_bar_on_a_terminal_with_many_files(monkeypatch):
    from gru_params import cli

    class Terminal:
        written = []

        def isatty(self):
            return True

        def write(self, text):
            self.written.append(text)
            return len(text)

        def flush(self):
            pass

    monkeypatch.setattr(cli.sys, "stderr", Terminal())
    files = [f"spec_{i}.yaml" for i in range(cli.PROGRESS_FROM)]
    assert cli._with_progress(files, str.upper) == [f.upper() for f in files]
    assert "Checking specs" in "".join(Terminal.written)


def test_no_progress_bar_when_few_files_or_no_terminal(monkeypatch):
    from gru_params import cli

    called = []
    monkeypatch.setattr("rich.progress.track", lambda *a, **k: called.append(1))
    assert cli._with_progress(["a"], str.upper) == ["A"]
    assert cli._with_progress(["a"] * cli.PROGRESS_FROM, str.upper) == ["A"] * cli.PROGRESS_FROM  # not a tty
    assert not called


def test_exact_counts_at_any_size(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("input: [null, 3000000000]\nlayers:\n  - LSTM: {units: 1000000000}\n")
    data = json.loads(run("summary", path, "-f", "json").stdout)
    u, d = 10**9, 3 * 10**9
    assert data["total_params"] == 4 * (d * u + u * u + u)  # Python integers: no overflow
