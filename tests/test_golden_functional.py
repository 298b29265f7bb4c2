"""The engine against 60 random functional models that real tf.keras built, printed and
saved (tests/golden/keras_functional.json): each read from its spec and from the JSON
Keras wrote, and three from the .keras and .h5 files Keras saved (tests/golden/saved/)."""

import json
from collections import Counter
from pathlib import Path

import pytest

from gru_params import load_spec, summarize
from gru_params.layers import KINDS
from tests.oracle.keras_catalogue import DRAWS
from tests.conftest import require
from tests.functional_compare import assert_same_as_keras, spec_summary

GOLDEN_DIR = Path(__file__).parent / "golden"
GOLDEN = json.loads((GOLDEN_DIR / "keras_functional.json").read_text())
MODELS = GOLDEN["models"]
BY_NAME = {m["spec"]["name"]: m for m in MODELS}
SAVED = sorted((GOLDEN_DIR / "saved").iterdir())


def test_golden_functional_models_cover_the_graph_layers():
    assert len(MODELS) >= 40
    assert GOLDEN["keras"].startswith("3.")
    found = Counter(k for m in MODELS for entry in m["spec"]["layers"] for k in entry if k[0].isupper())
    # layers called on several tensors: here, or in the catalogue, which calls each on its own
    drawn = {KINDS[name].class_name for name in DRAWS}
    several = {name for name, kind in KINDS.items() if (kind.many_inputs or kind.positional) and kind.class_name not in drawn
               and not kind.class_arg}  # CustomLayer is not Keras's: tests/test_legacy.py
    assert several | {"Sequential"} <= set(found), several - set(found)
    assert {"LSTM", "GRU", "SimpleRNN", "Bidirectional"} <= set(found)
    calls = Counter(k for m in MODELS for entry in m["spec"]["layers"] for k in entry if k[0].islower())
    assert calls["initial_state"] >= 6 and calls["value"] >= 1 and calls["return_attention_scores"] >= 1
    seq2seq = [m for m in MODELS if "initial_state" in json.dumps(m["spec"])]
    for kind in ("SimpleRNN", "LSTM", "GRU"):  # seq2seq with initial states, for each recurrent kind
        assert sum(kind in json.dumps(m["spec"]) for m in seq2seq) >= 3, kind
    printed = [m["summary"] for m in MODELS]
    assert sum("Connected to" in p for p in printed) >= 30  # graphs
    assert sum("Connected to" not in p for p in printed) >= 3  # chains: no column, as Keras
    assert sum(len(m["spec"].get("outputs", [])) > 1 for m in MODELS) >= 5  # two heads
    assert sum("trainable" in json.dumps(m["spec"]) for m in MODELS) >= 3  # frozen layers


@pytest.mark.parametrize("model", MODELS, ids=[m["spec"]["name"] for m in MODELS])
def test_spec(model):
    assert_same_as_keras(spec_summary(model), model)


@pytest.mark.parametrize("model", MODELS, ids=[m["spec"]["name"] for m in MODELS])
def test_saved_json(model, tmp_path):
    path = tmp_path / f"{model['spec']['name']}.json"
    path.write_text(model["json"])
    assert_same_as_keras(summarize(load_spec(path)), model, str(path))


def test_saved_files_are_there():
    assert {p.suffix for p in SAVED} == {".keras", ".h5"} and len(SAVED) >= 6


@pytest.mark.parametrize("path", SAVED, ids=[p.name for p in SAVED])
def test_saved_file(path):
    if path.suffix == ".h5":
        require("h5py", "read legacy .h5 files")
    assert_same_as_keras(summarize(load_spec(path)), BY_NAME[path.stem], str(path))


KERAS2_DIR = GOLDEN_DIR / "keras2"
KERAS2 = json.loads((KERAS2_DIR / "keras2.json").read_text())["models"]


@pytest.mark.parametrize("name", sorted(KERAS2))
def test_json_saved_by_keras2(name):
    """Keras 2's legacy format ([[name, node, tensor, kwargs]] nodes, time_major, ...)."""
    expected = KERAS2[name]
    s = summarize(load_spec(KERAS2_DIR / f"{name}.json"))
    assert (s.total_params, s.trainable_params) == (expected["total_params"], expected["trainable_params"])
    assert {r.name: r.params for r in s.rows} == expected["layers"]
    assert load_spec(KERAS2_DIR / f"{name}.json").keras2
