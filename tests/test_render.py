"""Rendered output against named snapshot files (pytest --update-snapshots rewrites them)."""

import json

import pytest

from gru_params import count_layer
from gru_params import render

CASES = {
    "layer_gru_75_28": dict(kind="gru", units=75, input_dim=28),
    "layer_gru_75_28_reset_before": dict(kind="gru", units=75, input_dim=28, reset_after=False),
    "layer_lstm_75_28_bidirectional_sum": dict(kind="lstm", units=75, input_dim=28, bidirectional=True, merge_mode="sum"),
    "layer_simplernn_32_32_no_bias": dict(kind="simplernn", units=32, input_dim=32, use_bias=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_table(snapshot, name):
    text = render.layer_text(count_layer(**CASES[name]))
    snapshot(f"{name}.txt", text)
    assert max(len(line) for line in text.splitlines()[2:-1]) <= 80  # tables fit a terminal


@pytest.mark.parametrize("name", sorted(CASES))
def test_markdown(snapshot, name):
    snapshot(f"{name}.md", render.layer_markdown(count_layer(**CASES[name])))


@pytest.mark.parametrize("name", sorted(CASES))
def test_json(snapshot, name):
    text = render.layer_json(count_layer(**CASES[name]))
    json.loads(text)
    snapshot(f"{name}.json", text + "\n")


def test_output_shape_follows_keras_notation():
    assert render.output_shape(count_layer("gru", 75, 28)) == "(None, 75)"
    both = count_layer("gru", 75, 28, bidirectional=True, merge_mode=None)
    assert render.output_shape(both) == "[(None, 75), (None, 75)]"
