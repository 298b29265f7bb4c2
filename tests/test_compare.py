"""`gru-params compare`: snapshots of each format, and the counts against the engine's own layers."""

import json

import pytest
from typer.testing import CliRunner

from gru_params import count_layer
from gru_params.cli import app
from gru_params.compare import compare

runner = CliRunner()


@pytest.mark.parametrize("args, name", [
    (["--units", "75", "--input-dim", "28"], "compare_75_28.txt"),
    (["--units", "75", "--input-dim", "28", "-f", "markdown"], "compare_75_28.md"),
    (["--units", "16,32,64,128", "--input-dim", "28"], "compare_sweep_keras.txt"),
    (["--units", "16,32,64,128", "--input-dim", "28", "--framework", "flax"], "compare_sweep_flax.txt"),
])
def test_compare_snapshots(snapshot, args, name):
    result = runner.invoke(app, ["compare", *args])
    assert result.exit_code == 0
    snapshot(name, result.stdout)


def test_compare_fits_a_terminal():
    out = runner.invoke(app, ["compare", "--units", "75", "--input-dim", "28"]).stdout
    assert max(len(line) for line in out.splitlines() if not line.startswith(("keras", "pytorch", "onnx", "flax"))) <= 80


def test_compare_json_holds_every_count():
    data = json.loads(runner.invoke(app, ["compare", "--units", "16,75", "--input-dim", "28", "-f", "json"]).stdout)
    assert data["units"] == [16, 75]
    by_key = {(c["layer"], c["framework"], c["units"]): c for c in data["counts"]}
    assert by_key[("LSTM", "pytorch", 75)]["params"] == 31500
    assert by_key[("GRU reset-after", "flax", 75)]["params"] == 23475
    assert by_key[("MGU", "flax", 75)]["params"] == 15675 and by_key[("MGU", "keras", 75)]["params"] is None
    assert by_key[("SimpleRNN", "keras2-cudnn", 75)]["params"] is None
    assert by_key[("GRU reset-after", "keras", 75)]["ratio_to_simplernn"] == round(23625 / 7800, 4)
    assert set(data["frameworks"]) == {"keras", "pytorch", "onnx", "keras2-cudnn", "flax"}


def test_compare_counts_are_the_layer_counts():
    result = compare([8, 64], 5)
    for c in result.cells:
        if c.params is None:
            continue
        kind = {"SimpleRNN": "simplernn", "LSTM": "lstm", "MGU": "mgu"}.get(c.variant, "gru")
        options = {"reset_after": c.variant.endswith("after")} if kind == "gru" and c.framework in ("keras", "onnx") else {}
        assert c.params == count_layer(kind, c.units, 5, framework=c.framework, **options).params


@pytest.mark.parametrize("units, message", [("16,x", "Error: expected positive integers separated by commas for --units, got 'x'"),
                                            ("0", "Error: expected a positive integer for --units, got 0")])
def test_compare_bad_sizes(units, message):
    result = runner.invoke(app, ["compare", "--units", units, "--input-dim", "28"])
    assert (result.exit_code, result.stderr) == (2, message + "\n")
