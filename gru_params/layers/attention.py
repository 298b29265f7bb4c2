"""keras/src/layers/attention/: Attention, AdditiveAttention, MultiHeadAttention,
GroupedQueryAttention."""

from __future__ import annotations

import math

from typing import Callable

from ..errors import ArgumentError, boolean, fmt, positive_int
from . import costs
from .base import Built, INIT, Kind, REQUIRED, TENSOR, TENSORS, W, layer_args
from .checks import anything, fraction, one_of, optional_int, optional_ints_list, optional_positive_int
from .shapes import known, min_ndim, several


_ATTENTION_CALL = {"mask": TENSORS, "return_attention_scores": boolean, "use_causal_mask": boolean}


_MHA_CALL = {"value": TENSOR, "key": TENSOR, "query_mask": TENSOR, "value_mask": TENSOR, "key_mask": TENSOR,
             "attention_mask": TENSOR, "return_attention_scores": boolean, "use_causal_mask": boolean}


_ATTENTION_ARGS = dict(dropout=(fraction, 0.0), seed=(optional_int, None))


def _attention(scale: Callable, concat_weight: bool):
    """Attention and AdditiveAttention (keras/src/layers/attention/): query, value and an
    optional key; a scalar or per-feature scale, and for Attention a scalar for score_mode
    concat (AdditiveAttention's own build has none)."""

    def build(cfg, shape, nested, mask=None, return_attention_scores=False, use_causal_mask=False):
        query, value, *key = several(shape, 2, 3)
        if mask is not None and not 2 <= len(mask) <= 3:
            raise ArgumentError(f"`mask` takes 2 or 3 tensors (query, value, key), got {len(mask)}")
        weights = [W("scale", scale(query))] if cfg["use_scale"] else []
        if concat_weight and cfg["score_mode"] == "concat":
            weights.append(W("concat_score_weight", ()))
        out = (*query[:-1], value[-1])
        scores = (*query[:-1], (key or [value])[0][-2])
        return Built([out, scores] if return_attention_scores else out, tuple(weights))

    return build


def _projected(cfg, kernels: list, out_shape: tuple, heads: int, size: int) -> tuple[W, ...]:
    """The EinsumDense sublayers' weights, in the order attention builds them: each input
    projection (name, input shape, heads, size) to (heads, size), then the output projection."""
    weights = []
    for name, x, n, k in kernels:
        weights.append(W(f"{name}/kernel", (known(x, -1, f"{name} features"), n, k)))
        if cfg["use_bias"]:
            weights.append(W(f"{name}/bias", (n, k)))
    weights.append(W("attention_output/kernel", (heads, size, *out_shape)))
    if cfg["use_bias"]:
        weights.append(W("attention_output/bias", out_shape))
    return tuple(weights)


def _query_key_value(shape, value, key):
    min_ndim(shape, 3, "(batch, steps, features)")
    if value is None:
        raise ArgumentError("needs a `value` tensor: `inputs: [query, value]`, or `value:` beside `inputs`")
    key = value if key is None else key
    if value[1:-1] != key[1:-1]:
        raise ArgumentError(f"`value` {fmt(value)} and `key` {fmt(key)} must agree on every axis but the last")
    return shape, value, key


def _mha_build(cfg, shape, nested, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
               attention_mask=None, return_attention_scores=False, use_causal_mask=False):
    """keras/src/layers/attention/multi_head_attention.py: query, key and value projections
    to (heads, key_dim or value_dim), and an output projection back to the query's size."""
    query, value, key = _query_key_value(shape, value, key)
    heads, k = cfg["num_heads"], cfg["key_dim"]
    v = cfg["value_dim"] or k
    out_shape = cfg["output_shape"] or (known(query, -1, "query features"),)
    kernels = [("query", query, heads, k), ("key", key, heads, k)] + (
        [("gate", query, heads, v)] if cfg["use_gate"] else []) + [("value", value, heads, v)]
    out = (*query[:-1], *out_shape) if cfg["output_shape"] else query
    scores = (query[0], heads, query[1], query[1])  # as Keras's compute_output_spec, query length twice
    return Built([out, scores] if return_attention_scores else out, _projected(cfg, kernels, out_shape, heads, v))


def _gqa_build(cfg, shape, nested, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
               attention_mask=None, return_attention_scores=False, use_causal_mask=False):
    """keras/src/layers/attention/grouped_query_attention.py: the query (and gate) projected to
    num_query_heads, key and value to num_key_value_heads, each of head_dim; the output back
    to the query's features, which the value's must equal."""
    query, value, key = _query_key_value(shape, value, key)
    q, kv, h = cfg["num_query_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    if q % kv:
        raise ArgumentError(f"`num_query_heads` ({q}) must be divisible by `num_key_value_heads` ({kv})")
    features = known(query, -1, "query features")
    if value[-1] != features:
        raise ArgumentError(f"the query's features {fmt(query)} and the value's {fmt(value)} must be equal")
    kernels = [("query", query, q, h), ("key", key, kv, h)] + (
        [("gate", query, q, h)] if cfg["use_gate"] else []) + [("value", value, kv, h)]
    scores = (query[0], q, query[1], key[1])
    return Built([query, scores] if return_attention_scores else query, _projected(cfg, kernels, (features,), q, h))


def _attention_macs(dot_scores: bool):
    """Attention, AdditiveAttention: the weighted sum of values (a matmul); the scores are a
    matmul of query and key for Attention's score_mode dot, and elementwise (a tanh of sums)
    for concat and for AdditiveAttention."""

    def rule(cfg, shape, built, **call) -> int:
        query, value, *key = shape
        dot = dot_scores and cfg["score_mode"] == "dot"
        return costs.sequence_attention(query, (key or [value])[0], 1, query[-1] if dot else 0, value[-1])

    return rule


def _attention_kept(cfg, shape, built, **call) -> int:
    """Attention, AdditiveAttention: its inputs, and the scores' softmax."""
    query, value, *key = shape
    return costs.elements(shape) + math.prod(query[:-1]) * (key or [value])[0][-2]


def _projected_kept(heads_key: str, size_keys: tuple[str, str]):
    """MultiHeadAttention, GroupedQueryAttention: each projection's input and output, the
    scores' softmax (and its dropout mask), and the output projection's input."""

    def rule(cfg, shape, built, value=None, key=None, **call) -> int | None:
        if len(shape) != 3 or cfg.get("attention_axes") not in (None, (1,), [1], (-2,), [-2]):
            return None
        key = value if key is None else key
        heads = cfg[heads_key]
        k, v = (cfg[s] or cfg[size_keys[0]] for s in size_keys)
        batch, tq, tk = shape[0], shape[1], key[1]
        inputs = costs.elements([shape, key, value])
        projected = batch * heads * (tq * k + tk * k + tk * v) + batch * tq * heads * v
        scores = batch * heads * tq * tk * (2 if cfg["dropout"] else 1)
        return inputs + projected + scores

    return rule


def _projected_macs(heads_key: str, size_keys: tuple[str, str]):
    """MultiHeadAttention, GroupedQueryAttention on (batch, steps, features) tensors attended
    over the steps: each projection's kernel once at each of its input's positions (query and
    gate: the query's; key; value; the output: the query's), then the scores and the weighted
    sum for each query head. Other attention_axes: unknown."""

    def rule(cfg, shape, built, value=None, key=None, **call) -> int | None:
        if len(shape) != 3 or cfg.get("attention_axes") not in (None, (1,), [1], (-2,), [-2]):
            return None
        key = value if key is None else key
        at = {"query": shape, "gate": shape, "key": key, "value": value, "attention_output": shape}
        projections = sum(costs.positions(at[w.name.split("/")[0]]) * costs.products([w]) for w in built.weights)
        k, v = (cfg[s] or cfg[size_keys[0]] for s in size_keys)
        return projections + costs.sequence_attention(shape, key, cfg[heads_key], k, v)

    return rule


_ATTENTION_OPTIONS = dict(use_bias=(boolean, True), sliding_window=(optional_positive_int, None),
                          flash_attention=(anything, None), use_gate=(boolean, False))


# MultiHeadAttention and GroupedQueryAttention build their weights in EinsumDense sublayers, which a frozen layer does not freeze: the
# model still trains them, though the layer's own trainable_weights is empty (Keras 3's
# Layer.trainable_weights; its sublayers are made in build(), after `trainable` was set)
KINDS = (
    Kind("Attention", layer_args(use_scale=(boolean, False), score_mode=(one_of("dot", "concat"), "dot"), **_ATTENTION_ARGS),
         _attention(lambda query: (), True), call=_ATTENTION_CALL, many_inputs=True, macs=_attention_macs(True),
         kept=_attention_kept),
    Kind("AdditiveAttention", layer_args(use_scale=(boolean, True), score_mode=(one_of("dot", "concat"), "dot"),
                                    **_ATTENTION_ARGS),
         _attention(lambda query: (known(query, -1, "query features"),), False), call=_ATTENTION_CALL, many_inputs=True,
         macs=_attention_macs(False), kept=_attention_kept),
    Kind("MultiHeadAttention", layer_args(
        num_heads=(positive_int, REQUIRED), key_dim=(positive_int, REQUIRED), value_dim=(optional_positive_int, None),
        output_shape=(optional_ints_list, None), attention_axes=(anything, None), **_ATTENTION_OPTIONS,
        **_ATTENTION_ARGS, **INIT), _mha_build, call=_MHA_CALL, positional=("value", "key"), freezes_own_weights=False,
        macs=_projected_macs("num_heads", ("key_dim", "value_dim")),
        kept=_projected_kept("num_heads", ("key_dim", "value_dim"))),
    Kind("GroupedQueryAttention", layer_args(
        head_dim=(positive_int, REQUIRED), num_query_heads=(positive_int, REQUIRED),
        num_key_value_heads=(positive_int, REQUIRED), **_ATTENTION_OPTIONS, **_ATTENTION_ARGS, **INIT),
        _gqa_build, call=_MHA_CALL, positional=("value", "key"), freezes_own_weights=False,
        macs=_projected_macs("num_query_heads", ("head_dim", "head_dim")),
        kept=_projected_kept("num_query_heads", ("head_dim", "head_dim"))),
)
# keras.layers exports GroupedQueryAttention as GroupQueryAttention; saved files name the class
ALIASES = {"GroupQueryAttention": "GroupedQueryAttention"}
