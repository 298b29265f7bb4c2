"""Bad functional specs and bad saved models: one line naming file, line, column and key; exit 2."""

import json
import zipfile

import pytest
from typer.testing import CliRunner

from gru_params.cli import app

runner = CliRunner()

HEAD = "inputs:\n  a: [null, 8]\n  b: [null, 4]\nlayers:\n"
ENCODER = "  - LSTM: {units: 4, name: enc, return_state: true}\n    inputs: a\n"

CASES = {
    "misspelt_reference": (HEAD + ENCODER + '  - LSTM: {units: 4}\n    inputs: b\n    initial_state: ["enc[1]", "encc[2]"]\n',
                           "9:31: layers[1].initial_state[1]: unknown input or layer `encc` (did you mean `enc`?)"),
    "several_outputs_unnamed": (HEAD + ENCODER + "  - Dense: {units: 2}\n    inputs: enc\n",
                                "8:13: layers[1].inputs: `enc` returns 3 tensors [(None, 4), (None, 4), (None, 4)]; "
                                "name one: enc[0], enc[1], enc[2]"),
    "output_index_out_of_range": (HEAD + ENCODER + "  - Dense: {units: 2}\n    inputs: enc[3]\n",
                                  "8:13: layers[1].inputs: `enc` returns 3 tensors, so `enc[3]` does not exist "
                                  "(they are enc[0] to enc[2])"),
    "index_on_one_output": (HEAD + "  - Dense: {units: 2, name: d}\n    inputs: a\n  - Dense: {units: 2}\n    inputs: d[1]\n",
                            "8:13: layers[1].inputs: `d` returns one tensor, so `d[1]` does not exist; write `d`"),
    "cycle": (HEAD + "  - Dense: {units: 8, name: x}\n    inputs: [y]\n  - Dense: {units: 8, name: y}\n    inputs: x\n",
              "5:5: layers[0].Dense: the layers form a cycle: x (line 5) <- y (line 7) <- x (line 5)"),
    "called_on_itself": (HEAD + "  - Dense: {units: 3, name: d}\n    inputs: d\n",
                         "5:5: layers[0].Dense: the layers form a cycle: d (line 5) <- d (line 5)"),
    "dangling_layer": (HEAD + "  - Dense: {units: 8, name: x}\n    inputs: a\n  - Dense: {units: 8, name: y}\n"
                       "    inputs: b\noutputs: [x]\n",
                       "7:5: layers[1].Dense: `y` is not connected to the model's outputs (x); use its output or remove it"),
    "unknown_output": (HEAD + "  - Dense: {units: 8, name: x}\n    inputs: a\noutputs: [xx]\n",
                       "7:11: outputs[0]: unknown input or layer `xx` (did you mean `x`?)"),
    "merge_shape_clash": (HEAD + "  - Add: {}\n    inputs: [a, b]\n",
                          "5:5: layers[0].Add: cannot merge tensors of shapes (None, 8) and (None, 4) (without the batch axis)"),
    "concatenate_shape_clash": ("inputs:\n  a: [5, 8]\n  b: [6, 4]\nlayers:\n  - Concatenate: {}\n    inputs: [a, b]\n",
                                "5:5: layers[0].Concatenate: needs inputs of the same shape except along axis -1, "
                                "got [(None, 5, 8), (None, 6, 4)]"),
    "subtract_three": ("inputs:\n  a: [4]\nlayers:\n  - Subtract: {}\n    inputs: [a, a, a]\n",
                       "4:5: layers[0].Subtract: is called on 2 tensors, got 3: [(None, 4), (None, 4), (None, 4)]"),
    "dot_axes_clash": (HEAD + "  - Dot: {axes: -1}\n    inputs: [a, b]\n",
                       "5:5: layers[0].Dot: cannot take the dot product of (None, None, 8) and (None, None, 4) along axes [2, 2]"),
    "merge_in_sequential": ("input: [5, 8]\nlayers:\n  - Add: {}\n",
                            "3:5: layers[0].Add: is called on a list of tensors, got one tensor (None, 5, 8); in a "
                            "functional model give it `inputs: [a, b]`"),
    "misspelt_call_argument": (HEAD + "  - LSTM: {units: 4}\n    inputs: a\n    intial_state: [a]\n",
                               "7:5: layers[0].intial_state: unknown call argument `intial_state` for LSTM (did you "
                               "mean `initial_state`?); it takes inputs, initial_state, mask"),
    "call_argument_in_sequential": ("input: [5, 8]\nlayers:\n  - LSTM: {units: 4}\n    inputs: a\n",
                                    "4:5: layers[0].inputs: `inputs` beside a layer needs a functional model: name the "
                                    "model's inputs with `inputs:` (name: shape) instead of `input:`"),
    "input_and_inputs": ("input: [5, 8]\ninputs: {a: [5]}\nlayers: [Dense]\n",
                         "1:8: input: give either `input` (a Sequential model) or `inputs` (a functional model), not both"),
    "outputs_in_sequential": ("input: [3]\nlayers: [{Dense: {units: 2}}]\noutputs: [dense]\n",
                              "3:10: outputs: `outputs` needs a functional model: name its inputs with `inputs:` (name: shape)"),
    "first_layer_without_inputs": (HEAD + "  - Dense: {units: 3}\n",
                                   "5:5: layers[0].Dense: needs `inputs:`: the model has 2 inputs (a, b)"),
    "two_tensors_to_dense": (HEAD + "  - Dense: {units: 3}\n    inputs: [a, b]\n",
                             "6:14: layers[0].inputs[0]: Dense is called on one tensor, got 2 tensors"),
    "attention_without_value": (HEAD + "  - MultiHeadAttention: {num_heads: 2, key_dim: 2}\n    inputs: a\n",
                                "5:5: layers[0].MultiHeadAttention: needs a `value` tensor: `inputs: [query, value]`, "
                                "or `value:` beside `inputs`"),
    "value_given_twice": (HEAD + "  - MultiHeadAttention: {num_heads: 2, key_dim: 2}\n    inputs: [a, b]\n    value: b\n",
                          "6:17: layers[0].inputs[1]: `value` is given twice: in `inputs` and as `value`"),
    "initial_state_count": (HEAD + "  - LSTM: {units: 4}\n    inputs: a\n    initial_state: [b]\n",
                            "5:5: layers[0].LSTM: `initial_state` takes 2 tensors [(None, 4), (None, 4)], got 1: "
                            "[(None, None, 4)]"),
    "reference_not_a_name": (HEAD + "  - LSTM: {units: 4}\n    inputs: 5\n",
                             "6:13: layers[0].inputs: expected the name of an input or a layer, like `encoder` or "
                             "`encoder[1]`, got 5"),
    "empty_inputs": ("inputs: {}\nlayers: [Dense]\n",
                     "1:9: inputs: expected the model's inputs as a mapping of name to per-sample shape, like "
                     "`tokens: [null]`; got a mapping"),
    "bad_input_shape": ("inputs:\n  a: [0, 8]\nlayers: [Flatten]\n",
                        "2:6: inputs.a: expected the per-sample shape as a list of positive integers or nulls (no batch "
                        "axis), like [28, 28], [null, 28] or [] (a scalar); got a list"),
    "input_and_layer_share_a_name": (HEAD + "  - Dense: {units: 3, name: a}\n    inputs: b\n",
                                     "5:5: layers[0].Dense: duplicate name `a` (also inputs.a, line 2); layer and "
                                     "input names must be unique"),
    "call_arguments_without_layer": (HEAD + "  - inputs: a\n",
                                     "5:5: layers[0]: expected a layer, {ClassName: {arguments}}, beside its call "
                                     "arguments (inputs)"),
    "empty_sequential_model": ("input: [3]\nlayers:\n  - Sequential: {layers: []}\n",
                               "3:26: layers[0].Sequential.layers: expected a non-empty list of layers"),
    "functional_model_without_layers": ("input: [3]\nlayers:\n  - Functional: {model: {inputs: {x: [3]}}}\n",
                                        "3:25: layers[0].Functional.model: a functional model needs `layers`"),
    "functional_model_called_on_the_wrong_shape": (
        "input: [5]\nlayers:\n  - Functional: {model: {inputs: {x: [3]}, layers: [{Dense: {units: 2}, inputs: x}]}}\n",
        "3:5: layers[0].Functional: the model takes [(None, 3)], got [(None, 5)]"),
    "bad_flag": (HEAD + "  - Attention: {}\n    inputs: [a, a]\n    return_attention_scores: maybe\n",
                 "7:30: layers[0].return_attention_scores: expected true or false for `return_attention_scores`, got 'maybe'"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_functional_spec(tmp_path, name):
    text, message = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["summary", str(path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {path}:{message}\n"


def test_the_seq2seq_of_the_issue_reads_with_references_in_a_flow_list(tmp_path):
    """`[encoder[1], encoder[2]]` is not YAML on its own; the spec reader takes it."""
    path = tmp_path / "seq2seq.yaml"
    path.write_text(HEAD + ENCODER + "  - LSTM: {units: 4, name: dec}\n    inputs: b\n    initial_state: [enc[1], enc[2]]\n"
                    "  - Dense: {units: 2, name: head}\n    inputs: dec\noutputs: [head]\n")
    result = runner.invoke(app, ["summary", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)["layers"]}
    assert rows["dec"]["connected_to"] == ["b[0][0]", "enc[0][1]", "enc[0][2]"]


# ---- saved models ----------------------------------------------------------------------------

LSTM_CONFIG = {"class_name": "Sequential", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 5, 3], "name": "input_layer"}},
    {"class_name": "LSTM", "config": {"name": "lstm", "units": 4}}]}}


def _archive(path, files: dict):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def _summary(path):
    return runner.invoke(app, ["summary", str(path)])


def test_a_handmade_config_reads(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(LSTM_CONFIG))
    result = _summary(path)
    assert result.exit_code == 0 and "Total params: 128" in result.stdout  # 4 * (4 * (3 + 4) + 4)


SAVED_CASES = {
    "not_a_zip": (lambda p: p.write_bytes(b"PK\x03\x04 garbage"), ".keras",
                  "{p}: is not a .keras archive (not a readable zip file)"),
    "text_not_zip": (lambda p: p.write_text("hello"), ".keras", "{p}: is not a .keras archive (not a readable zip file)"),
    "no_config": (lambda p: _archive(p, {"metadata.json": "{}"}), ".keras",
                  "{p}: is a zip archive without config.json, not a model saved by Keras (model.save('model.keras'))"),
    "truncated_archive_config": (lambda p: _archive(p, {"config.json": json.dumps(LSTM_CONFIG)[:60]}), ".keras",
                                 "{p}:config.json:1:61: JSON syntax error: found unexpected end of stream (scanning a quoted scalar "
                                 "that starts at line 1, column 54)"),
    "truncated_json": (lambda p: p.write_text(json.dumps(LSTM_CONFIG)[:-20]), ".json",
                       "{p}:1:204: JSON syntax error: found unexpected end of stream (scanning a quoted scalar that "
                       "starts at line 1, column 201)"),
    "unknown_layer": (lambda p: p.write_text(json.dumps(LSTM_CONFIG).replace('"LSTM"', '"LSTMM"')), ".json",
                      "{p}:1:174: config.layers[1].class_name: unknown layer `LSTMM` (did you mean `LSTM`?); "
                      "gru-params does not count it; if it is a layer of your own, give its output shape and count: "
                      "--output-shape lstm=SHAPE --params lstm=COUNT"),
    "custom_layer": (lambda p: p.write_text(json.dumps(LSTM_CONFIG).replace(
        '"class_name": "LSTM",', '"class_name": "Mine", "registered_name": "my_pkg>Mine",')), ".json",
                     "{p}:1:174: config.layers[1].class_name: unknown layer `Mine` (a custom layer: its weights cannot "
                     "be known from its config); if it is a layer of your own, give its output shape and count: "
                     "--output-shape lstm=SHAPE --params lstm=COUNT"),
    "bad_argument": (lambda p: p.write_text(json.dumps(LSTM_CONFIG).replace('"units": 4', '"units": -4')), ".json",
                     "{p}:1:218: layers[0].LSTM.units: expected a positive integer for `units`, got -4"),
    "not_a_model": (lambda p: p.write_text('{"class_name": "Dense", "config": {}}'), ".json",
                    "{p}:1:16: class_name: expected a saved model (Sequential, Functional, Model), got 'Dense'"),
    "no_class_name": (lambda p: p.write_text('{"config": {}}'), ".json",
                      "{p}:1:1: expected a Keras config with `class_name`, got a mapping"),
    "json_list": (lambda p: p.write_text("[1, 2]"), ".json", "{p}:1:1: expected a Keras config with `class_name`, got a list"),
    "empty_json": (lambda p: p.write_text(""), ".json", "{p}: is empty; expected a Keras model config"),
    "unbuilt_sequential": (lambda p: p.write_text('{"class_name": "Sequential", "config": {"name": "m", "layers": '
                                                  '[{"class_name": "Dense", "config": {"units": 2}}]}}'), ".json",
                           "{p}:1:40: config: the saved model has no input shape: it was saved before it was built "
                           "(give it an Input or call it once)"),
    "shared_layer": (lambda p: p.write_text(json.dumps({"class_name": "Functional", "config": {
        "name": "f", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 3], "name": "x"}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"units": 3, "name": "d"},
             "inbound_nodes": [[["x", 0, 0, {}]], [["d", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 1, 0]]}})), ".json",
                     "{p}:1:271: config.layers[1].inbound_nodes: layer `d` is called 2 times; gru-params reads models "
                     "whose layers are each called once (no shared layers)"),
    "missing": (lambda p: None, ".keras", "{p}: no such file"),
    "weights_only_h5": (lambda p: __import__("h5py").File(p, "w").close(), ".h5",
                        "{p}: has no model_config: it holds weights only (saved with save_weights?), not a model"),
    "not_hdf5": (lambda p: p.write_text("hello"), ".h5", "{p}: is not an HDF5 file"),
}


@pytest.mark.parametrize("name", sorted(SAVED_CASES))
def test_bad_saved_model(tmp_path, name):
    make, suffix, message = SAVED_CASES[name]
    if suffix == ".h5":
        from tests.conftest import require

        require("h5py", "write .h5 files")
    path = tmp_path / f"{name}{suffix}"
    make(path)
    result = _summary(path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: " + message.format(p=path) + "\n"


def test_h5_without_h5py_says_how_to_install_it(tmp_path, monkeypatch):
    """The .h5 reader runs in a child process (gru_params/sources/h5child.py): an h5py that cannot be
    imported there, as on a machine without the [h5] extra."""
    fake = tmp_path / "no_h5py" / "h5py"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named h5py')\n")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    path = tmp_path / "m.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    result = _summary(path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: {path}: reading .h5 files needs h5py: pip install 'gru-params[h5]' "
                             "(or save the model as .keras)\n")
