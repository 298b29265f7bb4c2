"""`gru-params convert`: a saved Keras model to a YAML spec that reads back to the same summary."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gru_params import load_spec, render, summarize
from gru_params.cli import app
from gru_params.convert import to_yaml
from gru_params.spec import from_text
from tests.conftest import require

runner = CliRunner()
GOLDEN_DIR = Path(__file__).parent / "golden"
FUNCTIONAL = json.loads((GOLDEN_DIR / "keras_functional.json").read_text())["models"]
SAVED = sorted((GOLDEN_DIR / "saved").iterdir())


def assert_round_trip(path: Path) -> str:
    """Convert the saved model at `path`; the YAML must give the summary the file gives."""
    spec = load_spec(path)
    original = summarize(spec)
    text = to_yaml(spec, original, path.name)
    back = summarize(from_text(text, "converted.yaml"))
    for show_trainable in (False, True):
        assert render.summary_text(back, columns=160, show_trainable=show_trainable) == \
            render.summary_text(original, columns=160, show_trainable=show_trainable), text
    assert (back.total_params, back.trainable_params) == (original.total_params, original.trainable_params), text
    return text


@pytest.mark.parametrize("model", FUNCTIONAL, ids=[m["spec"]["name"] for m in FUNCTIONAL])
def test_round_trip_of_the_json_keras_wrote(model, tmp_path):
    path = tmp_path / f"{model['spec']['name']}.json"
    path.write_text(model["json"])
    assert_round_trip(path)


@pytest.mark.parametrize("path", SAVED, ids=[p.name for p in SAVED])
def test_round_trip_of_the_files_keras_saved(path):
    if path.suffix == ".h5":
        require("h5py", "read legacy .h5 files")
    assert_round_trip(path)


def test_the_converted_spec_leaves_out_defaults_and_keeps_what_matters():
    seq2seq = next(m for m in FUNCTIONAL if m["spec"]["name"] == "functional_000")
    text = assert_round_trip_text(seq2seq)
    assert "glorot_uniform" not in text and "float32" not in text and "DTypePolicy" not in text
    assert "initial_state: [" in text and "\n# expect:\n#   total_params: " in text
    assert f"#   total_params: {seq2seq['total_params']}\n" in text


def assert_round_trip_text(model) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.json"
        path.write_text(model["json"])
        return assert_round_trip(path)


def test_convert_prints_the_spec(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(FUNCTIONAL[0]["json"])
    result = runner.invoke(app, ["convert", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Converted by gru-params from m.json.\nname: functional_000\ninputs:\n")
    assert list(tmp_path.iterdir()) == [path]  # nothing written


def test_convert_writes_a_new_file_and_never_overwrites(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(FUNCTIONAL[0]["json"])
    out = tmp_path / "m.yaml"
    assert runner.invoke(app, ["convert", str(path), "-o", str(out)]).exit_code == 0
    written = out.read_text()
    check = runner.invoke(app, ["check", str(out)])
    assert check.exit_code == 0, check.stdout
    out.write_text("mine")
    result = runner.invoke(app, ["convert", str(path), "-o", str(out)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {out}: exists; gru-params does not overwrite files (choose another --output)\n"
    assert out.read_text() == "mine" and written.startswith("# Converted")


def test_convert_refuses_a_yaml_spec(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("input: [3]\nlayers: [Flatten]\n")
    result = runner.invoke(app, ["convert", str(path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: {path}: expected a saved Keras model (.keras, .json or .h5); a YAML spec is "
                             "already a spec\n")


def test_convert_reports_a_broken_archive(tmp_path):
    path = tmp_path / "m.keras"
    path.write_bytes(b"not a zip")
    result = runner.invoke(app, ["convert", str(path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {path}: is not a .keras archive (not a readable zip file)\n"


def test_check_and_summary_take_saved_models():
    paths = ["examples/mnist_gru.keras", "examples/seq2seq.json", "tests/golden/keras2/imdb_lstm.json"]
    result = runner.invoke(app, ["check", *paths, "--format", "json"])
    assert result.exit_code == 0, result.stdout
    files = json.loads(result.stdout)["files"]
    assert [(f["path"], f["ok"], f["total_params"]) for f in files] == [
        ("examples/mnist_gru.keras", True, 24385), ("examples/seq2seq.json", True, 718173),
        ("tests/golden/keras2/imdb_lstm.json", True, 328353)]
    summary = runner.invoke(app, ["summary", "examples/seq2seq.json", "--format", "json"])
    rows = json.loads(summary.stdout)["layers"]
    assert [r["name"] for r in rows] == ["encoder_inputs", "decoder_inputs", "encoder", "decoder", "head"]
    assert rows[3]["connected_to"] == ["decoder_inputs[0][0]", "encoder[0][1]", "encoder[0][2]"]
