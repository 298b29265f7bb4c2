"""The MACs rules that layer declarations name (`Kind.macs`): the multiply-accumulates of every
matrix product (matmul, einsum, convolution) in one forward pass, as
`torch.utils.flop_counter.FlopCounterMode` counts them (its flops / 2). Biases, elementwise
arithmetic, normalization, pooling and lookups are 0.

A rule is `rule(cfg, shape, built, **call) -> int`: the layer's checked arguments, its input
shape, what its build returned, and its call's tensor arguments, every shape with the batch
axis at its real size and every other axis known (infer calls a rule only then). A recurrent
rule returns `Steps(macs, per_step)`. A kind without a rule has unknown MACs, which a summary
says, never guessing."""

from __future__ import annotations

import math
from typing import NamedTuple


class Steps(NamedTuple):
    """A recurrent layer's MACs and those of one step (the whole batch)."""

    macs: int
    per_step: int


def zero(cfg, shape, built, **call) -> int:
    return 0


def unknown(cfg, shape, built, **call) -> None:
    """Declared unknown: the layer runs code (Lambda, a custom layer) or products that are not
    matrix products of its weights (an FFT) or that no framework here can show."""
    return None


def is_bias(name: str) -> bool:
    """A weight that is added, not multiplied: `bias`, `query/bias`, torch's `bias_ih_l0`, `in_proj_bias`."""
    last = name.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    return last.startswith("bias") or last.endswith("_bias")


def products(weights) -> int:
    """The elements of the weights that are multiplied: each is multiplied once a position."""
    return sum(math.prod(w.shape) for w in weights if not is_bias(w.name))


def positions(shape) -> int:
    """Every axis but the last (features), batch included: where a dense product applies."""
    return math.prod(shape[:-1])


def dense(cfg, shape, built, **call) -> int:
    """Dense, Linear, RandomFourierFeatures: the kernel once at every position."""
    return positions(shape) * products(built.weights)


def children(cfg, shape, built, **call) -> int | Steps | None:
    """A wrapper or a model used as a layer: the sum of what its layers run (and of their steps,
    if every one is recurrent: Bidirectional). Unknown if one's is."""
    rows = [r for r in built.children if r is not None]
    if any(r.macs is None for r in rows):
        return None
    macs = sum(r.macs for r in rows)
    if rows and all(r.macs_per_step is not None for r in rows):
        return Steps(macs, sum(r.macs_per_step for r in rows))
    return macs


def recurrent(time_axis: int = 1):
    """SimpleRNN, LSTM, GRU (Keras, batch first) and torch's RNN/LSTM/GRU: at each step, every
    kernel (input, recurrent, projection; every layer and direction) once a sample. torch reads
    (batch, time) or (time, batch) by batch_first; the product of the two is the same."""

    def rule(cfg, shape, built, **call) -> Steps:
        steps = shape[time_axis] if len(shape) == 3 else shape[0]  # torch's unbatched (time, features)
        macs = positions(shape) * products(built.weights)
        return Steps(macs, macs // steps)

    return rule


def over_steps(inner):
    """keras.layers.RNN and ConvLSTM: `inner` is one step's MACs; a step at a time."""

    def rule(cfg, shape, built, **call) -> Steps | None:
        step = inner(cfg, shape, built, **call)
        step = step.macs if isinstance(step, Steps) else step
        return None if step is None else Steps(shape[1] * step, step)

    return rule


def time_distributed(cfg, shape, built, **call) -> int | None:
    """The wrapped layer, built on one step of the batch, at every step."""
    (row,) = built.children
    return None if row.macs is None else shape[1] * row.macs


def spatial(shape, channels_first: bool) -> tuple:
    return tuple(shape[2:] if channels_first else shape[1:-1])


def convolution(channels_first, transposed: bool = False):
    """Convolutions: every kernel element once at each output position of each sample (Conv,
    Depthwise, Separable: its depthwise and pointwise kernels both at the output's positions),
    or at each input position for a transposed convolution, as torch counts conv_transpose.
    `channels_first(cfg)` says the layout."""

    def rule(cfg, shape, built, **call) -> int:
        first = channels_first(cfg)
        at = spatial(shape if transposed else built.output, first)
        return shape[0] * math.prod(at) * products(built.weights)

    return rule


def sequence_attention(query, keys, heads: int, key_size: int, value_size: int) -> int:
    """Scores (a query and a key of `key_size` for every pair of steps) and the weighted sum
    of values of `value_size`, per head, over (..., steps, features) tensors (the axes before
    the steps are batch axes)."""
    return math.prod(query[:-2]) * heads * query[-2] * keys[-2] * (key_size + value_size)
