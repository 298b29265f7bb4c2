"""checkpoint.py on tensors made by hand: what the names and shapes prove, and what they do not.
Counts against real torch are in tests/test_golden_checkpoints.py and test_live_checkpoints.py."""

import math

import pytest

from gru_params.checkpoint import ROOT, Tensor, summarize_tensors
from gru_params.render.checkpoint import checkpoint_dict, checkpoint_markdown, checkpoint_text


def _summary(shapes: dict, dtype: str = "float32"):
    return summarize_tensors([Tensor(k, v, dtype) for k, v in shapes.items()], "model.pt")


def _lstm(prefix: str, hidden: int, inputs: int) -> dict:
    return {f"{prefix}weight_ih_l0": (4 * hidden, inputs), f"{prefix}weight_hh_l0": (4 * hidden, hidden),
            f"{prefix}bias_ih_l0": (4 * hidden,), f"{prefix}bias_hh_l0": (4 * hidden,)}


def test_every_row_counts_its_tensors_whatever_its_type():
    shapes = {**_lstm("rnn.", 5, 3), "odd.a": (2, 3), "odd.b": (7,), "top": (4, 4)}
    s = _summary(shapes)
    assert s.total_params == sum(math.prod(v) for v in shapes.values())
    assert [(r.name, r.class_name) for r in s.rows] == [("rnn", "LSTM"), ("odd", "Module"), (ROOT, "Module")]


def test_a_recurrent_module_is_typed_only_when_every_tensor_fits():
    good = _lstm("rnn.", 5, 3)
    assert _summary(good).rows[0].class_name == "LSTM"
    for key, shape in (("rnn.bias_hh_l0", (19,)), ("rnn.weight_hh_l0", (20, 4)), ("rnn.weight_ih_l1", (20, 5))):
        row = _summary({**good, key: shape}).rows[0]
        assert (row.class_name, row.attributes, row.gates) == ("Module", (), ()), key
        assert row.params == sum(math.prod(v) for v in {**good, key: shape}.values())


def test_a_five_gate_stack_is_no_torch_module():
    row = _summary({"x.weight_ih_l0": (25, 3), "x.weight_hh_l0": (25, 5)}).rows[0]
    assert row.class_name == "Module"


def test_attention_owns_its_out_proj_row():
    s = _summary({"a.in_proj_weight": (12, 4), "a.in_proj_bias": (12,), "a.out_proj.weight": (4, 4),
                  "a.out_proj.bias": (4,)})
    assert [(r.name, r.class_name, r.params) for r in s.rows] == [("a", "MultiheadAttention", 48 + 12 + 16 + 4)]


def test_integer_tensors_and_running_statistics_are_buffers():
    s = _summary({"bn.weight": (8,), "bn.bias": (8,), "bn.running_mean": (8,), "bn.running_var": (8,)})
    s = s._replace(rows=s.rows)
    row = s.rows[0]
    assert row.class_name == "BatchNorm" and row.params == 16 and [b.name for b in row.buffers] == [
        "running_mean", "running_var"]
    ids = summarize_tensors([Tensor("pos.position_ids", (1, 512), "int64")], "m.pt")
    assert ids.total_params == 0 and ids.rows[0].buffers[0].dtype == "int64"


def test_bytes_come_from_the_stored_dtypes():
    s = summarize_tensors([Tensor("a.weight", (10, 4), "bfloat16"), Tensor("b.weight", (3,), "float64")], "m.pt")
    assert s.bytes() == 40 * 2 + 3 * 8


@pytest.mark.parametrize("name, shapes, expected", [
    ("tok_embeddings", {"weight": (100, 8)}, "Embedding"),
    ("lm_head", {"weight": (100, 8)}, "Linear"),
    ("deconv", {"weight": (4, 8, 3), "bias": (8,)}, "ConvTranspose1d"),  # weight (in, out / groups, k)
    ("deconv", {"weight": (4, 8, 3), "bias": (16,)}, "ConvTranspose1d"),  # groups=2
    ("deconv", {"weight": (4, 8, 3), "bias": (4,)}, "Module"),
    ("deconv", {"weight": (4, 8, 3)}, "ConvTranspose1d"),
    ("conv", {"weight": (8, 4, 3), "bias": (4,)}, "Module"),
    ("conv", {"weight": (8, 4, 3, 3), "bias": (8,)}, "Conv2d"),
    ("gn", {"weight": (8,), "bias": (8,)}, "GroupNorm"),
    ("ln", {"weight": (8, 2), "bias": (8, 2)}, "LayerNorm"),
    ("norm", {"weight": (8,)}, "RMSNorm"),
    ("prelu", {"weight": (1,)}, "PReLU"),
])
def test_types_that_share_their_tensors_are_told_apart_by_name(name, shapes, expected):
    row = _summary({f"{name}.{k}": v for k, v in shapes.items()}).rows[0]
    assert row.class_name == expected


def test_renderings_agree_on_the_totals():
    s = _summary({**_lstm("encoder.", 4, 3), "out.weight": (2, 4), "out.bias": (2,)})
    text, expanded = checkpoint_text(s), checkpoint_text(s, expand=True)
    assert "LSTM(3, 4)" in text and f"Total params: {s.total_params:,}" in text
    assert "gate o (output), layer 0" in expanded and "weight_hh_l0" in expanded
    assert "| encoder |" in checkpoint_markdown(s)
    data = checkpoint_dict(s, expand=True)
    assert data["total_params"] == sum(layer["params"] for layer in data["layers"]) == s.total_params
    assert data["layers"][0]["hidden_size"] == 4 and data["layers"][0]["gates"][0]["gate"] == "i"
