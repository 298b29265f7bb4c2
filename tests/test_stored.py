"""A saved file's config must agree with the weights it stores (issue 11): the shapes of every
layer's stored tensors, read without their data, against the summary of the config. Files are
saved at test time by real tf.keras (Keras 3) and tf_keras (Keras 2), then edited where they
should disagree; the truth on each side is what the framework builds. Keras 1 files, which no
installable Keras writes, are built from Keras 1.2.2's source."""

import importlib.util
import json
import math
import os
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gru_params import GruParamsError, load_spec, summarize
from gru_params.sources import keras_stored as stored
from gru_params.cli import app
from tests.conftest import require
from tests.h5files import write_model_weights

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "100"})


@pytest.fixture
def h5py():
    return require("h5py", "read and write .h5 files")


def _weights(shapes) -> str:
    params = sum(math.prod(s) for s in shapes)
    return f"weights {', '.join(str(tuple(s)) for s in shapes)} ({params:,} params)" if shapes else "no weights"


def _shapes(layer) -> list:
    return [tuple(int(d) for d in w.shape) for w in layer.weights]


def _disagreeing(path, saved, edited) -> str:
    """The lines gru-params must print for a file holding `saved`'s weights with `edited`'s
    config: one for each layer whose weights Keras built differently."""
    lines = [f"{path}: layer {a.name}: the file stores {_weights(_shapes(a))}, the config gives {_weights(_shapes(b))}"
             for a, b in zip(saved.layers, edited.layers) if sorted(_shapes(a)) != sorted(_shapes(b))]
    assert lines, "the edit changes no weights"
    return "".join(f"Error: {line}\n" for line in lines)


def _edit(path, out, layer: str, h5py, **changes):
    """A copy of the saved model at `path` whose config gives `layer` the arguments `changes`
    (None: the argument removed), the stored weights untouched."""
    def edited(text) -> str:
        config = json.loads(text)
        entry, = (e for e in config["config"]["layers"] if e["config"]["name"] == layer)
        entry["config"].update(changes)
        for key in [k for k, v in changes.items() if v is None]:
            del entry["config"][key]
        return json.dumps(config)

    if str(path).endswith(".h5"):
        out.write_bytes(path.read_bytes())
        with h5py.File(out, "r+") as f:
            f.attrs["model_config"] = edited(f.attrs["model_config"])
        return out
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, edited(data) if info.filename == "config.json" else data)
    return out


# ---- Keras 3 --------------------------------------------------------------------------------------

def _keras3(keras, units=7, reset_after=True):
    """Wrappers, a nested model and a top-level GRU, with names of their own."""
    inputs = keras.Input((10, 6), name="frames")
    x = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True), name="encoder")(inputs)
    x = keras.layers.TimeDistributed(keras.layers.Dense(5), name="per_step")(x)
    x = keras.layers.BatchNormalization(name="norm")(x)
    x = keras.Sequential([keras.Input((10, 5)), keras.layers.LSTM(3, return_sequences=True)], name="inner")(x)
    x = keras.layers.GRU(units, reset_after=reset_after, name="gru")(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x), name="tagger")


@pytest.fixture(scope="module")
def keras3_files(tensorflow, tmp_path_factory):
    keras = tensorflow.keras
    folder = tmp_path_factory.mktemp("keras3")
    model = _keras3(keras)
    for suffix in (".keras", ".h5"):
        model.save(folder / f"tagger{suffix}")
    return keras, model, folder


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras3_files_agree_with_their_weights(keras3_files, suffix):
    _, model, folder = keras3_files
    s = summarize(load_spec(folder / f"tagger{suffix}"))
    assert [(r.name, r.params) for r in s.rows] == [(x.name, x.count_params()) for x in model.layers]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("changes, built", [({"units": 8}, {"units": 8}), ({"reset_after": False}, {"reset_after": False})])
def test_keras3_config_that_its_weights_contradict(keras3_files, tmp_path, h5py, suffix, changes, built):
    keras, model, folder = keras3_files
    path = _edit(folder / f"tagger{suffix}", tmp_path / f"edited{suffix}", "gru", h5py, **changes)
    expected = _disagreeing(path, model, _keras3(keras, **built))
    for command in ("summary", "convert"):
        result = run(command, path)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", expected), command
    result = run("check", path, folder / f"tagger{suffix}", "-f", "json")
    files = json.loads(result.stdout)["files"]
    assert result.exit_code == 2 and [f["ok"] for f in files] == [False, True]
    assert files[0]["error"] == expected.replace("Error: ", "").rstrip("\n")


def test_keras3_archive_without_layer_names(keras3_files, tmp_path, h5py):
    """Keras 3.0 to 3.5 kept no layer name on the groups of model.weights.h5: the groups are
    matched to the layers by class and order, as saving_lib named them."""
    keras, model, folder = keras3_files
    path = _edit(folder / "tagger.keras", tmp_path / "edited.keras", "gru", h5py, units=8)

    def unnamed(_, item):
        item.attrs.pop("name", None)

    _rewrite_weights(path, h5py, lambda f: f.visititems(unnamed))
    result = run("summary", path)
    assert (result.exit_code, result.stderr) == (2, _disagreeing(path, model, _keras3(keras, units=8)))


def _rewrite_weights(path, h5py, change) -> None:
    """`change(h5file)` applied to a .keras archive's model.weights.h5."""
    work = path.with_suffix(".weights.h5")
    with zipfile.ZipFile(path) as z:
        members = {info.filename: z.read(info) for info in z.infolist()}
    work.write_bytes(members["model.weights.h5"])
    with h5py.File(work, "r+") as f:
        change(f)
    members["model.weights.h5"] = work.read_bytes()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_weights_under_names_the_config_does_not_have(keras3_files, tmp_path, h5py):
    """Groups that match no layer: the whole model is compared, in one line."""
    _, model, folder = keras3_files
    path = tmp_path / "renamed.keras"
    path.write_bytes((folder / "tagger.keras").read_bytes())

    def rename(f):
        f.move("layers/dense", "layers/elsewhere")
        f["layers/elsewhere/vars"].attrs["name"] = "elsewhere"

    _rewrite_weights(path, h5py, rename)
    assert summarize(load_spec(path)).total_params == model.count_params()  # the same weights: nothing contradicts

    _rewrite_weights(path, h5py, lambda f: f.create_dataset("layers/elsewhere/vars/2", (3,), "f4"))
    all_weights = [s for x in model.layers for s in _shapes(x)]
    params = sum(math.prod(s) for s in all_weights)
    result = run("summary", path)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}: the file stores weights under names that are not layers of the "
                                    f"config (layers/elsewhere): weights ")
    assert result.stderr.endswith(f"({params + 3:,} params) in all, the config gives weights "
                                  f"{', '.join(map(str, all_weights[:8]))} and {len(all_weights) - 8} more "
                                  f"({params:,} params)\n")


def test_keras3_variables_that_are_no_weights(tensorflow, tmp_path):
    """What a .keras archive stores is not always what Keras counts: LoRA factors merged into the
    kernel, SpectralNormalization's second reference to the kernel, a lookup's idf_weights."""
    keras = tensorflow.keras
    inputs = keras.Input((4,))
    x = keras.layers.Dense(6, lora_rank=2)(inputs)
    x = keras.layers.SpectralNormalization(keras.layers.Dense(3))(x)
    x = keras.layers.EinsumDense("ab,bc->ac", output_shape=5, bias_axes="c", lora_rank=1)(x)
    words = keras.Input((3,), dtype="string")
    y = keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="tf_idf", idf_weights=[1.0, 2.0])(words)
    model = keras.Model([inputs, words], [x, y])
    model.save(tmp_path / "lora.keras")
    assert summarize(load_spec(tmp_path / "lora.keras")).total_params == model.count_params()


def test_a_compressed_weights_member_is_checked_up_to_a_bound(keras3_files, tmp_path, h5py, monkeypatch):
    """Keras stores model.weights.h5 as it is; an archive zipped again with compression is read
    into the child's memory, up to MAX_PACKED_WEIGHTS, and not checked past it."""
    keras, model, folder = keras3_files
    edited = _edit(folder / "tagger.keras", tmp_path / "edited.keras", "gru", h5py, units=8)
    path = tmp_path / "packed.keras"
    with zipfile.ZipFile(edited) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
    result = run("summary", path)
    assert (result.exit_code, result.stderr) == (2, _disagreeing(path, model, _keras3(keras, units=8)))
    monkeypatch.setattr(stored, "MAX_PACKED_WEIGHTS", 1000)
    assert summarize(load_spec(path)).total_params == _keras3(keras, units=8).count_params()


# ---- files without weights, and without h5py --------------------------------------------------------

def test_files_without_weights_still_summarize(keras3_files, tmp_path, h5py):
    _, model, folder = keras3_files
    with h5py.File(folder / "tagger.h5") as f:
        config = f.attrs["model_config"]
    with h5py.File(tmp_path / "config_only.h5", "w") as f:
        f.attrs["model_config"] = config
    archive = tmp_path / "config_only.keras"
    with zipfile.ZipFile(folder / "tagger.keras") as source, zipfile.ZipFile(archive, "w") as target:
        for name in ("metadata.json", "config.json"):
            target.writestr(name, source.read(name))
    for path in (tmp_path / "config_only.h5", archive):
        result = run("summary", path)
        assert (result.exit_code, result.stderr) == (0, ""), path
        assert f"Total params: {model.count_params():,}" in result.stdout


def test_an_archive_is_read_unchecked_without_h5py(keras3_files, tmp_path, h5py, monkeypatch):
    """Reading a .keras archive needs nothing but the standard library; only the check of its
    weights needs h5py, and is left out quietly where h5py is missing."""
    keras, _, folder = keras3_files
    path = _edit(folder / "tagger.keras", tmp_path / "edited.keras", "gru", h5py, units=8)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "h5py" else real(name, *a))
    assert summarize(load_spec(path)).total_params == _keras3(keras, units=8).count_params()
    monkeypatch.undo()
    fake = tmp_path / "no_h5py" / "h5py"  # an h5py the child process cannot import
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named h5py')\n")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    result = run("summary", path)
    assert (result.exit_code, result.stderr) == (0, "")


# ---- Keras 2 ------------------------------------------------------------------------------------

def _keras2(keras, units=7, reset_after=True):
    inputs = keras.Input((10, 6))
    x = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), name="encoder")(inputs)
    x = keras.layers.GRU(units, reset_after=reset_after, name="gru")(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x))


def test_keras2_gru_saved_before_reset_after_existed(tf_keras, tmp_path, h5py):
    """A config that says Keras 2.1.4 wrote it, whose GRU has no `reset_after` (Keras before
    2.1.5 had none, and one bias), over weights with two biases: the file contradicts itself."""
    model = _keras2(tf_keras)
    model.save(tmp_path / "gru.h5")
    path = _edit(tmp_path / "gru.h5", tmp_path / "old.h5", "gru", h5py, reset_after=None)
    with h5py.File(path, "r+") as f:
        f.attrs["keras_version"] = "2.1.4"
    result = run("summary", path)
    assert (result.exit_code, result.stderr) == (2, _disagreeing(path, model, _keras2(tf_keras, reset_after=False)))
    assert summarize(load_spec(tmp_path / "gru.h5")).total_params == model.count_params()


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras2_config_that_its_weights_contradict(tf_keras, tmp_path, h5py, suffix):
    model = _keras2(tf_keras)
    model.save(tmp_path / f"gru{suffix}", **({"include_optimizer": False} if suffix == ".h5" else {}))
    assert summarize(load_spec(tmp_path / f"gru{suffix}")).total_params == model.count_params()
    path = _edit(tmp_path / f"gru{suffix}", tmp_path / f"edited{suffix}", "gru", h5py, units=9)
    result = run("summary", path)
    assert (result.exit_code, result.stderr) == (2, _disagreeing(path, model, _keras2(tf_keras, units=9)))


# ---- Keras 1 (keras-team/keras 1.2.2) --------------------------------------------------------------

def _layer(class_name, **config):
    return {"class_name": class_name, "config": config}


# Layer.get_config of Keras 1.2.2 (keras/layers/convolutional.py, core.py, recurrent.py,
# normalization.py); the first layer has batch_input_shape and input_dtype (engine/topology.py)
KERAS1 = {"keras_version": "1.2.2", "class_name": "Sequential", "config": [
    _layer("Convolution2D", name="convolution2d_1", trainable=True, batch_input_shape=[None, 3, 8, 8],
           input_dtype="float32", nb_filter=4, nb_row=3, nb_col=3, init="glorot_uniform", activation="linear",
           border_mode="valid", subsample=[1, 1], dim_ordering="th", W_regularizer=None, b_regularizer=None,
           activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True),
    _layer("Reshape", name="reshape_1", trainable=True, target_shape=[4, 36]),
    _layer("GRU", name="gru_1", trainable=True, return_sequences=False, go_backwards=False, stateful=False,
           unroll=False, consume_less="cpu", input_dim=36, input_length=None, output_dim=6, init="glorot_uniform",
           inner_init="orthogonal", activation="tanh", inner_activation="hard_sigmoid", W_regularizer=None,
           U_regularizer=None, b_regularizer=None, dropout_W=0.0, dropout_U=0.0),
    _layer("BatchNormalization", name="batchnormalization_1", trainable=True, epsilon=0.001, mode=0, axis=-1,
           gamma_regularizer=None, beta_regularizer=None, momentum=0.99),
    _layer("Dense", name="dense_1", trainable=True, output_dim=3, init="glorot_uniform", activation="softmax",
           W_regularizer=None, b_regularizer=None, activity_regularizer=None, W_constraint=None, b_constraint=None,
           bias=True, input_dim=None),
]}


def _keras1_weights(gru_units=6) -> dict:
    """The weights Keras 1.2.2 builds for KERAS1, named as it names them: Convolution2D's kernel
    in Theano's order (nb_filter, stack, rows, cols) for dim_ordering 'th'; a GRU with
    consume_less 'cpu' has nine tensors, W_z, U_z, b_z, ... (recurrent.py GRU.build);
    BatchNormalization's running_std where Keras 2 has moving_variance."""
    gru = [(f"gru_1_{m}_{g}", (36 if m == "W" else gru_units, gru_units) if m != "b" else (gru_units,))
           for g in "zrh" for m in "WUb"]
    return {"convolution2d_1": [("convolution2d_1_W", (4, 3, 3, 3)), ("convolution2d_1_b", (4,))],
            "reshape_1": [], "gru_1": gru,
            "batchnormalization_1": [(f"batchnormalization_1_{n}", (6,)) for n in
                                     ("gamma", "beta", "running_mean", "running_std")],
            "dense_1": [("dense_1_W", (6, 3)), ("dense_1_b", (3,))]}


def _keras1_h5(path, h5py, weights):
    """As Keras 1.2.2's save_model (models.py) and save_weights_to_hdf5_group (topology.py)."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"1.2.2"
        f.attrs["model_config"] = json.dumps(KERAS1).encode()
        write_model_weights(f, weights)
    return path


def test_keras1_weights_compare_by_count(tmp_path, h5py):
    """Keras 1 stored a GRU as nine tensors and a 'th' kernel transposed, which Keras 2 converted
    as it loaded them (engine/topology.py preprocess_weights_for_loading): their counts agree."""
    path = _keras1_h5(tmp_path / "keras1.h5", h5py, _keras1_weights())
    s = summarize(load_spec(path))
    assert [r.params for r in s.rows] == [112, 0, 3 * (36 * 6 + 6 * 6 + 6), 24, 21]
    path = _keras1_h5(tmp_path / "wider.h5", h5py, _keras1_weights(gru_units=7))
    gru = [s for _, s in _keras1_weights(7)["gru_1"]]
    result = run("summary", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: {path}: layer gru_1: the file stores weights {', '.join(map(str, gru[:8]))} and "
                             f"1 more ({3 * (36 * 7 + 7 * 7 + 7)} params), the config gives weights (36, 18), (6, 18), "
                             f"(18,) (774 params)\n")


def test_the_layer_command_imports_no_reader():
    """The check lives with the readers: a one-line query loads none of it."""
    import subprocess
    import sys

    code = "import sys, gru_params.cli; print(sorted(m for m in sys.modules if m.startswith('gru_params.')))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "gru_params.sources.keras_stored" not in modules and "gru_params.sources.keras" not in modules


# ---- damaged weights, fuzzed ---------------------------------------------------------------------

GOLDEN_KERAS = sorted((Path(__file__).parent / "golden/saved").glob("*.keras"))


@settings(max_examples=40 * int(os.environ.get("GRU_PARAMS_FUZZ", "1")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(GOLDEN_KERAS) - 1),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4))
def test_fuzz_damaged_archive_weights(tmp_path, h5py, which, flips):
    """Real .keras archives with bytes of their model.weights.h5 changed (in place: the zip and
    its config stay whole): a count, or an error whose every line names the file, in bounded
    time. HDF5 runs in the child process, so a crash there is an error too."""
    data = bytearray(GOLDEN_KERAS[which].read_bytes())
    with zipfile.ZipFile(GOLDEN_KERAS[which]) as z:
        info = z.getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for at, value in flips:
        data[start + at % info.file_size] = value
    path = tmp_path / "fuzz.keras"
    path.write_bytes(bytes(data))
    started = time.perf_counter()
    try:
        summarize(load_spec(path))
    except GruParamsError as e:
        assert all(line.startswith(f"{path}: ") and line.isprintable() for line in str(e).split("\n")), str(e)
    assert time.perf_counter() - started < 12  # the child's 10 s, and the rest
