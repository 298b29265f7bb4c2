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


# ---- what a training step keeps for backward -----------------------------------------------
#
# A `kept` rule, with the same arguments as a MACs rule, gives the values a layer's forward pass
# keeps for its backward pass (torch's saved tensors, measured in tests/golden/activations.json):
# an int for values in the model's dtype, or Kept with int64 indices besides. An estimate: the
# README writes out each rule, and a test bounds its ratio to what torch saves.


class Kept(NamedTuple):
    values: int  # in the model's dtype
    indices: int = 0  # int64: lookups' indices, max pooling's argmax


def elements(shape) -> int:
    """The values of a tensor, or of a list of tensors."""
    return sum(map(elements, shape)) if isinstance(shape, list) else math.prod(shape)


def keeps_nothing(cfg, shape, built, **call) -> int:
    return 0


def keeps_input(cfg, shape, built, **call) -> int:
    """Its input (or inputs): a product needs it for its weights' gradient, an elementwise
    function for its own (ReLU and Tanh keep their output, the same size)."""
    return elements(shape)


def keeps_input_if_trained(cfg, shape, built, **call) -> int:
    """Dense, Linear: the input, which only the weights' gradient needs; nothing when frozen."""
    return elements(shape) if any(w.trainable for w in built.weights) else 0


def keeps_input_unless_mean(cfg, shape, built, **call) -> int:
    """Adaptive average pooling: its input, or nothing when it pools to one value a channel (a mean)."""
    return 0 if math.prod(built.output[2:]) == 1 else elements(shape)


def keeps_indices(cfg, shape, built, **call) -> Kept:
    """A lookup: the indices it read."""
    return Kept(0, elements(shape))


def keeps_bags(cfg, shape, built, **call) -> Kept:
    """EmbeddingBag: its indices, the bag each belongs to, and each bag's offset and size."""
    return Kept(0, 2 * elements(shape) + 2 * shape[0])


def keeps_rms(cfg, shape, built, **call) -> int:
    """RMSNorm: its input, the normalized input its scale multiplies, and a statistic a row."""
    return 2 * elements(shape) + positions(shape)


def keeps_input_and_argmax(cfg, shape, built, **call) -> Kept:
    """Max pooling: its input, and where each maximum was."""
    return Kept(elements(shape), elements(built.output))


def keeps_input_and_statistics(channel_axis, groups=None):
    """BatchNorm (a mean and a deviation a channel) and GroupNorm (a group of a sample): the
    input, and two statistics for each. `channel_axis(cfg)`, `groups(cfg, channels)`."""

    def rule(cfg, shape, built, **call) -> int:
        channels = shape[channel_axis(cfg)]
        return elements(shape) + 2 * (channels if groups is None else shape[0] * groups(cfg, channels))

    return rule


def keeps_input_and_row_statistics(cfg, shape, built, **call) -> int:
    """LayerNorm, RMSNorm: the input, and a mean and a reciprocal deviation per row."""
    return elements(shape) + 2 * positions(shape)


def keeps_channel_mask(first: bool):
    """Spatial dropout: one mask value a sample and channel."""

    def rule(cfg, shape, built, **call) -> int:
        return shape[0] * (shape[1] if first or (cfg.get("data_format") == "channels_first") else shape[-1])

    return rule


def keeps_children(cfg, shape, built, **call) -> Kept | None:
    """A wrapper or a model used as a layer: what its layers keep."""
    rows = [r for r in built.children if r is not None]
    if any(r.kept is None for r in rows):
        return None
    return Kept(sum(r.kept[0] for r in rows), sum(r.kept[1] for r in rows))


# Values a recurrent layer keeps at each step and sample, a unit at a time, beside its input:
# torch's RNN its hidden state; GRU and LSTM (oneDNN off) 7 (gates, activations, states)
STEP_STATES = {"simplernn": 1, "gru": 7, "lstm": 7}


def keeps_steps(kind: str):
    """A recurrent layer, per stacked layer and direction: its input at every step, and what its
    gates keep (STEP_STATES a unit, and LSTM's projection P). Keras layers are one layer, one
    direction; torch's read num_layers, bidirectional and proj_size."""

    def rule(cfg, shape, built, **call) -> int:
        n = positions(shape)  # steps x samples, whichever way the layer reads them
        # the samples as it reads them: torch's (time, batch) unless batch_first; an unbatched (time, features)
        samples = 1 if len(shape) == 2 else shape[1] if cfg.get("batch_first") is False else shape[0]
        units = cfg.get("units") or cfg["hidden_size"]
        layers, directions = cfg.get("num_layers", 1), 2 if cfg.get("bidirectional") else 1
        proj = cfg.get("proj_size", 0)
        initial = samples * units if kind == "simplernn" else 0  # torch's RNN keeps its initial state too
        kept, width = 0, shape[-1]
        for _ in range(layers):
            kept += directions * (n * (width + STEP_STATES[kind] * units + proj) + initial)
            width = directions * (proj or units)
        return kept

    return rule


def keeps_steps_of_cells(cfg, shape, built, **call) -> Kept | None:
    """keras.layers.RNN: its cell's (or cells') at every step."""
    (row,) = built.children
    return None if row.kept is None else Kept(shape[1] * row.kept[0], shape[1] * row.kept[1])


def keeps_cell_step(kind: str):
    """A cell (Keras's, torch's), one step of the batch: its input and what its gates keep."""

    def rule(cfg, shape, built, **call) -> int:
        return shape[0] * (shape[-1] + STEP_STATES[kind] * (cfg.get("units") or cfg["hidden_size"]))

    return rule
