"""Hostile input at every entry point: specs, saved configs, .keras archives, .h5 files, the
Python API and the command line. Each example must end in a result or a one-line
GruParamsError, within a time bound; anything else (another exception, a second line, a
hang) fails. The inputs are structure-aware: mutations of the shipped specs and of configs
real Keras wrote, not only random bytes.

GRU_PARAMS_FUZZ=N runs N times the examples (the README's longer run); every crash this has
found is also kept as a test in test_hostile.py."""

import contextlib
import copy
import io
import json
import os
import signal
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gru_params import GruParamsError, check, count_layer, load_spec, render
from gru_params.cli import app
from gru_params.compare import compare
from gru_params.convert import to_yaml
from gru_params.infer import summarize
from gru_params.layers import KINDS, TORCH_KINDS
from gru_params.spec import from_text
from gru_params.yamlnodes import parse, plain

ROOT = Path(__file__).parents[1]
SCALE = int(os.environ.get("GRU_PARAMS_FUZZ", "1"))
SECONDS = 10  # no single input may take longer (the slowest legitimate one here takes well under 1 s)


def fuzz(examples: int):
    return settings(max_examples=examples * SCALE, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


class TooSlow(BaseException):
    """Not an Exception: nothing in the library may catch it."""


@contextlib.contextmanager
def bounded(seconds: int = SECONDS):
    def stop(signum, frame):
        raise TooSlow(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def ends_well(work) -> object:
    """`work()` returns, or raises a one-line GruParamsError, in bounded time (a file whose
    stored weights disagree with its config: one line for each layer, each one line)."""
    try:
        with bounded():
            return work()
    except GruParamsError as e:
        lines = getattr(e, "lines", (str(e),))
        assert all("\n" not in line and "\r" not in line for line in lines), repr(str(e))
        assert str(e).count("\n") == len(lines) - 1, repr(str(e))
        return e


def rendered(s) -> None:
    """Everything a summary is turned into must work too."""
    render.summary_text(s, columns=100)
    render.summary_text(s, columns=100, show_trainable=True, expand=True)
    render.summary_markdown(s, expand=True)
    json.dumps(render.summary_dict(s, expand=True))


def summarized(spec) -> None:
    s = summarize(spec)
    check.check_summary(spec, s)
    rendered(s)
    return s


def from_yaml_text(text: str) -> None:
    ends_well(lambda: summarized(from_text(text, "fuzz.yaml")))


# ---- YAML specs ------------------------------------------------------------------------------

HUGE = 10**40
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.floats(-2, 2, allow_nan=False),
                    st.sampled_from([HUGE, -HUGE, 2**63, 2**63 - 1, 0.5, float("inf"), "relu", "softmax", "same",
                                     "valid", "concat", "x", "", "a\nb", "tanh", "channels_first"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["units", "layer", "cell", "cells", "LSTM", "GRU", "rate", "n", "dims", "layers", "model",
                     "inputs", "go_backwards", "return_state"]), inner, max_size=3), max_leaves=8)


def argument_names(kinds):
    return sorted({name for kind in kinds.values() for name in kind.args})


def layers_for(kinds):
    args = st.dictionaries(st.sampled_from(argument_names(kinds)), values, max_size=4)
    return st.one_of(st.sampled_from(sorted(kinds)), st.builds(lambda k, a: {k: a}, st.sampled_from(sorted(kinds)), args))


specs = st.one_of(
    st.fixed_dictionaries({"input": st.lists(st.one_of(st.none(), st.integers(-1, 40)), max_size=5),
                           "layers": st.lists(layers_for(KINDS), min_size=1, max_size=5)},
                          optional={"framework": st.sampled_from(["keras", "keras2"]),
                                    "expect": st.dictionaries(st.sampled_from(["total_params", "layers"]), values),
                                    "budget": st.dictionaries(st.sampled_from(["max_params", "max_oops"]), values)}),
    st.fixed_dictionaries({"framework": st.just("pytorch"),
                           "input": st.lists(st.integers(1, 12), min_size=1, max_size=3),
                           "layers": st.lists(layers_for(TORCH_KINDS), min_size=1, max_size=4)}),
    values,
)


@fuzz(400)
@given(spec=specs)
def test_structures_never_escape(spec):
    from_yaml_text(yaml.safe_dump(spec, sort_keys=False))


@fuzz(300)
@given(cut=st.integers(0, 400), noise=st.text(max_size=8))
def test_mangled_texts_never_escape(cut, noise):
    text = (ROOT / "specs/stacked_bidirectional_encoder.yaml").read_text()
    from_yaml_text(text[:cut] + noise + text[cut:])


def _places(node, prefix=()):
    """Every place in a data tree, as a tuple of keys and indices."""
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _places(value, (*prefix, key))


def mutated(seed, changes):
    """`seed` with each (place, value) of `changes` put in: replaced, or deleted for DELETE."""
    data = copy.deepcopy(seed)
    for place, value in changes:
        node = data
        try:
            for key in place[:-1]:
                node = node[key]
            if value is DELETE:
                del node[place[-1]]
            else:  # a copy: the value may come from a seed, which must stay as it is
                node[place[-1]] = copy.deepcopy(value)
        except (KeyError, IndexError, TypeError):
            continue
    return data


DELETE = object()
# read with gru-params's own reader: `encoder[1]` in a flow list is not plain YAML (yet)
SHIPPED = {p.name: plain(parse(p.read_text(), p.name)) for p in sorted((ROOT / "specs").glob("*.yaml"))}
SHIPPED_TEXTS = [p.read_text() for p in sorted((ROOT / "specs").glob("*.yaml"))]
replacements = st.one_of(values, st.just(DELETE), layers_for(KINDS))


def mutations_of(seeds: list):
    places = [list(_places(seed))[1:] for seed in seeds]
    return st.integers(0, len(seeds) - 1).flatmap(lambda i: st.tuples(
        st.just(i), st.lists(st.tuples(st.sampled_from(places[i]), replacements), min_size=1, max_size=3)))


SHIPPED_SEEDS = list(SHIPPED.values())


@fuzz(300)
@given(mutation=mutations_of(SHIPPED_SEEDS))
def test_mutated_shipped_specs_never_escape(mutation):
    """Every spec in specs/, with values replaced or deleted anywhere in it."""
    seed, changes = mutation
    from_yaml_text(yaml.safe_dump(mutated(SHIPPED_SEEDS[seed], changes), sort_keys=False))


@fuzz(200)
@given(which=st.integers(0, len(SHIPPED_TEXTS) - 1), at=st.integers(0, 10**6),
       piece=st.sampled_from(["&a ", "*a", "!!python/object:os.system ", "{", "]", "\t", "\x00", "\x85", "\ufeff",
                              "---\n", "? ", "<<: *a\n", ": ", "- ", "[null[1]]", "encoder[1]", "1" * 5000, "\\",
                              "'", '"', "#", "%YAML 1.1\n", "\r", "\u2028"]))
def test_spliced_shipped_texts_never_escape(which, at, piece):
    """YAML's own syntax spliced into real specs: anchors, tags, flow brackets, odd characters."""
    text = SHIPPED_TEXTS[which]
    at %= len(text) + 1
    from_yaml_text(text[:at] + piece + text[at:])


# ---- saved configs ------------------------------------------------------------------------------

# Configs as Keras 3 and Keras 2 wrote them, functional and Sequential
SAVED_SEEDS = [json.loads((ROOT / p).read_text()) for p in
               ("examples/seq2seq.json", "tests/golden/keras2/seq2seq.json", "tests/golden/keras2/imdb_lstm.json")]
# ... and the config.json of every golden .keras archive
SAVED_SEEDS += [json.loads(zipfile.ZipFile(p).read("config.json"))
                for p in sorted((ROOT / "tests/golden/saved").glob("*.keras")) + [ROOT / "examples/mnist_gru.keras"]]
# Call nodes, and the tensors inside them, of both Keras formats, to put anywhere: Keras 2's
# [[name, node, tensor, kwargs]] among Keras 3's {args, kwargs} and back
NODES = [layer.get("inbound_nodes") for seed in SAVED_SEEDS for layer in seed["config"]["layers"]
         if layer.get("inbound_nodes")]
TENSORS = [t for nodes in NODES for node in nodes for t in (node.get("args", []) if isinstance(node, dict) else node)]
TENSORS += [dict(t, module=None, registered_name=None) for t in TENSORS if isinstance(t, dict)]
saved_replacements = st.one_of(values, st.just(DELETE), st.sampled_from(NODES), st.sampled_from(TENSORS),
                               st.lists(st.sampled_from(TENSORS), min_size=1, max_size=3))


def saved_mutations():
    places = [list(_places(seed))[1:] for seed in SAVED_SEEDS]
    return st.integers(0, len(SAVED_SEEDS) - 1).flatmap(lambda i: st.tuples(
        st.just(i), st.lists(st.tuples(st.sampled_from(places[i]), saved_replacements), min_size=1, max_size=3)))


def read_saved(path) -> None:
    """A saved model read, summarized, rendered and converted; the converted spec must read
    back to the same counts."""
    spec = load_spec(path)
    s = summarized(spec)
    text = to_yaml(spec, s, path.name)
    again = summarize(from_text(text, "converted.yaml"))
    assert (again.total_params, again.trainable_params) == (s.total_params, s.trainable_params), text


def saved_outcome(tmp_path, text: str, suffix: str = ".json") -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_text(text)
    ends_well(lambda: read_saved(path))


@fuzz(300)
@given(mutation=saved_mutations())
def test_mutated_saved_configs_never_escape(tmp_path, mutation):
    """A config Keras wrote, with values replaced anywhere in it (Keras 2 call nodes in Keras 3
    configs and back among them)."""
    seed, changes = mutation
    saved_outcome(tmp_path, json.dumps(mutated(SAVED_SEEDS[seed], changes)))


@fuzz(200)
@given(cut=st.integers(0, 5000), noise=st.text(max_size=8))
def test_mangled_saved_configs_never_escape(tmp_path, cut, noise):
    text = (ROOT / "examples/seq2seq.json").read_text()
    saved_outcome(tmp_path, text[:cut] + noise + text[cut:])


# ---- .keras archives -------------------------------------------------------------------------

def archive(config: bytes, method: int, flips: list, cut: int | None, flag_bits: int) -> bytes:
    """A .keras zip holding `config` as config.json, then damaged: flag bits set, bytes flipped,
    cut short."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("metadata.json", '{"keras_version": "3.15.1"}')
        z.writestr(zipfile.ZipInfo("config.json"), config, compress_type=method)
    data = bytearray(buffer.getvalue())
    if flag_bits:  # the general-purpose flags of every header: encryption (1), data descriptor (8), ...
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.find(signature)
            while at >= 0:
                flags = int.from_bytes(data[at + offset:at + offset + 2], "little") | flag_bits
                data[at + offset:at + offset + 2] = flags.to_bytes(2, "little")
                at = data.find(signature, at + 1)
    for at, value in flips:
        data[at % len(data)] = value
    return bytes(data[:cut] if cut is not None else data)


@fuzz(250)
@given(seed=st.integers(0, len(SAVED_SEEDS) - 1),
       method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3),
       cut=st.one_of(st.none(), st.integers(0, 3000)), flag_bits=st.sampled_from([0, 0, 1, 8, 64, 2048]))
def test_damaged_archives_never_escape(tmp_path, seed, method, flips, cut, flag_bits):
    path = tmp_path / "fuzz.keras"
    path.write_bytes(archive(json.dumps(SAVED_SEEDS[seed]).encode(), method, flips, cut, flag_bits))
    ends_well(lambda: read_saved(path))


@fuzz(150)
@given(mutation=saved_mutations(), method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
def test_archives_of_mutated_configs_never_escape(tmp_path, mutation, method):
    seed, changes = mutation
    path = tmp_path / "fuzz.keras"
    path.write_bytes(archive(json.dumps(mutated(SAVED_SEEDS[seed], changes)).encode(), method, [], None, 0))
    ends_well(lambda: read_saved(path))


# ---- .h5 files ---------------------------------------------------------------------------------

GOLDEN_H5 = sorted((ROOT / "tests/golden/saved").glob("*.h5"))
h5_values = st.one_of(st.sampled_from(["2.21.0", "3.15.1", "1.2.2", b"2.1.6", b"\xff\xfe", 2, "", "\udc80"]),
                      st.binary(max_size=20))


@fuzz(80)  # each .h5 file is read by a child process: slower examples
@given(which=st.integers(0, len(GOLDEN_H5) - 1),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 10**5)))
def test_damaged_h5_files_never_escape(tmp_path, which, flips, cut):
    """Real .h5 files with bytes changed: broken objects, headers and heaps."""
    data = bytearray(GOLDEN_H5[which].read_bytes())
    for at, value in flips:
        data[at % len(data)] = value
    path = tmp_path / "fuzz.h5"
    path.write_bytes(bytes(data[:cut] if cut is not None else data))
    ends_well(lambda: read_saved(path))


@fuzz(50)
@given(mutation=saved_mutations(), encoding=st.sampled_from(["str", "bytes", "latin-1", "array", "int"]),
       version=st.one_of(st.none(), h5_values))
def test_h5_attributes_never_escape(tmp_path, mutation, encoding, version):
    """model_config and keras_version as text, bytes, non-UTF-8 bytes, arrays and numbers."""
    import numpy as np

    from tests.conftest import require

    h5py = require("h5py", "write .h5 files")
    seed, changes = mutation
    text = json.dumps(mutated(SAVED_SEEDS[seed], changes))
    config = {"str": text, "bytes": text.encode(), "latin-1": (text + "é").encode("latin-1"),
              "array": np.array([text.encode()] * 2), "int": 7}[encoding]
    path = tmp_path / "fuzz.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = config
        if version is not None:
            with contextlib.suppress(TypeError, ValueError):
                f.attrs["keras_version"] = version
    ends_well(lambda: read_saved(path))


# ---- the Python API ---------------------------------------------------------------------------

odd = st.one_of(st.integers(-2, 80), st.sampled_from([HUGE, 2**63, 10**5000, 75.0, 1.0, True, False, None, "75", [75],
                                                      {"a": 1}, float("nan"), b"x", (75,), 0]))


@fuzz(400)
@given(kind=st.one_of(st.sampled_from(["gru", "lstm", "simplernn", "rnn", "optimizedlstm", "GRU"]), odd),
       units=odd, input_dim=odd, options=st.dictionaries(
           st.sampled_from(["framework", "reset_after", "use_bias", "bidirectional", "merge_mode", "num_layers",
                            "proj_size", "peepholes"]),
           st.one_of(odd, st.sampled_from(["keras", "pytorch", "onnx", "flax", "keras2-cudnn", "concat", None]))))
def test_count_layer_never_escapes_and_never_depends_on_call_order(kind, units, input_dim, options):
    first = ends_well(lambda: count_layer(kind, units, input_dim, **options))
    ends_well(lambda: count_layer("gru", 75, 28))  # whatever the cache now holds ...
    again = ends_well(lambda: count_layer(kind, units, input_dim, **options))
    assert type(first) is type(again) and (str(first) == str(again) if isinstance(first, GruParamsError) else
                                           first == again)  # ... the same call gives the same answer


@fuzz(100)
@given(sizes=st.lists(odd, max_size=6), input_dim=odd)
def test_compare_never_escapes(sizes, input_dim):
    ends_well(lambda: compare(sizes, input_dim))


@fuzz(60)
@given(path=st.sampled_from([b"specs/mnist_gru.yaml", "specs/mnist_gru.yaml\0x", b"a\0b.json", 3, None, 2.5, ["x"],
                             "", ".", "/", "specs", "/dev/null", "/dev/zero.keras", "nope.yaml", "nope.h5",
                             Path("specs/mnist_gru.yaml"), "/proc/self/status"]))
def test_load_spec_never_escapes_on_odd_paths(path):
    ends_well(lambda: summarize(load_spec(path)))


# ---- the command line -----------------------------------------------------------------------

runner = CliRunner()
words = st.sampled_from(["layer", "summary", "check", "compare", "convert", "gru", "lstm", "rnn", "--units", "75",
                         "--input-dim", "28", "--num-layers", "100000000", "--proj-size", "3", "--bidirectional",
                         "--merge-mode", "none", "--framework", "pytorch", "onnx", "-f", "json", "markdown", "junit",
                         "github", "--expand", "--show-trainable", "-o", "specs/", "specs/mnist_gru.yaml",
                         "examples/seq2seq.json", "examples/mnist_gru.keras", "1" * 5000, "-1", "0", "1,2,x", "",
                         "\x00", "--reset-before", "--no-bias", "--peepholes", "--version", "--help", "nope.yaml"])


@fuzz(300)
@given(argv=st.lists(words, max_size=8))
def test_command_line_never_escapes(argv):
    """Any words: exit 0, 1 or 2, and never a traceback. (`--output` goes to a fresh folder.)"""
    with bounded():
        result = runner.invoke(app, argv, env={"COLUMNS": "100"})
    assert result.exit_code in (0, 1, 2), (argv, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, result.exception)
    assert "Traceback" not in result.output


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path, monkeypatch):
    """Tests here run in a temporary folder holding links to the project's inputs, so that
    `convert -o` never writes into the project."""
    for name in ("specs", "examples", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < 600  # a whole test, all its examples
