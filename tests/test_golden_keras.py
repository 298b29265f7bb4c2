"""The engine against 324 layers that real tf.keras built (tests/golden/keras_layers.json)."""

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.keras_compare import assert_same_as_keras

GOLDEN = json.loads((Path(__file__).parent / "golden" / "keras_layers.json").read_text())


def test_golden_file_says_where_it_came_from():
    assert GOLDEN["generator"] == "tests/oracle/make_golden.py"
    assert GOLDEN["tensorflow"] and GOLDEN["keras"].startswith("3.")


def test_golden_file_covers_every_kind_and_option():
    cases = GOLDEN["cases"]
    assert len(cases) >= 300
    assert set(Counter(c["kind"] for c in cases)) == {"simplernn", "lstm", "gru"}
    assert {c["merge_mode"] for c in cases if c["bidirectional"]} == {"concat", "sum", "mul", "ave", None}
    assert {c["use_bias"] for c in cases} == {True, False}
    assert {c["reset_after"] for c in cases if c["kind"] == "gru"} == {True, False}
    sizes = [c["units"] for c in cases] + [c["input_dim"] for c in cases]
    assert min(sizes) == 1 and max(sizes) == 1000


@pytest.mark.parametrize("name", sorted(GOLDEN["reference"]))
def test_reference_layers(name):
    assert_same_as_keras(GOLDEN["reference"][name])


def test_reference_answers_are_what_keras_said():
    counts = {name: case["params"] for name, case in GOLDEN["reference"].items()}
    assert counts == {"gru_75_28": 23625, "gru_75_28_reset_before": 23400, "lstm_75_28": 31200, "simplernn_32_32": 2080}


@pytest.mark.parametrize("index", range(len(GOLDEN["cases"])))
def test_random_layer(index):
    assert_same_as_keras(GOLDEN["cases"][index])
