"""Every crash, hang and wrong answer that hostile input has found (issue 9 and the fuzzing in
test_fuzz.py), kept as a test: each ends in a result or one line on stderr with exit code 2,
in bounded time."""

import json
import math
import os
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gru_params
from gru_params import GruParamsError, SpecError, count_layer, limits, load_spec, summarize
from gru_params.cli import app
from gru_params.render import readable_bytes
from tests.h5files import write_model_weights

ROOT = Path(__file__).parents[1]
runner = CliRunner()
HEAD = "input: [10, 4]\nlayers:\n"


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "100"})


def fails(path, message: str, *command):
    """`gru-params summary PATH` (or `command`) exits 2 with exactly one line naming `path`."""
    result = run(*(command or ("summary",)), path)
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert result.stderr == f"Error: {path}{message}\n"


def spec(tmp_path, text: str, name: str = "hostile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---- crashes ------------------------------------------------------------------------------------

NULL_LAYERS = {
    "bidirectional": ("  - Bidirectional: {layer: null}\n", ":3:28: layers[0].Bidirectional.layer: expected a layer "
                                                            "for `layer`, got null"),
    "time_distributed": ("  - TimeDistributed: {layer: null}\n", ":3:30: layers[0].TimeDistributed.layer: expected "
                                                                 "a layer for `layer`, got null"),
    "rnn_cell": ("  - RNN: {cell: null}\n", ":3:17: layers[0].RNN.cell: expected an RNN cell for `cell`, got null"),
    "stacked_cells": ("  - RNN: {cell: {StackedRNNCells: {cells: null}}}\n",
                      ":3:43: layers[0].RNN.cell.StackedRNNCells.cells: expected a list of RNN cells for `cells`, "
                      "got null"),
    "sequential": ("  - Sequential: {layers: null}\n", ":3:26: layers[0].Sequential.layers: expected a list of "
                                                       "layers for `layers`, got null"),
    "functional": ("  - Functional: {model: null}\n", ":3:25: layers[0].Functional.model: expected a functional "
                                                      "model (inputs, layers, outputs) for `model`, got null"),
}


@pytest.mark.parametrize("name", sorted(NULL_LAYERS))
def test_null_for_a_wrapped_layer(tmp_path, name):
    entry, message = NULL_LAYERS[name]
    fails(spec(tmp_path, HEAD + entry), message)


def test_a_null_backward_layer_is_the_default(tmp_path):
    path = spec(tmp_path, HEAD + "  - Bidirectional: {layer: {GRU: {units: 3}}, backward_layer: null}\n")
    assert summarize(load_spec(path)).total_params == 2 * 3 * (4 * 3 + 3 * 3 + 2 * 3)


def test_an_integer_literal_past_pythons_digit_limit(tmp_path):
    fails(spec(tmp_path, HEAD + "  - GRU: {units: " + "1" * 5000 + "}\n"),
          ":3:18: the integer '11111111111111111...111111111111111111' is out of range: numbers in a spec fit in 64 "
          "bits (at most 9,223,372,036,854,775,807)")


def test_an_output_index_past_pythons_digit_limit(tmp_path):
    """Found by splicing a long number into specs/seq2seq_translator.yaml."""
    text = (ROOT / "specs/seq2seq_translator.yaml").read_text().replace("encoder[1]", "encoder[" + "1" * 5000 + "]")
    result = run("summary", spec(tmp_path, text))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "initial_state[0]: the output index in 'encoder[111111111...11111111111111111]' is out of range" in result.stderr


@pytest.mark.parametrize("literal", ["9223372036854775808", "0x8000000000000000", "-9223372036854775808",
                                     "1:" * 20 + "1", "1_000_000_000_000_000_000_000"])
def test_integers_past_int64_in_any_spelling(tmp_path, literal):
    result = run("summary", spec(tmp_path, HEAD + f"  - Dense: {{units: {literal}}}\n"))
    assert result.exit_code == 2
    assert "is out of range: numbers in a spec fit in 64 bits" in result.stderr


def test_counts_past_float_range_are_exact(tmp_path):
    """Sizes at the int64 limit give counts past float range: printed exactly, bytes too."""
    big = 2**62
    path = spec(tmp_path, f"input: [{big}]\nlayers:\n  - Dense: {{units: {big}}}\n  - Dense: {{units: {big}}}\n")
    s = summarize(load_spec(path))
    assert s.total_params == 2 * (big * big + big)
    result = run("summary", path)
    assert result.exit_code == 0
    assert f" Total params: {s.total_params:,} (" in result.stdout
    assert json.loads(run("summary", path, "-f", "json").stdout)["total_params"] == s.total_params
    assert readable_bytes(4 * 2**1100) == f"{4 * 2**1100 // 1024**5}.00 PB"
    assert readable_bytes(1024**5 * 5 + 1024**5 // 200) == "5.00 PB"  # 5.005 rounds to even
    assert readable_bytes(1536) == "1.50 KB"  # below float's limit, as Keras computes it


def _archive(tmp_path, patch) -> Path:
    path = tmp_path / "model.keras"
    path.write_bytes((ROOT / "examples/mnist_gru.keras").read_bytes())
    data = bytearray(path.read_bytes())
    patch(data)
    path.write_bytes(bytes(data))
    return path


def _headers(data, offsets):
    """Every local (offset 0) and central (offset 1) header's field at the given offsets."""
    for signature, offset in ((b"PK\x03\x04", offsets[0]), (b"PK\x01\x02", offsets[1])):
        at = data.find(signature)
        while at >= 0:
            yield at + offset
            at = data.find(signature, at + 1)


def _method(data, method):
    for at in _headers(data, (8, 10)):
        data[at:at + 2] = method.to_bytes(2, "little")


def _encrypted(data):
    for at in _headers(data, (6, 8)):
        data[at] |= 1


def test_archive_with_an_unknown_compression_method(tmp_path):
    fails(_archive(tmp_path, lambda d: _method(d, 99)),
          ": is a damaged .keras archive (NotImplementedError: That compression method is not supported)")


def test_archive_with_the_encrypted_flag(tmp_path):
    path = _archive(tmp_path, _encrypted)
    result = run("summary", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: is a damaged .keras archive (RuntimeError: File ")
    assert "is encrypted" in result.stderr and result.stderr.count("\n") == 1


def test_archive_with_a_corrupt_deflate_stream(tmp_path):
    path = tmp_path / "deflated.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", (ROOT / "examples/seq2seq.json").read_text())
    data = bytearray(path.read_bytes())
    start = 30 + len("config.json")  # the first local header, then its data
    data[start:start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    result = run("summary", path)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}: is a damaged .keras archive (")


@pytest.fixture
def h5py():
    from tests.conftest import require

    return require("h5py", "write .h5 files")


def _h5(tmp_path, h5py, **attrs) -> Path:
    path = tmp_path / "model.h5"
    with h5py.File(path, "w", libver="latest") as f:
        for key, value in attrs.items():
            f.attrs[key] = value
    return path


CONFIG = (ROOT / "tests/golden/keras2/imdb_lstm.json").read_text()


def test_h5_with_a_keras_version_that_is_not_utf8(tmp_path, h5py):
    import numpy as np

    path = _h5(tmp_path, h5py, model_config=CONFIG, keras_version=np.bytes_(b"2.\xff"))
    assert summarize(load_spec(path)).total_params == 328353


def test_h5_with_a_model_config_that_is_not_utf8(tmp_path, h5py):
    import numpy as np

    path = _h5(tmp_path, h5py, model_config=np.bytes_(CONFIG.encode() + b"\xff"))
    fails(path, ":model_config: is not UTF-8 text (byte 0xff at offset 1,969)".replace("1,969", f"{len(CONFIG.encode())}"))


@pytest.mark.parametrize("at, error", [(801, "KeyError"), (858, "TypeError"), (48, "ValueError")])
def test_h5_with_damaged_objects(tmp_path, h5py, at, error):
    """Bytes the fuzzer flipped in a golden file: h5py raised KeyError, TypeError and
    ValueError, not only OSError."""
    data = bytearray((ROOT / "tests/golden/saved/functional_000.h5").read_bytes())
    data[at] ^= 0xFF
    path = tmp_path / "damaged.h5"
    path.write_bytes(bytes(data))
    result = run("summary", path)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}: is a damaged HDF5 file ({error}: ")


def test_h5_that_crashes_the_hdf5_library(tmp_path, h5py):
    """One byte the fuzzer set (124 at 1,009) makes HDF5 itself die of a segmentation fault
    while reading the attributes: it happens in a child process, and is this file's error."""
    data = bytearray((ROOT / "tests/golden/saved/functional_000.h5").read_bytes())
    data[1009] = 124
    path = tmp_path / "crash.h5"
    path.write_bytes(bytes(data))
    good = tmp_path / "good.yaml"
    good.write_text((ROOT / "specs/mnist_gru.yaml").read_text())
    fails(path, ": is a damaged HDF5 file (the HDF5 library stopped with signal 11 reading it)")
    result = run("check", path, good, "-f", "json")  # and the run goes on to the next file
    assert result.exit_code == 2 and [f["ok"] for f in json.loads(result.stdout)["files"]] == [False, True]


def test_saved_json_mixing_keras2_and_keras3_calls(tmp_path):
    """Keras 3 tensors inside a Keras 2 call list."""
    config = json.loads((ROOT / "examples/seq2seq.json").read_text())
    keras2 = json.loads((ROOT / "tests/golden/keras2/seq2seq.json").read_text())
    config["config"]["layers"][2]["inbound_nodes"] = [[config["config"]["layers"][2]["inbound_nodes"][0]["args"][0]]]
    keras2["config"]["layers"][2]["inbound_nodes"][0].append({"args": [], "kwargs": {}})
    tensor_in_a_list = spec(tmp_path, json.dumps(config), "mixed0.json")
    assert summarize(load_spec(tensor_in_a_list)).total_params == 718173  # the tensor names its layer either way
    tensor = config["config"]["layers"][2]["inbound_nodes"][0][0]
    tensor.update(module=None, registered_name=None)  # four keys: it was taken for [name, node, tensor, kwargs]
    assert summarize(load_spec(spec(tmp_path, json.dumps(config), "mixed2.json"))).total_params == 718173
    fails(spec(tmp_path, json.dumps(keras2), "mixed1.json"),
          ":1:1818: config.layers[2].inbound_nodes[0][1]: expected a Keras config with `config`, got a mapping")


def test_convert_of_an_initializer_whose_config_is_not_a_mapping(tmp_path):
    config = json.loads((ROOT / "examples/seq2seq.json").read_text())
    config["config"]["layers"][2]["config"]["kernel_initializer"]["config"] = [1, 2]
    path = spec(tmp_path, json.dumps(config), "odd.json")
    result = run("convert", path)
    assert result.exit_code == 0, result.output
    assert "class_name: GlorotUniform, config: [1, 2]" in result.stdout  # kept whole, as it is not the short form
    assert summarize(load_spec(spec(tmp_path, result.stdout))).total_params == 718173


def test_convert_into_a_folder_that_does_not_exist(tmp_path):
    out = tmp_path / "nope" / "spec.yaml"
    result = run("convert", ROOT / "examples/seq2seq.json", "-o", out)
    assert (result.exit_code, result.stderr) == (2, f"Error: {out}: the folder {out.parent} does not exist\n")


def test_count_layer_with_an_unhashable_argument():
    with pytest.raises(gru_params.ArgumentError, match=r"expected a positive integer for `units`, got \[75\]"):
        count_layer("gru", [75], 28)


@pytest.mark.parametrize("path, message", [
    ("specs/mnist_gru.yaml\0", r"specs/mnist_gru.yaml\\0: is not a valid path: it holds a NUL character"),
    (3, r"expected a file path \(str or os.PathLike\), got 3"),
])
def test_load_spec_with_a_path_no_file_can_have(path, message):
    with pytest.raises(GruParamsError, match=message):
        load_spec(path)


def test_load_spec_takes_a_bytes_path():
    assert summarize(load_spec(os.fsencode(ROOT / "specs/mnist_gru.yaml"))).total_params == 24385


# ---- one file never hides the others ------------------------------------------------------------

def test_a_bug_in_one_file_is_that_files_error(tmp_path, monkeypatch):
    """An unexpected exception while counting one file: that file's error line, exit 2, and
    every other file still in the report."""
    from gru_params import infer

    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text((ROOT / "specs/mnist_gru.yaml").read_text())
    real = infer.summarize

    def broken(spec):
        if spec.path.endswith("b.yaml"):
            raise TypeError("a bug")
        return real(spec)

    monkeypatch.setattr("gru_params.check.summarize", broken)
    result = run("check", tmp_path, "-f", "json")
    assert result.exit_code == 2
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert files["a.yaml"]["ok"] and files["c.yaml"]["ok"]
    assert files["b.yaml"]["error"] == f"{tmp_path / 'b.yaml'}: internal error, please report it (TypeError: a bug)"
    monkeypatch.setattr("gru_params.api.summarize", broken)
    result = run("summary", tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml")
    assert result.exit_code == 2 and result.stdout.count("Model:") == 2
    assert result.stderr == f"Error: {tmp_path / 'b.yaml'}: internal error, please report it (TypeError: a bug)\n"


# ---- bounded time and memory -------------------------------------------------------------------

def _nested_sequential_bomb(levels: int = 40) -> str:
    lines = ["input: [4]", "l0: &l0 {Dense: {units: 1}}"]
    lines += [f"l{i}: &l{i} {{Sequential: {{layers: [*l{i - 1}, *l{i - 1}]}}}}" for i in range(1, levels)]
    return "\n".join(lines) + f"\nlayers: [*l{levels - 1}]\n"


def test_alias_bomb_of_nested_models(tmp_path):
    """600 bytes that stand for 2**40 layers: refused while parsing, as every use of an alias
    counts."""
    text = _nested_sequential_bomb()
    assert len(text) < 2000
    started = time.perf_counter()
    result = run("summary", spec(tmp_path, text))
    assert time.perf_counter() - started < 5
    assert result.exit_code == 2 and "has more than 2,000,000 YAML nodes" in result.stderr


def test_alias_bomb_in_a_json_file(tmp_path):
    """JSON has no aliases: a .json file with YAML's is refused, at once."""
    started = time.perf_counter()
    result = run("summary", spec(tmp_path, _nested_sequential_bomb(), "bomb.json"))
    assert time.perf_counter() - started < 5
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_aliases_within_the_bounds_still_read(tmp_path):
    text = "input: [4]\nd: &d {Dense: {units: 2}}\nlayers: [*d, *d]\n".replace("d: &d", "x: &d")
    result = run("summary", spec(tmp_path, text))
    assert result.exit_code == 2 and "unknown key `x` in the spec" in result.stderr  # read, then refused as a spec


def test_a_saved_config_of_too_many_values(tmp_path):
    """JSON is read by json's C parser, then held to the YAML reader's bounds, so that
    `convert` never writes a spec that cannot be read back."""
    path = spec(tmp_path, json.dumps({"class_name": "Sequential", "config": {"layers": [1] * limits.MAX_NODES}}),
                "values.json")
    fails(path, ": has more than 2,000,000 values")


def test_more_layers_than_the_limit(tmp_path):
    path = spec(tmp_path, "input: [4]\nlayers:\n" + "  - Flatten\n" * (limits.MAX_LAYERS + 1))
    started = time.perf_counter()
    fails(path, f":{limits.MAX_LAYERS + 3}:5: layers[{limits.MAX_LAYERS}].Flatten: the model has more than 20,000 "
                "layers (wrapped and nested ones included), gru-params's limit")
    assert time.perf_counter() - started < 5


def test_a_full_size_spec_of_tiny_layers_is_bounded(tmp_path):
    """16 MiB of one-word layers (1.3 million of them) once took 25 s and 2.8 GB."""
    path = spec(tmp_path, "input: [4]\nlayers:\n" + "  - Flatten\n" * ((limits.MAX_BYTES - 30) // 12))
    started = time.perf_counter()
    result = run("summary", path)
    assert time.perf_counter() - started < 20
    assert result.exit_code == 2 and "the model has more than 20,000 layers" in result.stderr


def test_weight_tensors_are_bounded(tmp_path):
    """Stacked PyTorch layers multiply tensors: 20,000 GRUs of 1,000 layers each would be 80
    million; the count stops at the bound."""
    layers = "".join(f"  - GRU: {{hidden_size: {n + 1}, num_layers: 1000}}\n" for n in range(200))
    path = spec(tmp_path, "framework: pytorch\ninput: [5, 3]\nlayers:\n" + layers)
    started = time.perf_counter()
    result = run("summary", path)
    assert time.perf_counter() - started < 20
    assert result.exit_code == 2 and "the model has more than 200,000 weight tensors" in result.stderr


def test_num_layers_is_bounded():
    result = run("layer", "gru", "--units", 5, "--input-dim", 3, "--framework", "pytorch", "--num-layers", 100000000)
    assert (result.exit_code, result.stderr) == (2, "Error: expected at most 1,000 for --num-layers (gru-params's "
                                                    "limit), got 100000000\n")


def test_num_layers_in_a_spec_is_bounded(tmp_path):
    path = spec(tmp_path, "framework: pytorch\ninput: [5, 3]\nlayers:\n  - GRU: {hidden_size: 4, num_layers: 100000000}\n")
    fails(path, ":4:5: layers[0].GRU: expected at most 1,000 for `num_layers` (gru-params's limit), got 100000000")


def test_a_long_compare_sweep_is_linear():
    started = time.perf_counter()
    result = run("compare", "--units", ",".join(map(str, range(1, 1001))), "--input-dim", 28)
    assert result.exit_code == 0
    assert time.perf_counter() - started < 10  # 20 s when every cell was looked up by a linear search
    assert run("compare", "--units", ",".join(["4"] * 1001), "--input-dim", 28).stderr == (
        "Error: expected at most 1,000 sizes for --units, got 1,001\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    (tmp_path / "good.yaml").write_text((ROOT / "specs/mnist_gru.yaml").read_text())
    started = time.perf_counter()
    fails(fifo, ": is a FIFO (named pipe), not a file")
    result = run("check", tmp_path, "-f", "json")  # the folder with it: the other file is still checked
    assert time.perf_counter() - started < 5
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert result.exit_code == 2 and files["good.yaml"]["ok"]
    assert files["pipe.yaml"]["error"] == f"{fifo}: is a FIFO (named pipe), not a file"


def test_a_link_to_a_device_is_refused(tmp_path):
    link = tmp_path / "x.keras"
    link.symlink_to("/dev/zero")
    fails(link, ": is a device, not a file")
    link = tmp_path / "x.h5"
    link.symlink_to("/dev/zero")
    fails(link, ": is a device, not a file")


def test_an_h5_model_config_over_the_bound(tmp_path, h5py):
    import numpy as np

    path = _h5(tmp_path, h5py, model_config=np.bytes_(b" " * (limits.MAX_BYTES + 1)))
    fails(path, ": has a model_config larger than 16 MiB")


def test_an_archive_whose_directory_is_too_large(tmp_path):
    path = tmp_path / "many.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", (ROOT / "examples/seq2seq.json").read_text())
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 12:end + 16] = (limits.MAX_BYTES + 1).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    fails(path, ": has a zip directory larger than 16 MiB; a .keras archive holds three files")


# ---- stored weights: the shapes an .h5 file or a .keras archive holds (gru_params/sources/keras_stored.py) ----

# CONFIG's weights, laid out as tf_keras's save_weights_to_hdf5_group lays them out
IMDB_WEIGHTS = {"embedding": [("embedding/embeddings:0", (10000, 32))],
                "lstm": [("lstm/lstm_cell/kernel:0", (32, 128)), ("lstm/lstm_cell/recurrent_kernel:0", (32, 128)),
                         ("lstm/lstm_cell/bias:0", (128,))],
                "dense": [("dense/kernel:0", (32, 1)), ("dense/bias:0", (1,))]}
BIAS = "model_weights/dense/dense/bias:0"


def _stored(tmp_path, h5py, change=None, layers=IMDB_WEIGHTS) -> Path:
    """CONFIG in an .h5 file with its weights (never written: only their shapes are read),
    then `change(file)`."""
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = CONFIG
        f.attrs["keras_version"] = "2.21.0"
        write_model_weights(f, layers)
        if change is not None:
            change(f)
    return path


def _replace(f, path, make) -> None:
    del f[path]
    make(f, path)


def _weight_names_in_chunks(f) -> None:
    """As Keras splits a list past HDF5's 64 KiB object header: weight_names0, weight_names1."""
    layer = f["model_weights/lstm"]
    names = layer.attrs["weight_names"]
    del layer.attrs["weight_names"]
    layer.attrs["weight_names0"], layer.attrs["weight_names1"] = names[:2], names[2:]


def test_stored_weights_laid_out_as_keras_does(tmp_path, h5py):
    assert summarize(load_spec(_stored(tmp_path, h5py))).total_params == 328353
    assert summarize(load_spec(_stored(tmp_path, h5py, _weight_names_in_chunks))).total_params == 328353


def _hostile_weights(np, h5py):
    """name -> (change to the file, what the one-line error says in its parentheses)."""
    return {
        "no_layer_names": (lambda f: f["model_weights"].attrs.pop("layer_names"),
                           "model_weights has no `layer_names` attribute"),
        "layer_names_not_a_list": (lambda f: f["model_weights"].attrs.__setitem__("layer_names", "dense"),
                                   "model_weights: `layer_names` is not a list of names"),
        "layer_names_of_numbers": (lambda f: f["model_weights"].attrs.__setitem__("layer_names", np.arange(3)),
                                   "model_weights: `layer_names` holds int64 values, not names"),
        "a_missing_layer": (lambda f: f["model_weights"].attrs.__setitem__("layer_names", [b"dense", b"gone"]),
                            "model_weights/gone is missing"),
        "no_weight_names": (lambda f: f["model_weights/lstm"].attrs.pop("weight_names"),
                            "model_weights/lstm has no `weight_names` attribute"),
        "a_group_for_a_weight": (lambda f: f["model_weights/dense"].attrs.__setitem__("weight_names", [b"dense"]),
                                 "model_weights/dense/dense is a group, not a dataset"),
        "a_soft_link": (lambda f: _replace(f, BIAS, lambda f, p: f.__setitem__(p, h5py.SoftLink("/model_weights"))),
                        f"{BIAS} is a link, not a stored weight"),
        "an_external_link": (lambda f: _replace(f, BIAS, lambda f, p: f.__setitem__(p, h5py.ExternalLink(
            "/etc/passwd", "/x"))), f"{BIAS} is a link, not a stored weight"),
        "a_shapeless_dataset": (lambda f: _replace(f, BIAS, lambda f, p: f.create_dataset(p, data=h5py.Empty("f4"))),
                                f"{BIAS} is a dataset without a shape"),
    }


@pytest.mark.parametrize("name", ["no_layer_names", "layer_names_not_a_list", "layer_names_of_numbers",
                                  "a_missing_layer", "no_weight_names", "a_group_for_a_weight", "a_soft_link",
                                  "an_external_link", "a_shapeless_dataset"])
def test_hostile_stored_weights(tmp_path, h5py, name):
    import numpy as np

    change, problem = _hostile_weights(np, h5py)[name]
    started = time.perf_counter()
    fails(_stored(tmp_path, h5py, change), f": stores weights that Keras cannot have written ({problem})")
    assert time.perf_counter() - started < 5


def test_stored_weights_of_sizes_no_model_has(tmp_path, h5py):
    """Shapes as large as HDF5 takes (no data is written, and none read): the file's layer
    disagrees with its config, in one line with the exact counts."""
    huge = 2**62
    path = _stored(tmp_path, h5py, lambda f: _replace(f, BIAS, lambda f, p: f.create_dataset(p, (huge, huge), "f4",
                                                                                            chunks=(1, 1))))
    fails(path, f": layer dense: the file stores weights (32, 1), ({huge}, {huge}) ({32 + huge * huge:,} params), "
                "the config gives weights (32, 1), (1,) (33 params)")


def test_stored_weights_past_the_bounds(tmp_path, h5py):
    """More names than MAX_TENSORS, in Keras's chunks: refused before a dataset is opened."""
    import numpy as np

    def many(f):
        layer = f["model_weights/dense"]
        del layer.attrs["weight_names"]
        names = np.array([b"dense/kernel:0"] * (limits.MAX_TENSORS + 1))
        for i, chunk in enumerate(np.array_split(names, 50)):
            layer.attrs[f"weight_names{i}"] = chunk

    started = time.perf_counter()
    fails(_stored(tmp_path, h5py, many), ": stores weights that Keras cannot have written (model_weights/dense: "
                                         "`weight_names` names more than 200,000, gru-params's limit)")
    assert time.perf_counter() - started < 5


def test_stored_weights_counted_against_the_bound(tmp_path, h5py, monkeypatch):
    """The bounds the child is given (HDF5's own limit of 32 axes is MAX_RANK's)."""
    from gru_params.sources import keras_stored as stored

    monkeypatch.setattr(stored, "MAX_RANK", 1)
    fails(_stored(tmp_path, h5py), ": stores weights that Keras cannot have written (model_weights/embedding/"
                                   "embedding/embeddings:0 has 2 axes, more than 1)")
    monkeypatch.undo()
    monkeypatch.setattr(stored, "MAX_TENSORS", 5)
    fails(_stored(tmp_path, h5py), ": stores weights that Keras cannot have written (stores more than 5 weight "
                                   "tensors, gru-params's limit)")
    monkeypatch.setattr(stored, "MAX_LAYERS", 2)
    fails(_stored(tmp_path, h5py), ": stores weights that Keras cannot have written (model_weights: `layer_names` "
                                   "names more than 2, gru-params's limit)")


GOLDEN_KERAS = ROOT / "tests/golden/saved/functional_000.keras"


def _weights_archive(tmp_path, h5py=None, change=None, data: bytes | None = None) -> Path:
    """functional_000.keras, a Keras 3 archive, with its model.weights.h5 changed by
    `change(file)` or replaced by `data`."""
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(GOLDEN_KERAS) as z:
        members = {name: z.read(name) for name in z.namelist()}
    if change is not None:
        work = tmp_path / "model.weights.h5"
        work.write_bytes(members["model.weights.h5"])
        with h5py.File(work, "r+") as f:
            change(f)
        data = work.read_bytes()
    members["model.weights.h5"] = data
    with zipfile.ZipFile(path, "w") as z:
        for name, member in members.items():
            z.writestr(name, member)
    return path


def _nested(f, depth: int) -> None:
    group = f["layers/dense"]
    for _ in range(depth):
        group = group.create_group("g")


def _hostile_archive_weights(h5py):
    kernel = "layers/dense/vars/0"
    return {
        "layers_a_dataset": (lambda f: _replace(f, "layers", lambda f, p: f.create_dataset(p, (1,), "f4")),
                             "layers is a dataset, not a group"),
        "a_link_to_a_layer": (lambda f: f["layers"].__setitem__("other", h5py.SoftLink("/layers/dense")),
                              "layers/other is a link, not a stored weight"),
        "a_link_below": (lambda f: f["layers/dense/vars"].__setitem__("2", h5py.ExternalLink("/etc/passwd", "/")),
                         "layers/dense/vars/2 is a link, not a stored weight"),
        "a_shapeless_variable": (lambda f: _replace(f, kernel, lambda f, p: f.create_dataset(p, data=h5py.Empty("f4"))),
                                 f"{kernel} is a dataset without a shape"),
        "a_datatype": (lambda f: f["layers/dense/vars"].__setitem__("t", __import__("numpy").dtype("f4")),
                       "layers/dense/vars/t is a datatype, not a stored weight"),
        "nested_too_deep": (lambda f: _nested(f, 70), f"layers/dense{'/g' * 65} nests deeper than 64 levels"),
    }


@pytest.mark.parametrize("name", ["layers_a_dataset", "a_link_to_a_layer", "a_link_below", "a_shapeless_variable",
                                  "a_datatype", "nested_too_deep"])
def test_hostile_archive_weights(tmp_path, h5py, name):
    change, problem = _hostile_archive_weights(h5py)[name]
    started = time.perf_counter()
    fails(_weights_archive(tmp_path, h5py, change), f": has a damaged model.weights.h5 ({problem})")
    assert time.perf_counter() - started < 5


def test_archive_weights_that_are_not_hdf5(tmp_path, h5py):
    path = _weights_archive(tmp_path, data=b"\x89HDF\r\n\x1a\n" + bytes(200))
    result = run("summary", path)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}: has a damaged model.weights.h5 (OSError: ")


def test_archive_weights_past_the_end_of_the_archive(tmp_path, h5py):
    """A member whose central directory says it is larger than the archive."""
    path = _weights_archive(tmp_path, data=(GOLDEN_KERAS.read_bytes()))  # any bytes: the sizes are what is wrong
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the last member's central header: model.weights.h5
    for offset in (20, 24):  # its compressed and uncompressed sizes
        data[central + offset:central + offset + 4] = (len(data) * 2).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    fails(path, ": has a damaged model.weights.h5 (BadZipFile: model.weights.h5 runs past the end of the archive)")


def test_archive_weight_groups_counted_against_the_bound(tmp_path, h5py, monkeypatch):
    from gru_params.sources import keras_stored as stored

    path = _weights_archive(tmp_path, h5py, lambda f: [f.create_group(f"layers/dense/vars/{i}x") for i in range(20)])
    monkeypatch.setattr(stored, "MAX_TENSORS", 10)
    fails(path, ": has a damaged model.weights.h5 (holds more than 10 groups of weights, gru-params's limit)")
    monkeypatch.setattr(stored, "MAX_TENSORS", 200_000)
    monkeypatch.setattr(stored, "MAX_LAYERS", 3)
    fails(path, ": has a damaged model.weights.h5 (layers holds more than 3 layers, gru-params's limit)")


# ---- wrong answers -----------------------------------------------------------------------------

@pytest.mark.parametrize("units", [75.0, True])
def test_count_layer_validation_does_not_depend_on_the_cache(units):
    count_layer("gru", 75, 28)
    count_layer("gru", 1, 28)
    with pytest.raises(gru_params.ArgumentError, match="expected a positive integer for `units`"):
        count_layer("gru", units, 28)


def test_convert_keeps_keras2_freezing(tmp_path):
    """A frozen Bidirectional in a Keras 2 file: tf_keras counts 9 trainable of 265 (the file's
    keras2.json); the converted spec must say the same, not Keras 3's 265."""
    truth = json.loads((ROOT / "tests/golden/keras2/keras2.json").read_text())["models"]["frozen_bidirectional"]
    result = run("convert", ROOT / "tests/golden/keras2/frozen_bidirectional.json")
    assert result.exit_code == 0 and "framework: keras2\n" in result.stdout
    s = summarize(load_spec(spec(tmp_path, result.stdout)))
    assert (s.total_params, s.trainable_params) == (truth["total_params"], truth["trainable_params"]) == (265, 9)


def test_a_gru_saved_before_reset_after_existed(tmp_path):
    """A GRU config without `reset_after` was written by Keras before 2.1.5: one bias. Read
    with today's default it counted 404, not tf_keras's 371 (keras2.json), a silent wrong number."""
    truth = json.loads((ROOT / "tests/golden/keras2/keras2.json").read_text())["models"]["gru_before_reset_after"]
    path = ROOT / "tests/golden/keras2/gru_before_reset_after.json"
    assert "reset_after" not in path.read_text().replace("gru_before_reset_after", "")
    s = summarize(load_spec(path))
    assert s.total_params == truth["total_params"] == 371
    assert {r.name: r.params for r in s.rows} == truth["layers"]
    converted = run("convert", path)
    assert converted.exit_code == 0 and converted.stdout.count("reset_after: false") == 2
    assert summarize(load_spec(spec(tmp_path, converted.stdout))).total_params == 371


def test_keras2_flips_go_backwards_where_keras3_refuses(tmp_path):
    truth = json.loads((ROOT / "tests/golden/keras2/keras2.json").read_text())["models"]["bidirectional_go_backwards"]
    assert summarize(load_spec(ROOT / "tests/golden/keras2/bidirectional_go_backwards.json")).total_params == \
        truth["total_params"]
    path = spec(tmp_path, HEAD + "  - Bidirectional: {layer: {LSTM: {units: 4, go_backwards: true}}}\n")
    fails(path, ":3:5: layers[0].Bidirectional: the forward and backward layers must have different `go_backwards` "
                "values, got True for both; Keras 3 runs the backward copy with go_backwards=True, so the wrapped "
                "layer must not")
    assert summarize(load_spec(spec(tmp_path, "framework: keras2\n" + path.read_text(), "k2.yaml"))).total_params == \
        2 * 4 * (4 * 4 + 4 * 4 + 4)


def test_bidirectional_directions_must_agree(tmp_path):
    path = spec(tmp_path, HEAD + "  - Bidirectional: {layer: {LSTM: {units: 4, return_sequences: true}}, "
                                 "backward_layer: {LSTM: {units: 4, go_backwards: true}}}\n")
    fails(path, ":3:5: layers[0].Bidirectional: the forward and backward layers must agree on `return_sequences`, "
                "got True and False")


def test_a_functional_model_whose_last_layer_returns_several_tensors(tmp_path):
    """keras.Model(x, LSTM(4, return_state=True)(x)) builds, with three outputs."""
    path = spec(tmp_path, "inputs: {x: [5, 3]}\nlayers:\n  - LSTM: {units: 4, return_state: true}\n")
    s = summarize(load_spec(path))
    assert s.output_shapes == ((None, 4), (None, 4), (None, 4)) and s.total_params == 128
    explicit = spec(tmp_path, path.read_text() + "outputs: [lstm]\n", "explicit.yaml")
    assert summarize(load_spec(explicit)).output_shapes == s.output_shapes


def test_a_deeply_nested_config_is_refused_before_convert_writes_it(tmp_path):
    config = json.loads((ROOT / "examples/seq2seq.json").read_text())
    value = 1
    for _ in range(70):
        value = [value]
    config["config"]["layers"][2]["config"]["kernel_initializer"]["config"]["seed"] = value
    path = spec(tmp_path, json.dumps(config), "deep.json")
    result = run("convert", path)
    assert result.exit_code == 2 and "nests deeper than 64 levels" in result.stderr


def test_convert_output_reads_back_at_the_deepest_nesting_allowed(tmp_path):
    config = json.loads((ROOT / "examples/seq2seq.json").read_text())
    value = 1
    for _ in range(limits.MAX_DEPTH - 7):  # the initializer's seed sits 7 levels down
        value = [value]
    config["config"]["layers"][2]["config"]["kernel_initializer"]["config"]["seed"] = value
    path = spec(tmp_path, json.dumps(config), "deep.json")
    result = run("convert", path)
    assert result.exit_code == 0, result.stderr
    assert summarize(load_spec(spec(tmp_path, result.stdout))).total_params == summarize(load_spec(path)).total_params


# ---- messages ----------------------------------------------------------------------------------

def test_an_unclosed_mapping_names_where_it_opened(tmp_path):
    fails(spec(tmp_path, HEAD + "  - GRU: {units: 75\n  - Dense: {units: 3}\n"),
          ":4:10: YAML syntax error: did not find expected ',' or '}' (parsing a flow mapping that starts at line 3, "
          "column 10)")


def test_a_control_character_is_one_line_with_its_place(tmp_path):
    fails(spec(tmp_path, HEAD + "  - GRU: {units: 75}\x01\n"),
          ":3:21: YAML does not allow the character U+0001 (control characters are not allowed)")


def test_a_line_break_inside_a_key_is_shown_escaped(tmp_path):
    fails(spec(tmp_path, HEAD + '  - GRU: {"un\\nits": 75}\n'),
          ":3:11: layers[0].GRU.un\\nits: unknown argument `un\\nits` for GRU (did you mean `units`?)")


def test_every_error_is_one_line():
    assert "\n" not in str(SpecError(gru_params.errors.Where("a\nb.yaml", 1, 2, "k\u2028"), "x\ry"))


# ---- --output -----------------------------------------------------------------------------------

def test_convert_output_to_a_dangling_symlink_writes_nothing(tmp_path):
    target, link = tmp_path / "target.yaml", tmp_path / "link.yaml"
    link.symlink_to(target)
    result = run("convert", ROOT / "examples/seq2seq.json", "-o", link)
    assert result.exit_code == 2 and not target.exists()
    assert result.stderr == f"Error: {link}: exists; gru-params does not overwrite files (choose another --output)\n"


def test_convert_output_to_a_folder_name(tmp_path):
    result = run("convert", ROOT / "examples/seq2seq.json", "-o", f"{tmp_path}/newdir/")
    assert result.exit_code == 2 and not (tmp_path / "newdir").exists()
    assert result.stderr == f"Error: {tmp_path}/newdir/: is a folder; give the name of a new file\n"


def test_convert_output_is_an_exclusive_create(tmp_path, monkeypatch):
    """Even a file that appears between the check and the write is never written over."""
    out = tmp_path / "spec.yaml"
    real_isdir = os.path.isdir

    def racing(path):  # the file appears just after the folder is checked
        if str(path) == str(tmp_path):
            out.write_text("theirs\n")
        return real_isdir(path)

    monkeypatch.setattr(os.path, "isdir", racing)
    result = run("convert", ROOT / "examples/seq2seq.json", "-o", out)
    assert result.exit_code == 2 and out.read_text() == "theirs\n"


# ---- the README states the bounds that limits.py holds ----------------------------------------

def test_readme_states_the_bounds():
    readme = (ROOT / "README.md").read_text()
    for value in (f"{limits.MAX_BYTES // 2**20} MiB", f"{limits.MAX_DEPTH} levels", f"{limits.MAX_NODES:,}",
                  f"{limits.MAX_LAYERS:,} layers", f"{limits.MAX_TENSORS:,} weight tensors", f"{limits.MAX_RANK} axes",
                  f"{limits.MAX_NUM_LAYERS:,}", f"{limits.MAX_SIZES:,} sizes",
                  f"compressed, {limits.MAX_PACKED_WEIGHTS // 2**20} MiB", f"{limits.MAX_SAFETENSORS_HEADER:,} bytes",
                  f"{limits.MAX_ONNX_BYTES // 2**30} GiB, protobuf's limit"):
        assert value in readme, value
    assert math.log2(limits.MAX_INT + 1) == 63 and "64 bits" in readme
