"""The engine against Keras 2's own layers (tests/golden/keras2_catalogue.json, made by real
tf_keras): each class that only Keras 2 has, plain and frozen, and Bidirectional under Keras
2's output rule, read from a `framework: keras2` spec and from the JSON tf_keras saved: the
layer's row, the totals and each weight. What tf_keras refused, the engine refuses. A live
test saves random cases as .h5 with tf_keras and reads them back. GRU_PARAMS_SEED replays it."""

import json
import re
from pathlib import Path

import pytest
import yaml

from gru_params import load_spec, summarize
from gru_params.errors import SpecError
from gru_params.layers import KERAS2_KINDS, KINDS
from gru_params.spec import from_text
from tests.live import each_live_case
from tests.oracle import keras2_catalogue
from tests.oracle.keras2_catalogue import CASES_EACH, DRAWS, FROZEN_EVERY
from tests.test_convert import assert_round_trip

GOLDEN = json.loads((Path(__file__).parent / "golden" / "keras2_catalogue.json").read_text())
CASES, REFUSED = GOLDEN["cases"], GOLDEN["refused"]
N_LIVE = 8


def _class(case) -> str:
    return next(iter(case["spec"]["layers"][0]))


def test_every_keras2_class_is_in_the_golden_file():
    assert GOLDEN["tf_keras"].startswith("2.")
    classes = [_class(c) for c in CASES]
    assert {name: classes.count(name) for name in set(classes)} == CASES_EACH
    frozen = [c for c in CASES if c["spec"]["layers"][0][_class(c)].get("trainable") is False]
    assert {_class(c) for c in frozen} == set(DRAWS)
    assert len(frozen) >= sum(n // FROZEN_EVERY for n in CASES_EACH.values())
    assert all(c["trainable_params"] == 0 for c in frozen)  # Keras 2 freezes every weight of a frozen layer
    assert set(DRAWS) - {"Bidirectional"} <= set(KERAS2_KINDS) - set(KINDS)  # Keras 2's own classes


def test_the_bidirectional_cases_cover_keras2s_rule():
    cases = [c["spec"]["layers"][0]["Bidirectional"] for c in CASES if _class(c) == "Bidirectional"]
    assert {c["merge_mode"] for c in cases} == {"concat", "sum", "mul", "ave", None}
    inner = [next(iter(c["layer"].values())) for c in cases]
    assert {bool(i.get("return_state")) for i in inner} == {True, False}
    assert {bool(i.get("return_sequences")) for i in inner} == {True, False}
    assert {next(iter(c["layer"])) for c in cases} == set(keras2_catalogue.RNN_KINDS)
    # a backward layer narrower than the forward one, joined by concat: Keras 2 adds the widths
    assert any(c["merge_mode"] == "concat" and next(iter(c["backward_layer"].values()))["units"] < i["units"]
               for c, i in zip(cases, inner) if c.get("backward_layer"))


@pytest.mark.parametrize(("framework", "width"), [("keras2", 14), ("keras", 16)])
def test_a_narrower_backward_layer_is_counted_in_keras2s_output_width(framework, width):
    text = (f"framework: {framework}\ninput: [5, 3]\nlayers:\n  - Bidirectional: {{layer: {{LSTM: {{units: 8}}}}, "
            "backward_layer: {LSTM: {units: 6, go_backwards: true}}}\n")
    assert summarize(from_text(text, "bidirectional.yaml")).rows[0].output_shape == (None, width)


def _shape(shape):
    return [_shape(s) for s in shape] if isinstance(shape, list) else list(shape)


def _rows(summary) -> list:
    return [[r.name, r.class_name, _shape(r.output_shape), r.params, r.trainable_params] for r in summary.rows
            if r.class_name != "InputLayer"]


# Keras 2 names an RNN's weights under its cell (forward_lstm/lstm_cell/kernel); gru-params names
# them as Keras 3 does, under the layer (forward_lstm/kernel)
_CELL = re.compile(r"(?:^|(?<=/))(?:lstm|gru|simple_rnn)_cell(?:_\d+)?/")


def _weights(row) -> list:
    return [[w.name, list(w.shape), w.trainable] for w in row.weights]


def _assert_same_as_tf_keras(summary, case) -> None:
    assert summary.framework == "keras2"
    assert _rows(summary) == case["rows"]
    totals = (summary.total_params, summary.trainable_params, summary.non_trainable_params)
    assert totals == (case["total_params"], case["trainable_params"], case["non_trainable_params"])
    assert _weights(summary.rows[-1]) == [[_CELL.sub("", name), shape, trained] for name, shape, trained in
                                          case["weights"]]


def _spec_text(spec: dict) -> str:
    return yaml.safe_dump(spec, sort_keys=False)  # the YAML a user would write for it


@pytest.mark.parametrize("case", CASES, ids=[c["spec"]["name"] for c in CASES])
def test_layer_from_its_spec(case):
    _assert_same_as_tf_keras(summarize(from_text(_spec_text(case["spec"]), "case.yaml")), case)


@pytest.mark.parametrize("case", CASES, ids=[c["spec"]["name"] for c in CASES])
def test_layer_from_the_json_tf_keras_saved(tmp_path, case):
    path = tmp_path / f"{case['spec']['name']}.json"
    path.write_text(case["json"])
    _assert_same_as_tf_keras(summarize(load_spec(path)), case)


@pytest.mark.parametrize("case", CASES, ids=[c["spec"]["name"] for c in CASES])
def test_the_saved_json_converts_to_a_spec_that_counts_alike(tmp_path, case):
    path = tmp_path / f"{case['spec']['name']}.json"
    path.write_text(case["json"])
    assert "framework: keras2" in assert_round_trip(path)


@pytest.mark.parametrize("case", REFUSED, ids=[c["spec"]["name"] for c in REFUSED])
def test_what_tf_keras_refused_is_refused(case):
    with pytest.raises(SpecError):
        summarize(from_text(_spec_text(case["spec"]), "case.yaml"))


def test_refused_cases_are_kept():
    assert len(REFUSED) >= 5 and all(r["reason"] for r in REFUSED)


BAD = {
    "cudnn_activation": ("CuDNNGRU: {units: 4, activation: relu}", [5, 3], "unknown argument `activation` for CuDNNGRU"),
    "cudnn_use_bias": ("CuDNNLSTM: {units: 4, use_bias: false}", [5, 3], "unknown argument `use_bias` for CuDNNLSTM"),
    "cudnn_rank": ("CuDNNLSTM: {units: 4}", [5], "expected a 3D input (batch, time, features), got (None, 5)"),
    "locally_connected_same": ("LocallyConnected1D: {filters: 2, kernel_size: 3, padding: same}", [6, 2],
                               "`padding: same` needs implementation 2 or 3; implementation 1 is valid only"),
    "locally_connected_causal": ("LocallyConnected1D: {filters: 2, kernel_size: 3, padding: causal, implementation: 2}",
                                 [6, 2], "expected one of valid, same for `padding`, got 'causal'"),
    "locally_connected_implementation": ("LocallyConnected2D: {filters: 2, kernel_size: 3, implementation: 4}", [6, 6, 2],
                                         "expected one of 1, 2, 3 for `implementation`, got 4"),
    "locally_connected_short": ("LocallyConnected2D: {filters: 2, kernel_size: 4}", [3, 6, 2],
                                "the input length 3 is too short for kernel 4"),
    "locally_connected_free_length": ("LocallyConnected1D: {filters: 2, kernel_size: 3}", [None, 2],
                                      "needs a known size for every spatial axis, got (None, None, 2)"),
    "sync_batch_norm_fused": ("SyncBatchNormalization: {fused: true}", [4, 4, 3],
                              "`fused: true` is not supported by SyncBatchNormalization"),
    "sync_batch_norm_synchronized": ("SyncBatchNormalization: {synchronized: true}", [4, 3],
                                     "unknown argument `synchronized` for SyncBatchNormalization"),
    "sync_batch_norm_axis": ("SyncBatchNormalization: {axis: [1, 3]}", [4, 3],
                             "`axis` [1, 3] names an axis (None, 4, 3) does not have"),
    "sync_batch_norm_twice": ("SyncBatchNormalization: {axis: [2, -1]}", [4, 3], "`axis` [2, -1] names an axis twice"),
    "random_fourier_rank": ("RandomFourierFeatures: {output_dim: 4}", [4, 3],
                            "expected a 2D input (batch, features), got (None, 4, 3)"),
    "random_fourier_kernel": ("RandomFourierFeatures: {output_dim: 4, kernel_initializer: cauchy}", [4],
                              "expected gaussian, laplacian or an initializer for `kernel_initializer`, got 'cauchy'"),
    "random_fourier_scale": ("RandomFourierFeatures: {output_dim: 4, scale: 0}", [4],
                             "expected a positive number or null for `scale`, got 0"),
    "thresholded_relu_theta": ("ThresholdedReLU: {theta: -1}", [4], "expected a number >= 0 for `theta`, got -1"),
    "random_height_factor": ("RandomHeight: {factor: [0.5, 0.1]}", [8, 8, 3],
                             "expected `factor` with lower <= upper, neither below -1, got [0.5, 0.1]"),
    "random_width_rank": ("RandomWidth: {factor: 0.2}", [2, 8, 8, 3],
                          "expected a 3D or 4D input (batch, height, width[, channels]), got (None, 2, 8, 8, 3)"),
    "random_width_interpolation": ("RandomWidth: {factor: 0.2, interpolation: cubic}", [8, 8, 3],
                                   "expected one of bilinear, nearest, bicubic, area, lanczos3, lanczos5, gaussian, "
                                   "mitchellcubic for `interpolation`, got 'cubic'"),
    "bidirectional_sum": ("Bidirectional: {layer: {GRU: {units: 8}}, backward_layer: {GRU: {units: 6, go_backwards: true}}, "
                          "merge_mode: sum}", [5, 3], "`merge_mode: sum` combines the two directions elementwise"),
    "bidirectional_dense": ("Bidirectional: {layer: {Dense: {units: 3}}}", [5, 3],
                            "Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU, RNN, ConvLSTM1D, ConvLSTM2D, "
                            "ConvLSTM3D, CuDNNLSTM, CuDNNGRU), got Dense"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_are_errors_that_say_why(name):
    layer, shape, message = BAD[name]
    text = f"framework: keras2\ninput: {json.dumps(shape)}\nlayers:\n  - {layer}\n"
    with pytest.raises(SpecError) as error:
        summarize(from_text(text, "bad.yaml"))
    assert message in str(error.value)


def test_keras2_classes_are_keras2s_only():
    text = "input: [5, 3]\nlayers:\n  - CuDNNLSTM: {units: 4}\n"
    with pytest.raises(SpecError) as error:
        from_text(text, "keras3.yaml")
    assert str(error.value) == ("keras3.yaml:3:5: layers[0].CuDNNLSTM: unknown layer `CuDNNLSTM`; it is a Keras 2 "
                                "(tf_keras) layer: add `framework: keras2`")


def test_live_cases_saved_as_h5_by_tf_keras(tf_keras, tmp_path):
    """Random cases of every class, saved by tf_keras as .h5 (the legacy format most Keras 2
    models are in) and read back through load_spec."""
    names = iter(range(N_LIVE))

    def draw(rng):
        class_name = rng.choice(sorted(DRAWS))
        name = f"live_{class_name.lower()}_{next(names)}"
        return keras2_catalogue.random_spec(rng, class_name, rng.random() < 0.3, name, tf_keras)

    def describe(spec):
        keras2_catalogue.build(spec, tf_keras).save(tmp_path / f"{spec['name']}.h5")
        return keras2_catalogue.describe(spec, tf_keras)

    def compare(case):
        _assert_same_as_tf_keras(summarize(load_spec(tmp_path / f"{case['spec']['name']}.h5")), case)

    each_live_case(N_LIVE, draw, describe, compare, "tf_keras")
