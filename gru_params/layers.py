"""Every layer a spec may use, registered once: its Keras arguments, output shape and weights.

Shapes include the batch axis as None, as Keras prints them: (None, 28, 75). Each
`build` gets the layer's checked arguments, its input shape and a `nested` callback
that builds a wrapped layer (so that names and `trainable` are handled in one place,
in `infer`), and returns a `Built`. Shape rules follow each class's
`compute_output_shape` in keras/src/layers/.
"""

from __future__ import annotations

import functools
import math
from typing import Callable, NamedTuple

from .errors import ArgumentError, boolean, closest, fmt, positive_int, shown
from .formulas import GateCount, count_layer
from .limits import MAX_RANK

Shape = tuple  # (None, 28, 75)


class W(NamedTuple):
    """One weight tensor as Keras builds it."""

    name: str
    shape: tuple[int, ...]
    trainable: bool = True


class Built(NamedTuple):
    output: Shape | list  # one shape, or a list of shapes for several outputs
    weights: tuple[W, ...] = ()
    children: tuple = ()  # rows of the layers inside a wrapper (infer's Row)
    gates: tuple[GateCount, ...] = ()  # per-gate split of a recurrent layer


class Kind(NamedTuple):
    """One layer class: its Keras arguments, how it builds, what it wraps."""

    class_name: str
    args: dict  # name -> (check, default); defaults are written as the check returns them
    # (strides (1,), not 1); REQUIRED marks a required argument
    build: Callable
    nested: tuple[str, ...] = ()  # arguments that hold layer specs (the spec parser builds them)
    cell: bool = False  # an RNN cell: only inside RNN / StackedRNNCells
    # Whether `trainable: false` on this layer freezes the weights it builds. Keras freezes
    # a weight when the layer that creates it is frozen; ConvLSTM's weights are created by
    # an inner cell that is not given the layer's `trainable` (keras/src/layers/rnn/conv_lstm.py).
    freezes_own_weights: bool = True
    # What the layer's call takes besides its inputs, in a functional spec: name -> TENSOR,
    # TENSORS or a check. `build` gets them as keyword arguments (tensors as their shapes).
    call: dict = {}
    many_inputs: bool = False  # called on a list of tensors (merges, attention)
    positional: tuple[str, ...] = ()  # call arguments that may also come after the input, in order


REQUIRED = object()
TENSOR, TENSORS = "a tensor", "a list of tensors"  # call arguments that name tensors


# ---- argument checks: (key, value) -> value, or ArgumentError --------------------------

def anything(key, value):
    return value


def number(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ArgumentError(f"expected a number for `{key}`, got {shown(value)}")
    return value


def fraction(key, value):
    if number(key, value) < 0 or value > 1:
        raise ArgumentError(f"expected a number from 0 to 1 for `{key}`, got {shown(value)}")
    return value


def optional_int(key, value):
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ArgumentError(f"expected an integer or null for `{key}`, got {shown(value)}")


def optional_positive_int(key, value):
    return None if value is None else positive_int(key, value)


def integer(key, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError(f"expected an integer for `{key}`, got {shown(value)}")
    return value


def text(key, value):
    if not isinstance(value, str) or not value:
        raise ArgumentError(f"expected a name for `{key}`, got {shown(value)}")
    return value


def setting(key, value):
    """Initializers, regularizers, constraints: a name, a {class_name, config} mapping, or null."""
    if value is None or isinstance(value, (str, dict)):
        return value
    raise ArgumentError(f"expected a name, a mapping or null for `{key}`, got {shown(value)}")


# keras/src/activations/__init__.py, ALL_OBJECTS_DICT (a test compares with Keras)
ACTIVATIONS = frozenset(
    "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh "
    "leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink "
    "softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh "
    "tanh_shrink threshold".split()
)


def activation(key, value):
    if value is None or isinstance(value, dict) or (isinstance(value, str) and value in ACTIVATIONS):
        return value
    if isinstance(value, str):
        raise ArgumentError(f"unknown activation {value!r} for `{key}`{closest(value, ACTIVATIONS)}")
    raise ArgumentError(f"expected an activation name for `{key}`, got {shown(value)}")


def one_of(*choices):
    def check(key, value):
        if value in choices:
            return value
        names = ", ".join("null" if c is None else str(c) for c in choices)
        hint = closest(value, [c for c in choices if c]) if isinstance(value, str) else ""
        raise ArgumentError(f"expected one of {names} for `{key}`, got {shown(value)}{hint}")

    return check


def ints(n: int, minimum: int = 1):
    """A whole number or a list of `n` of them, each at least `minimum`: 3 -> (3,) * n."""

    def check(key, value):
        values = value if isinstance(value, list) else [value] * n
        if len(values) != n or any(isinstance(v, bool) or not isinstance(v, int) or v < minimum for v in values):
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise ArgumentError(f"expected {what} or a list of {n} for `{key}`, got {shown(value)}")
        return tuple(values)

    return check


def optional_ints(n: int):
    inner = ints(n)
    return lambda key, value: None if value is None else inner(key, value)


def int_list(key, value):
    if not isinstance(value, list) or not 0 < len(value) <= MAX_RANK or any(
            isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise ArgumentError(f"expected a list of 1 to {MAX_RANK} integers for `{key}`, got {shown(value)}")
    return tuple(value)


def optional_ints_list(key, value):
    """An int or a list of ints, as a tuple (LayerNorm's normalized_shape), or None."""
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not 0 < len(values) <= MAX_RANK or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in values):
        raise ArgumentError(f"expected a positive integer or a list of 1 to {MAX_RANK} of them for `{key}`, "
                            f"got {shown(value)}")
    return tuple(values)


def axis_arg(key, value):
    return int_list(key, value) if isinstance(value, list) else integer(key, value)


def input_shape_arg(key, value):
    if not isinstance(value, list) or len(value) > MAX_RANK or any(
        v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0) for v in value
    ):
        raise ArgumentError(f"expected a list of at most {MAX_RANK} positive integers or nulls for `{key}`, "
                            f"got {shown(value)}")
    return tuple(value)


# ---- shapes ------------------------------------------------------------------------------

def _ndim(shape: Shape, ndim: int, what: str) -> None:
    if len(shape) != ndim:
        raise ArgumentError(f"expected a {ndim}D input {what}, got {fmt(shape)}")


def _min_ndim(shape: Shape, ndim: int, what: str) -> None:
    if len(shape) < ndim:
        raise ArgumentError(f"expected an input of at least {ndim} dimensions {what}, got {fmt(shape)}")


def _known(shape: Shape, axis: int, what: str) -> int:
    size = shape[axis]
    if size is None:
        raise ArgumentError(f"needs a known size for the {what} axis, got {fmt(shape)}")
    return size


def conv_length(size, kernel, stride, dilation, padding):
    """keras/src/ops/operation_utils.py compute_conv_output_shape, one axis."""
    if size is None:
        return None
    if padding == "valid":
        out = (size - dilation * (kernel - 1) - 1) // stride + 1
        if out <= 0:
            raise ArgumentError(
                f"the input length {size} is too short for kernel {kernel} (dilation {dilation}): "
                "the output would be empty"
            )
        return out
    return (size - 1) // stride + 1  # same, causal


def _channels(cfg) -> bool:
    return cfg.get("data_format") == "channels_first"


# ---- argument tables -------------------------------------------------------------------

# keras/src/layers/layer.py Layer.__init__: keyword arguments every layer with **kwargs takes
BASE = {
    "name": (text, None),
    "trainable": (boolean, True),
    "dtype": (anything, None),
    "autocast": (boolean, True),
    "activity_regularizer": (setting, None),
    "input_shape": (input_shape_arg, None),
    "input_dim": (positive_int, None),
}


def _args(**own) -> dict:
    """A layer's arguments: its own, then the base Layer's (its own win: Embedding's
    required input_dim is not the base Layer's optional one)."""
    return {**BASE, **own}


_INIT = dict(kernel_initializer=(setting, "glorot_uniform"), bias_initializer=(setting, "zeros"),
             kernel_regularizer=(setting, None), bias_regularizer=(setting, None),
             kernel_constraint=(setting, None), bias_constraint=(setting, None))
_RECURRENT_INIT = dict(recurrent_initializer=(setting, "orthogonal"), recurrent_regularizer=(setting, None),
                       recurrent_constraint=(setting, None))
_CELL_COMMON = dict(units=(positive_int, REQUIRED), activation=(activation, "tanh"), use_bias=(boolean, True),
                    dropout=(fraction, 0.0), recurrent_dropout=(fraction, 0.0), seed=(optional_int, None),
                    **_INIT, **_RECURRENT_INIT)
_GATED = dict(recurrent_activation=(activation, "sigmoid"), implementation=(one_of(1, 2), 2))
# zero_output_for_mask and (for ConvLSTM) unroll reach keras.layers.RNN through **kwargs; saved configs hold them
_SEQUENCE = dict(return_sequences=(boolean, False), return_state=(boolean, False), go_backwards=(boolean, False),
                 stateful=(boolean, False), unroll=(boolean, False), zero_output_for_mask=(boolean, False))
_CELL_ARGS = {
    "SimpleRNN": dict(_CELL_COMMON),
    "LSTM": dict(_CELL_COMMON, unit_forget_bias=(boolean, True), **_GATED),
    "GRU": dict(_CELL_COMMON, reset_after=(boolean, True), **_GATED),
}
_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
_RNN_CALL = {"initial_state": TENSORS, "mask": TENSOR}


# ---- recurrent layers ---------------------------------------------------------------------

def _cell_count(class_name: str, cfg: dict, input_dim: int):
    return count_layer(
        class_name.lower(), cfg["units"], input_dim, use_bias=cfg["use_bias"],
        reset_after=cfg["reset_after"] if class_name == "GRU" else None,
    )


def _sequence_output(shape: Shape, features: tuple, cfg: dict, states: list) -> Shape | list:
    """An RNN's output: (None, [time,] *features), with its states after it under return_state."""
    out = (shape[0], shape[1], *features) if cfg["return_sequences"] else (shape[0], *features)
    return [out, *states] if cfg["return_state"] else out


def fits(given: Shape, wanted: Shape) -> bool:
    """Same rank, and the same size on every axis both know."""
    return len(given) == len(wanted) and all(a is None or b is None or a == b for a, b in zip(given, wanted))


def _initial_state(given, states: list) -> None:
    """An RNN's `initial_state` must be one tensor per state, each shaped as the state."""
    if given is not None and (len(given) != len(states) or not all(map(fits, given, states))):
        raise ArgumentError(f"`initial_state` takes {len(states)} tensor{'s' * (len(states) > 1)} "
                            f"{fmt(states)}, got {len(given)}: {fmt(given)}")


def _rnn_layer(class_name: str) -> Kind:
    def build(cfg, shape, nested, initial_state=None, mask=None):
        _ndim(shape, 3, "(batch, time, features)")
        count = _cell_count(class_name, cfg, _known(shape, -1, "features"))
        states = [(shape[0], cfg["units"])] * _STATES[class_name]
        _initial_state(initial_state, states)
        weights = tuple(W(w.name, w.shape) for w in count.weights)
        return Built(_sequence_output(shape, (cfg["units"],), cfg, states), weights, gates=count.gates)

    extra = dict(use_cudnn=(anything, "auto")) if class_name != "SimpleRNN" else {}
    return Kind(class_name, _args(**_CELL_ARGS[class_name], **_SEQUENCE, **extra), build, call=_RNN_CALL)


def _cell(class_name: str) -> Kind:
    """SimpleRNNCell, LSTMCell, GRUCell: `build` takes (batch, features) and returns the
    cell's output shape, then its states' shapes."""

    def build(cfg, shape, nested):
        count = _cell_count(class_name, cfg, _known(shape, -1, "features"))
        weights = tuple(W(w.name, w.shape) for w in count.weights)
        return Built([(shape[0], cfg["units"])] * (1 + _STATES[class_name]), weights, gates=count.gates)

    args = {k: v for k, v in _CELL_ARGS[class_name].items()}
    return Kind(f"{class_name}Cell", _args(**args), build, cell=True)


def _stacked_cells_build(cfg, shape, nested):
    """keras/src/layers/rnn/stacked_rnn_cells.py: each cell reads the previous one's output."""
    children, states, weights = [], [], []
    for cell in cfg["cells"]:
        built, row = nested(cell, shape)
        children.append(row)
        weights += built.weights
        shape, *cell_states = built.output
        states += cell_states
    return Built([shape, *states], tuple(weights), tuple(children))


def _rnn_build(cfg, shape, nested, initial_state=None, mask=None):
    """keras.layers.RNN over a cell, a StackedRNNCells, or a list of cells (stacked)."""
    _ndim(shape, 3, "(batch, time, features)")
    built, row = nested(cfg["cell"], (shape[0], shape[-1]))
    out, *states = built.output
    _initial_state(initial_state, states)
    return Built(_sequence_output(shape, out[1:], cfg, states), built.weights, (row,))


def _conv_lstm(rank: int) -> Kind:
    """ConvLSTM1D/2D/3D (keras/src/layers/rnn/conv_lstm.py): an LSTM whose products are
    convolutions; kernel (*kernel_size, channels, 4*filters)."""

    def build(cfg, shape, nested, initial_state=None, mask=None):
        layout = "(batch, time, *spatial, channels)"
        _ndim(shape, rank + 3, layout)
        first = _channels(cfg)
        channels = _known(shape, 2 if first else -1, "channels")
        spatial_in = shape[3:] if first else shape[2:-1]
        spatial = tuple(
            conv_length(size, k, s, d, cfg["padding"])
            for size, k, s, d in zip(spatial_in, cfg["kernel_size"], cfg["strides"], cfg["dilation_rate"])
        )
        f = cfg["filters"]
        step = (f, *spatial) if first else (*spatial, f)
        weights = [W("kernel", (*cfg["kernel_size"], channels, 4 * f)),
                   W("recurrent_kernel", (*cfg["kernel_size"], f, 4 * f))]
        if cfg["use_bias"]:
            weights.append(W("bias", (4 * f,)))
        states = [(shape[0], *step)] * 2
        _initial_state(initial_state, states)
        return Built(_sequence_output(shape, step, cfg, states), tuple(weights))

    args = _args(
        filters=(positive_int, REQUIRED), kernel_size=(ints(rank), REQUIRED), strides=(ints(rank), (1,) * rank),
        padding=(one_of("valid", "same"), "valid"), data_format=(one_of(None, "channels_last", "channels_first"), None),
        dilation_rate=(ints(rank), (1,) * rank), activation=(activation, "tanh"), recurrent_activation=(activation, "sigmoid"),
        use_bias=(boolean, True), unit_forget_bias=(boolean, True), dropout=(fraction, 0.0),
        recurrent_dropout=(fraction, 0.0), seed=(optional_int, None), **_INIT, **_RECURRENT_INIT,
        **_SEQUENCE,
    )
    return Kind(f"ConvLSTM{rank}D", args, build, freezes_own_weights=False, call=_RNN_CALL)


RECURRENT = ("SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")


def _bidirectional_build(cfg, shape, nested, initial_state=None, mask=None, keras2=False):
    """keras/src/layers/rnn/bidirectional.py compute_output_shape: the forward layer's
    output, its last axis doubled for concat (even when a backward_layer is wider),
    listed twice for merge_mode None, then the states of both directions."""
    _check_directions(cfg["layer"].args, cfg["backward_layer"], keras2)
    forward, f_row = nested(cfg["layer"], shape, "forward_")
    if cfg["backward_layer"] is not None:
        backward, b_row = nested(cfg["backward_layer"], shape)
    else:
        backward, b_row = nested(cfg["layer"], shape, "backward_")
    out, states = (forward.output[0], forward.output[1:]) if isinstance(forward.output, list) else (forward.output, [])
    if initial_state is not None:  # the forward layer's states, then the backward layer's
        _initial_state(initial_state, _states_of(forward) + _states_of(backward))
    mode = cfg["merge_mode"]
    if mode == "concat":
        out = (*out[:-1], out[-1] * 2)
    outputs = [out, out] if mode is None else [out]
    if states or mode is None:
        outputs = [*outputs, *states, *states]
    return Built(outputs if len(outputs) > 1 else outputs[0], forward.weights + backward.weights, (f_row, b_row))


def _check_directions(forward: dict, backward, keras2: bool) -> None:
    """Bidirectional._verify_layer_config: the two directions must read the sequence in
    opposite orders and agree on what they return. Without a backward_layer, Keras 3 makes
    one with go_backwards=True (keras/src/layers/rnn/bidirectional.py), so a forward layer
    that goes backwards is refused; Keras 2 flips the flag instead (tf_keras, same file)."""
    if backward is None:
        backward = {**forward, "go_backwards": not forward["go_backwards"] if keras2 else True}
    else:
        backward = backward.args
    if forward["go_backwards"] == backward["go_backwards"]:
        raise ArgumentError(f"the forward and backward layers must have different `go_backwards` values, got "
                            f"{forward['go_backwards']} for both" + ("; Keras 3 runs the backward copy with "
                            "go_backwards=True, so the wrapped layer must not" if forward["go_backwards"] else ""))
    for key in ("stateful", "return_sequences", "return_state"):
        if forward[key] != backward[key]:
            raise ArgumentError(f"the forward and backward layers must agree on `{key}`, got {forward[key]} and "
                                f"{backward[key]}")


def _states_of(built: Built) -> list:
    return list(built.output[1:]) if isinstance(built.output, list) else []


def _time_distributed_build(cfg, shape, nested):
    _min_ndim(shape, 3, "(batch, time, ...)")
    built, row = nested(cfg["layer"], (shape[0], *shape[2:]))
    if isinstance(built.output, list):
        raise ArgumentError("the wrapped layer must return one tensor")
    return Built((shape[0], shape[1], *built.output[1:]), built.weights, (row,))


# ---- the layers around them ---------------------------------------------------------------------

def _identity(cfg, shape, nested):
    return Built(shape)


def _dense_build(cfg, shape, nested):
    _min_ndim(shape, 2, "(batch, ..., features)")
    d = _known(shape, -1, "features")
    weights = [W("kernel", (d, cfg["units"]))] + ([W("bias", (cfg["units"],))] if cfg["use_bias"] else [])
    return Built((*shape[:-1], cfg["units"]), tuple(weights))


def _embedding_build(cfg, shape, nested):
    return Built((*shape, cfg["output_dim"]), (W("embeddings", (cfg["input_dim"], cfg["output_dim"])),))


def _spatial_dropout_build(cfg, shape, nested):
    _ndim(shape, 3, "(batch, time, channels)")
    return Built(shape)


def _flatten_build(cfg, shape, nested):
    rest = shape[1:]
    size = None if None in rest else math.prod(rest)
    return Built((shape[0], size))


def _reshape_build(cfg, shape, nested):
    """keras/src/layers/reshaping/reshape.py: one -1 may stand for the rest."""
    target = cfg["target_shape"]
    if any(d == 0 or d < -1 for d in target) or target.count(-1) > 1:
        raise ArgumentError(f"expected positive sizes and at most one -1 in `target_shape`, got {list(target)}")
    rest = shape[1:]
    known = math.prod(d for d in target if d != -1)
    if None in rest:
        return Built((shape[0], *(None if d == -1 else d for d in target)))
    total = math.prod(rest)
    if -1 in target:
        if total % known:
            raise ArgumentError(f"cannot reshape {fmt(shape)} ({total:,} values) to {list(target)}")
        target = tuple(total // known if d == -1 else d for d in target)
    elif known != total:
        raise ArgumentError(f"cannot reshape {fmt(shape)} ({total:,} values) to {list(target)} ({known:,} values)")
    return Built((shape[0], *target))


def _permute_build(cfg, shape, nested):
    dims = cfg["dims"]
    if sorted(dims) != list(range(1, len(shape))):
        raise ArgumentError(f"`dims` must order the axes 1 to {len(shape) - 1} of {fmt(shape)}, got {list(dims)}")
    return Built((shape[0], *(shape[d] for d in dims)))


def _repeat_vector_build(cfg, shape, nested):
    _ndim(shape, 2, "(batch, features)")
    return Built((shape[0], cfg["n"], shape[1]))


def _axis(axis: int, shape: Shape) -> int:
    if not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
        raise ArgumentError(f"axis {axis} is not a feature axis of {fmt(shape)}")
    return axis % len(shape)


def _batch_norm_build(cfg, shape, nested):
    c = _known(shape, _axis(cfg["axis"], shape), "normalized")
    names = [n for n, on in (("gamma", cfg["scale"]), ("beta", cfg["center"])) if on]
    weights = [W(n, (c,)) for n in names] + [W(n, (c,), False) for n in ("moving_mean", "moving_variance")]
    if cfg["renorm"]:
        weights += [W(n, (c,), False) for n in ("moving_stddev", "renorm_mean", "renorm_stddev")]
    return Built(shape, tuple(weights))


def _layer_norm_build(cfg, shape, nested):
    axes = cfg["axis"] if isinstance(cfg["axis"], tuple) else (cfg["axis"],)
    size = tuple(_known(shape, _axis(a, shape), "normalized") for a in sorted(_axis(a, shape) for a in axes))
    rms = cfg["rms_scaling"]
    names = [n for n, on in (("gamma", cfg["scale"] or rms), ("beta", cfg["center"] and not rms)) if on]
    return Built(shape, tuple(W(n, size) for n in names))


def _conv1d_build(cfg, shape, nested):
    _ndim(shape, 3, "(batch, steps, channels)")
    first = _channels(cfg)
    channels = _known(shape, 1 if first else 2, "channels")
    groups, filters = cfg["groups"], cfg["filters"]
    if channels % groups or filters % groups:
        raise ArgumentError(f"`groups` ({groups}) must divide the channels ({channels}) and `filters` ({filters})")
    if cfg["padding"] == "causal" and first:
        raise ArgumentError("padding causal needs data_format channels_last")
    (k,), (s,), (d,) = cfg["kernel_size"], cfg["strides"], cfg["dilation_rate"]
    length = conv_length(shape[2 if first else 1], k, s, d, cfg["padding"])
    weights = [W("kernel", (k, channels // groups, filters))] + ([W("bias", (filters,))] if cfg["use_bias"] else [])
    return Built((shape[0], filters, length) if first else (shape[0], length, filters), tuple(weights))


def _pooling1d_build(cfg, shape, nested):
    _ndim(shape, 3, "(batch, steps, channels)")
    first = _channels(cfg)
    (p,) = cfg["pool_size"]
    (s,) = cfg["strides"] or (p,)
    length = conv_length(shape[2 if first else 1], p, s, 1, cfg["padding"])
    return Built((shape[0], shape[1], length) if first else (shape[0], length, shape[2]))


def _global_pooling1d_build(cfg, shape, nested):
    _ndim(shape, 3, "(batch, steps, channels)")
    first = _channels(cfg)
    channels = shape[1] if first else shape[2]
    if cfg["keepdims"]:
        return Built((shape[0], channels, 1) if first else (shape[0], 1, channels))
    return Built((shape[0], channels))



# ---- merging and attention: layers called on several tensors -------------------------------------

def _tensors(shape, at_least: int, at_most: int | None = None) -> list:
    """The shapes a layer called on a list of tensors got, or an error naming how many it takes."""
    if not isinstance(shape, list):
        raise ArgumentError(f"is called on a list of tensors, got one tensor {fmt(shape)}; in a functional "
                            "model give it `inputs: [a, b]`")
    if len(shape) < at_least or (at_most is not None and len(shape) > at_most):
        wanted = at_least if at_most == at_least else f"{at_least} to {at_most}" if at_most else f"at least {at_least}"
        raise ArgumentError(f"is called on {wanted} tensors, got {len(shape)}: {fmt(shape)}")
    return shape


def _broadcast(a: Shape, b: Shape) -> Shape:
    """keras/src/layers/merging/base_merge.py _compute_elemwise_op_output_shape (no batch axis)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: -len(b)])
    for i, j in zip(a[-len(b):], b):
        if i is not None and j is not None and i != j and 1 not in (i, j):
            raise ArgumentError(f"cannot merge tensors of shapes {fmt(a)} and {fmt(b)} (without the batch axis)")
        out.append(None if i is None or j is None else j if i == 1 else i)
    return tuple(out)


def _elementwise(exactly: int | None = None):
    """Add, Subtract, Multiply, Average, Maximum, Minimum: shapes broadcast as numpy's."""

    def build(cfg, shape, nested):
        shapes = _tensors(shape, exactly or 1, exactly)
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = _broadcast(out, s[1:])
        return Built((None, *out))

    return build


def _concatenate_build(cfg, shape, nested):
    """keras/src/layers/merging/concatenate.py: every axis but `axis` must agree where known;
    the output takes the first input's shape, with the sizes along `axis` added."""
    shapes = _tensors(shape, 1)
    axis = cfg["axis"]
    if any(not -len(s) <= axis < len(s) for s in shapes):
        raise ArgumentError(f"axis {axis} is out of range for {fmt(shapes)}")
    rest = {tuple(d for i, d in enumerate(s) if i != axis % len(s)) for s in shapes}
    ranks = {len(s) for s in shapes}
    if len(ranks) > 1 or any(len({r[i] for r in rest} - {None}) > 1 for i in range(len(next(iter(rest))))):
        raise ArgumentError(f"needs inputs of the same shape except along axis {axis}, got {fmt(shapes)}")
    out = list(shapes[0])
    sizes = [s[axis] for s in shapes]
    out[axis] = None if None in sizes else sum(sizes)
    return Built(tuple(out))


def _dot_axes(key, value):
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    return integer(key, value)


def _dot_build(cfg, shape, nested):
    """keras/src/layers/merging/dot.py: the sizes along the two axes must be equal."""
    a, b = _tensors(shape, 2, 2)
    axes = cfg["axes"]
    if isinstance(axes, int):
        axes = (axes % len(a), axes % len(b)) if axes < 0 else (axes, axes)
    if not (0 <= axes[0] < len(a) and 0 <= axes[1] < len(b)) or a[axes[0]] != b[axes[1]]:
        raise ArgumentError(f"cannot take the dot product of {fmt(a)} and {fmt(b)} along axes {list(axes)}")
    out = [d for i, d in enumerate(a) if i != axes[0]] + [d for i, d in enumerate(b) if i != axes[1]][1:]
    return Built(tuple(out + [1] if len(out) == 1 else out))


def _attention(scale: Callable, concat_weight: bool):
    """Attention and AdditiveAttention (keras/src/layers/attention/): query, value and an
    optional key; a scalar or per-feature scale, and for Attention a scalar for score_mode
    concat (AdditiveAttention's own build has none)."""

    def build(cfg, shape, nested, mask=None, return_attention_scores=False, use_causal_mask=False):
        query, value, *key = _tensors(shape, 2, 3)
        if mask is not None and not 2 <= len(mask) <= 3:
            raise ArgumentError(f"`mask` takes 2 or 3 tensors (query, value, key), got {len(mask)}")
        weights = [W("scale", scale(query))] if cfg["use_scale"] else []
        if concat_weight and cfg["score_mode"] == "concat":
            weights.append(W("concat_score_weight", ()))
        out = (*query[:-1], value[-1])
        scores = (*query[:-1], (key or [value])[0][-2])
        return Built([out, scores] if return_attention_scores else out, tuple(weights))

    return build


def _mha_build(cfg, shape, nested, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
               attention_mask=None, return_attention_scores=False, use_causal_mask=False):
    """keras/src/layers/attention/multi_head_attention.py: query, key and value projections
    to (heads, key_dim or value_dim), and an output projection back to the query's size."""
    if value is None:
        raise ArgumentError("needs a `value` tensor: `inputs: [query, value]`, or `value:` beside `inputs`")
    query, key = shape, value if key is None else key
    if value[1:-1] != key[1:-1]:
        raise ArgumentError(f"`value` {fmt(value)} and `key` {fmt(key)} must agree on every axis but the last")
    heads, k = cfg["num_heads"], cfg["key_dim"]
    v = cfg["value_dim"] or k
    out_shape = cfg["output_shape"] or (_known(query, -1, "query features"),)
    projections = [("query", query, k), ("key", key, k)] + ([("gate", query, v)] if cfg["use_gate"] else [])
    weights = []
    for name, x, size in projections + [("value", value, v)]:
        weights.append(W(f"{name}/kernel", (_known(x, -1, f"{name} features"), heads, size)))
        if cfg["use_bias"]:
            weights.append(W(f"{name}/bias", (heads, size)))
    weights.append(W("attention_output/kernel", (heads, v, *out_shape)))
    if cfg["use_bias"]:
        weights.append(W("attention_output/bias", out_shape))
    out = (*query[:-1], *out_shape) if cfg["output_shape"] else query
    scores = (query[0], heads, query[1], query[1])  # as Keras's compute_output_spec, query length twice
    return Built([out, scores] if return_attention_scores else out, tuple(weights))



# ---- models used as layers ------------------------------------------------------------------

def _sequential_model_build(cfg, shape, nested):
    """A Sequential model called as a layer: its layers one after another."""
    children, weights = [], []
    for layer in cfg["layers"]:
        if isinstance(shape, list):
            raise ArgumentError(f"`{children[-1].name}` returns {len(shape)} tensors inside a Sequential model, "
                                "where only the last layer may")
        built, row = nested(layer, shape)
        children.append(row)
        weights += built.weights
        shape = built.output
    return Built(shape, tuple(weights), tuple(children))


def _functional_model_build(cfg, shape, nested):
    """A functional model called as a layer, on one tensor per input (infer builds its graph)."""
    built, _ = nested(cfg["model"], shape if isinstance(shape, list) else [shape])
    return built


_ATTENTION_CALL = {"mask": TENSORS, "return_attention_scores": boolean, "use_causal_mask": boolean}
_MHA_CALL = {"value": TENSOR, "key": TENSOR, "query_mask": TENSOR, "value_mask": TENSOR, "key_mask": TENSOR,
             "attention_mask": TENSOR, "return_attention_scores": boolean, "use_causal_mask": boolean}
_ATTENTION_ARGS = dict(dropout=(fraction, 0.0), seed=(optional_int, None))

_DATA_FORMAT = (one_of(None, "channels_last", "channels_first"), None)
_POOL_ARGS = dict(strides=(optional_ints(1), None), padding=(one_of("valid", "same"), "valid"), data_format=_DATA_FORMAT)
_GLOBAL_POOL_ARGS = dict(data_format=_DATA_FORMAT, keepdims=(boolean, False))

def _registry(*kinds: Kind) -> dict[str, Kind]:
    return {k.class_name: k for k in kinds}


KINDS: dict[str, Kind] = _registry(
    _rnn_layer("SimpleRNN"),
    _rnn_layer("LSTM"),
    _rnn_layer("GRU"),
    _cell("SimpleRNN"),
    _cell("LSTM"),
    _cell("GRU"),
    Kind("StackedRNNCells", _args(cells=(anything, REQUIRED)), _stacked_cells_build, ("cells",), cell=True),
    Kind("RNN", _args(cell=(anything, REQUIRED), **_SEQUENCE),
         _rnn_build, ("cell",), call=_RNN_CALL),
    Kind("Bidirectional", _args(layer=(anything, REQUIRED), merge_mode=(one_of("concat", "sum", "mul", "ave", None), "concat"),
                                weights=(anything, None), backward_layer=(anything, None)),
         _bidirectional_build, ("layer", "backward_layer"), call=_RNN_CALL),
    Kind("TimeDistributed", _args(layer=(anything, REQUIRED)), _time_distributed_build, ("layer",)),
    _conv_lstm(1),
    _conv_lstm(2),
    _conv_lstm(3),
    Kind("Embedding", _args(input_dim=(positive_int, REQUIRED), output_dim=(positive_int, REQUIRED),
                            embeddings_initializer=(setting, "uniform"), embeddings_regularizer=(setting, None),
                            embeddings_constraint=(setting, None), mask_zero=(boolean, False),
                            weights=(anything, None), lora_rank=(optional_int, None), lora_alpha=(anything, None),
                            quantization_config=(anything, None), input_length=(optional_int, None)),
         _embedding_build),
    Kind("Dense", _args(units=(positive_int, REQUIRED), activation=(activation, None), use_bias=(boolean, True),
                        **_INIT, lora_rank=(optional_int, None), lora_alpha=(anything, None),
                        quantization_config=(anything, None)),
         _dense_build),
    Kind("Dropout", _args(rate=(fraction, REQUIRED), noise_shape=(anything, None), seed=(optional_int, None)), _identity),
    # SpatialDropout1D takes no **kwargs: only these four
    Kind("SpatialDropout1D", dict(rate=(fraction, REQUIRED), seed=(optional_int, None), name=(text, None),
                                  dtype=(anything, None)), _spatial_dropout_build),
    Kind("GaussianNoise", _args(stddev=(number, REQUIRED), seed=(optional_int, None)), _identity),
    Kind("Activation", _args(activation=(activation, REQUIRED)), _identity),
    Kind("Masking", _args(mask_value=(anything, 0.0)), _identity),
    Kind("Flatten", _args(data_format=_DATA_FORMAT), _flatten_build),
    Kind("Reshape", _args(target_shape=(int_list, REQUIRED)), _reshape_build),
    Kind("Permute", _args(dims=(int_list, REQUIRED)), _permute_build),
    Kind("RepeatVector", _args(n=(positive_int, REQUIRED)), _repeat_vector_build),
    Kind("BatchNormalization", _args(
        axis=(integer, -1), momentum=(number, 0.99), epsilon=(number, 0.001), center=(boolean, True),
        scale=(boolean, True), beta_initializer=(setting, "zeros"), gamma_initializer=(setting, "ones"),
        moving_mean_initializer=(setting, "zeros"), moving_variance_initializer=(setting, "ones"),
        beta_regularizer=(setting, None), gamma_regularizer=(setting, None), beta_constraint=(setting, None),
        gamma_constraint=(setting, None), renorm=(boolean, False), renorm_clipping=(anything, None),
        renorm_momentum=(number, 0.99), synchronized=(boolean, False)), _batch_norm_build),
    Kind("LayerNormalization", _args(
        axis=(axis_arg, -1), epsilon=(number, 0.001), center=(boolean, True), scale=(boolean, True),
        beta_initializer=(setting, "zeros"), gamma_initializer=(setting, "ones"), beta_regularizer=(setting, None),
        gamma_regularizer=(setting, None), beta_constraint=(setting, None), gamma_constraint=(setting, None),
        rms_scaling=(boolean, False)), _layer_norm_build),
    Kind("Conv1D", _args(
        filters=(positive_int, REQUIRED), kernel_size=(ints(1), REQUIRED), strides=(ints(1), (1,)),
        padding=(one_of("valid", "same", "causal"), "valid"), data_format=_DATA_FORMAT,
        dilation_rate=(ints(1), (1,)), groups=(positive_int, 1), activation=(activation, None),
        use_bias=(boolean, True), **_INIT), _conv1d_build),
    Kind("MaxPooling1D", _args(pool_size=(ints(1), (2,)), **_POOL_ARGS), _pooling1d_build),
    Kind("AveragePooling1D", _args(pool_size=(ints(1), REQUIRED), **_POOL_ARGS), _pooling1d_build),
    Kind("GlobalAveragePooling1D", _args(**_GLOBAL_POOL_ARGS), _global_pooling1d_build),
    Kind("GlobalMaxPooling1D", _args(**_GLOBAL_POOL_ARGS), _global_pooling1d_build),
    Kind("Concatenate", _args(axis=(integer, -1)), _concatenate_build, many_inputs=True),
    Kind("Add", _args(), _elementwise(), many_inputs=True),
    Kind("Subtract", _args(), _elementwise(2), many_inputs=True),
    Kind("Multiply", _args(), _elementwise(), many_inputs=True),
    Kind("Average", _args(), _elementwise(), many_inputs=True),
    Kind("Maximum", _args(), _elementwise(), many_inputs=True),
    Kind("Minimum", _args(), _elementwise(), many_inputs=True),
    Kind("Dot", _args(axes=(_dot_axes, REQUIRED), normalize=(boolean, False)), _dot_build, many_inputs=True),
    Kind("Attention", _args(use_scale=(boolean, False), score_mode=(one_of("dot", "concat"), "dot"), **_ATTENTION_ARGS),
         _attention(lambda query: (), True), call=_ATTENTION_CALL, many_inputs=True),
    Kind("AdditiveAttention", _args(use_scale=(boolean, True), score_mode=(one_of("dot", "concat"), "dot"),
                                    **_ATTENTION_ARGS),
         _attention(lambda query: (_known(query, -1, "query features"),), False), call=_ATTENTION_CALL, many_inputs=True),
    Kind("Sequential", dict(layers=(anything, REQUIRED), name=(text, None), trainable=(boolean, True),
                            dtype=(anything, None)), _sequential_model_build, ("layers",)),
    # `model` is the inner spec (inputs, layers, outputs) as the spec parser reads it
    Kind("Functional", dict(model=(anything, REQUIRED), name=(text, None), trainable=(boolean, True)),
         _functional_model_build, ("model",), many_inputs=True),
    Kind("MultiHeadAttention", _args(
        num_heads=(positive_int, REQUIRED), key_dim=(positive_int, REQUIRED), value_dim=(optional_positive_int, None),
        use_bias=(boolean, True), output_shape=(optional_ints_list, None), attention_axes=(anything, None),
        sliding_window=(optional_positive_int, None), flash_attention=(anything, None), use_gate=(boolean, False),
        **_ATTENTION_ARGS, **_INIT), _mha_build, call=_MHA_CALL, positional=("value", "key")),
)


# ---- PyTorch modules (framework: pytorch) ------------------------------------------------------
# Shapes as torchinfo reports them with a batch of 1 in front: an RNN keeps every axis of
# its input but the last, whatever batch_first says (torch/nn/modules/rnn.py forward).
# `input_size`, `in_features` and `normalized_shape` may be left out where the previous
# layer fixes them; `trainable: false` stands for requires_grad_(False).

def _torch_in(cfg, key: str, shape) -> int:
    size = _known(shape, -1, "features")
    given = cfg.get(key)
    if given is not None and given != size:
        raise ArgumentError(f"`{key}` is {given}, but the input has {size} features {fmt(shape)}")
    return size


def _torch_rnn(class_name: str) -> Kind:
    kind = {"RNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}[class_name]

    def build(cfg, shape, nested):
        if len(shape) not in (2, 3):
            raise ArgumentError(f"expected a 2D or 3D input (time and features, with or without batch), got {fmt(shape)}")
        count = count_layer(kind, cfg["hidden_size"], _torch_in(cfg, "input_size", shape), framework="pytorch",
                            num_layers=cfg["num_layers"], use_bias=cfg["bias"], bidirectional=cfg["bidirectional"],
                            proj_size=cfg.get("proj_size", 0))
        return Built((*shape[:-1], count.output_dims[0]), tuple(W(w.name, w.shape) for w in count.weights),
                     gates=count.gates)

    def no_projection(key, value):
        raise ArgumentError("proj_size argument is only supported for LSTM, not RNN or GRU")

    args = dict(input_size=(optional_int, None), hidden_size=(positive_int, REQUIRED), num_layers=(positive_int, 1),
                bias=(boolean, True), batch_first=(boolean, False), dropout=(fraction, 0.0),
                bidirectional=(boolean, False), device=(anything, None), dtype=(anything, None),
                proj_size=(integer, 0) if class_name == "LSTM" else (no_projection, 0), trainable=(boolean, True))
    if class_name == "RNN":
        args["nonlinearity"] = (one_of("tanh", "relu"), "tanh")
    return Kind(class_name, args, build)


def _torch_linear(cfg, shape, nested):
    d = _torch_in(cfg, "in_features", shape)
    weights = [W("weight", (cfg["out_features"], d))] + ([W("bias", (cfg["out_features"],))] if cfg["bias"] else [])
    return Built((*shape[:-1], cfg["out_features"]), tuple(weights))


def _torch_embedding(cfg, shape, nested):
    return Built((*shape, cfg["embedding_dim"]), (W("weight", (cfg["num_embeddings"], cfg["embedding_dim"])),))


def _torch_layer_norm(cfg, shape, nested):
    normalized = cfg["normalized_shape"]
    if normalized is None:
        normalized = (_known(shape, -1, "features"),)
    elif tuple(shape[-len(normalized):]) != normalized:
        raise ArgumentError(f"`normalized_shape` {list(normalized)} is not the trailing shape of {fmt(shape)}")
    weights = []
    if cfg["elementwise_affine"]:
        weights = [W("weight", normalized)] + ([W("bias", normalized)] if cfg["bias"] else [])
    return Built(shape, tuple(weights))


_TORCH_COMMON = dict(device=(anything, None), dtype=(anything, None), trainable=(boolean, True))

TORCH_KINDS: dict[str, Kind] = _registry(
    _torch_rnn("RNN"),
    _torch_rnn("LSTM"),
    _torch_rnn("GRU"),
    Kind("Linear", dict(in_features=(optional_int, None), out_features=(positive_int, REQUIRED),
                        bias=(boolean, True), **_TORCH_COMMON), _torch_linear),
    Kind("Embedding", dict(num_embeddings=(positive_int, REQUIRED), embedding_dim=(positive_int, REQUIRED),
                           padding_idx=(optional_int, None), max_norm=(anything, None), norm_type=(number, 2.0),
                           scale_grad_by_freq=(boolean, False), sparse=(boolean, False), **_TORCH_COMMON),
         _torch_embedding),
    Kind("Dropout", dict(p=(fraction, 0.5), inplace=(boolean, False), trainable=(boolean, True)), _identity),
    Kind("LayerNorm", dict(normalized_shape=(optional_ints_list, None), eps=(number, 1e-05),
                           elementwise_affine=(boolean, True), bias=(boolean, True), **_TORCH_COMMON),
         _torch_layer_norm),
)

# Keras 2 (tf_keras): today's layers, with Keras 2's rules where they differ
KERAS2_KINDS: dict[str, Kind] = {
    **KINDS,
    "Bidirectional": KINDS["Bidirectional"]._replace(build=functools.partial(_bidirectional_build, keras2=True)),
}

REGISTRIES = {"keras": KINDS, "keras2": KERAS2_KINDS, "pytorch": TORCH_KINDS}
