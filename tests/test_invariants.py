"""Relations between counts that hold at every size (hypothesis draws the sizes)."""

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gru_params import ArgumentError, count_layer

sizes = st.integers(min_value=1, max_value=5000)
kinds = st.sampled_from(["simplernn", "lstm", "gru"])
merge_modes = st.sampled_from(["concat", "sum", "mul", "ave", None])


@given(units=sizes, input_dim=sizes, use_bias=st.booleans())
def test_lstm_is_four_simple_rnns(units, input_dim, use_bias):
    simple = count_layer("simplernn", units, input_dim, use_bias=use_bias).params
    assert count_layer("lstm", units, input_dim, use_bias=use_bias).params == 4 * simple


@given(units=sizes, input_dim=sizes, use_bias=st.booleans())
def test_gru_reset_before_is_three_simple_rnns(units, input_dim, use_bias):
    simple = count_layer("simplernn", units, input_dim, use_bias=use_bias).params
    assert count_layer("gru", units, input_dim, reset_after=False, use_bias=use_bias).params == 3 * simple


@given(units=sizes, input_dim=sizes)
def test_reset_after_adds_one_recurrent_bias_per_gate(units, input_dim):
    after = count_layer("gru", units, input_dim, reset_after=True).params
    assert after - count_layer("gru", units, input_dim, reset_after=False).params == 3 * units


@given(kind=kinds, units=sizes, input_dim=sizes, use_bias=st.booleans(), merge_mode=merge_modes)
def test_bidirectional_doubles(kind, units, input_dim, use_bias, merge_mode):
    one = count_layer(kind, units, input_dim, use_bias=use_bias)
    both = count_layer(kind, units, input_dim, use_bias=use_bias, bidirectional=True, merge_mode=merge_mode)
    assert both.params == 2 * one.params
    assert sum(both.output_dims) == (2 * units if merge_mode in ("concat", None) else units)


@given(kind=kinds, units=sizes, input_dim=sizes, use_bias=st.booleans(), bidirectional=st.booleans())
def test_gates_and_weights_split_the_same_total(kind, units, input_dim, use_bias, bidirectional):
    c = count_layer(kind, units, input_dim, use_bias=use_bias, bidirectional=bidirectional)
    by_weight = sum(math.prod(w.shape) for w in c.weights)
    assert sum(g.params for g in c.gates) == by_weight == c.params
    assert len({g.params for g in c.gates}) == 1  # every gate is the same size
    assert len(c.gates) == {"simplernn": 1, "lstm": 4, "gru": 3}[kind] * (2 if bidirectional else 1)


@given(kind=kinds, units=sizes, input_dim=sizes, use_bias=st.booleans(), bidirectional=st.booleans())
def test_written_formula_evaluates_to_the_count(kind, units, input_dim, use_bias, bidirectional):
    c = count_layer(kind, units, input_dim, use_bias=use_bias, bidirectional=bidirectional)
    expression, shown = c.formula.rsplit(" = ", 1)
    assert re.fullmatch(r"[0-9*+() x]+", expression)
    assert eval(expression.replace(" x ", " * ")) == c.params  # only digits and operators
    assert shown == f"{c.params:,}"


def test_huge_sizes_are_exact():
    units, input_dim = 10**9, 3 * 10**9 + 7
    expected = 3 * (input_dim * units + units * units + 2 * units)
    assert count_layer("gru", units, input_dim).params == expected  # Python integers: no overflow


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "expected a positive integer for `units`, got 0"),
        ({"units": -5}, "expected a positive integer for `units`, got -5"),
        ({"units": 7.5}, "expected a positive integer for `units`, got 7.5"),
        ({"units": True}, "expected a positive integer for `units`, got True"),
        ({"units": "75"}, "expected a positive integer for `units`, got '75'"),
        ({"input_dim": 0}, "expected a positive integer for `input_dim`, got 0"),
        ({"kind": "gur"}, "unknown layer kind 'gur'; expected simplernn, lstm, gru (or rnn, simple_rnn, simple-rnn) (did you mean `gru`?)"),
        ({"kind": "transformer"}, "unknown layer kind 'transformer'; expected simplernn, lstm, gru (or rnn, simple_rnn, simple-rnn)"),
        ({"kind": "lstm", "reset_after": False}, "`reset_after` applies only to GRU, not to LSTM"),
        ({"reset_after": "yes"}, "expected true or false for `reset_after`, got 'yes'"),
        ({"use_bias": 1}, "expected true or false for `use_bias`, got 1"),
        ({"merge_mode": "sum"}, "`merge_mode` applies only to a bidirectional layer"),
        ({"bidirectional": True, "merge_mode": "avg"}, "expected one of concat, sum, mul, ave or None for `merge_mode`, got 'avg' (did you mean `ave`?)"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    args = {"kind": "gru", "units": 75, "input_dim": 28, **kwargs}
    with pytest.raises(ArgumentError) as error:
        count_layer(args.pop("kind"), args.pop("units"), args.pop("input_dim"), **args)
    assert str(error.value) == message


@pytest.mark.parametrize("alias", ["GRU", "Gru", "gru"])
def test_kinds_ignore_case(alias):
    assert count_layer(alias, 4, 3).kind == "gru"


@pytest.mark.parametrize("alias", ["rnn", "simple_rnn", "SimpleRNN", "simple-rnn", "SIMPLERNN"])
def test_simple_rnn_aliases(alias):
    assert count_layer(alias, 4, 3).class_name == "SimpleRNN"


def test_results_are_frozen():
    c = count_layer("gru", 4, 3)
    with pytest.raises(AttributeError):
        c.units = 5


frameworks = st.sampled_from(["keras", "pytorch", "onnx", "keras2-cudnn", "flax"])


@given(framework=frameworks, kind=kinds, units=st.integers(2, 2000), input_dim=sizes, bidirectional=st.booleans(),
       num_layers=st.integers(1, 4), proj=st.booleans(), peepholes=st.booleans())
def test_every_framework_splits_and_writes_its_total(framework, kind, units, input_dim, bidirectional, num_layers,
                                                     proj, peepholes):
    from gru_params.conventions import CONVENTIONS

    options = CONVENTIONS[framework].options
    if kind not in CONVENTIONS[framework].class_names:
        return
    c = count_layer(kind, units, input_dim, framework=framework, bidirectional=bidirectional,
                    num_layers=num_layers if "num_layers" in options else 1,
                    proj_size=units // 2 if proj and kind == "lstm" and "proj_size" in options else 0,
                    peepholes=peepholes and kind == "lstm" and "peepholes" in options)
    assert sum(g.params for g in c.gates) + sum(e.params for e in c.extras) == c.params
    expression, shown = c.formula.rsplit(" = ", 1)
    assert re.fullmatch(r"[0-9*+() x]+", expression)
    assert eval(expression.replace(" x ", " * ")) == c.params == int(shown.replace(",", ""))


@given(units=sizes, input_dim=sizes, bidirectional=st.booleans())
def test_framework_relations(units, input_dim, bidirectional):
    """PyTorch, ONNX and CuDNN keep two biases a gate: Keras's reset_after GRU count for GRU,
    the textbook plus one bias a gate for the others; Flax's GRU has one recurrent bias."""
    def n(kind, framework, **kw):
        return count_layer(kind, units, input_dim, framework=framework, bidirectional=bidirectional, **kw).params

    directions = 2 if bidirectional else 1
    for framework in ("pytorch", "onnx", "keras2-cudnn"):
        assert n("gru", framework) == n("gru", "keras")
        assert n("lstm", framework) == n("lstm", "keras") + directions * 4 * units
    assert n("simplernn", "pytorch") == n("simplernn", "onnx") == n("simplernn", "keras") + directions * units
    assert n("gru", "flax") == n("gru", "keras", reset_after=False) + directions * units
    assert n("lstm", "flax") == n("optimizedlstm", "flax") == n("lstm", "keras")
