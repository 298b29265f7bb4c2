"""keras/src/layers/rnn/: SimpleRNN, LSTM, GRU, their cells, StackedRNNCells, RNN, the
ConvLSTM layers, and the wrappers Bidirectional and TimeDistributed."""

from __future__ import annotations

import math

from ..errors import ArgumentError, boolean, fmt, positive_int
from ..formulas import count_layer
from . import costs
from .base import Built, INIT, Kind, REQUIRED, Shape, TENSOR, TENSORS, W, layer_args
from .checks import activation, anything, fraction, ints, one_of, optional_int, setting
from .shapes import channels_first, conv_length, fits, known, min_ndim, ndim


_RECURRENT_INIT = dict(recurrent_initializer=(setting, "orthogonal"), recurrent_regularizer=(setting, None),
                       recurrent_constraint=(setting, None))


_CELL_COMMON = dict(units=(positive_int, REQUIRED), activation=(activation, "tanh"), use_bias=(boolean, True),
                    dropout=(fraction, 0.0), recurrent_dropout=(fraction, 0.0), seed=(optional_int, None),
                    **INIT, **_RECURRENT_INIT)


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


def _cell_count(class_name: str, cfg: dict, input_dim: int):
    return count_layer(
        class_name.lower(), cfg["units"], input_dim, use_bias=cfg["use_bias"],
        reset_after=cfg["reset_after"] if class_name == "GRU" else None,
    )


def _sequence_output(shape: Shape, features: tuple, cfg: dict, states: list) -> Shape | list:
    """An RNN's output: (None, [time,] *features), with its states after it under return_state."""
    out = (shape[0], shape[1], *features) if cfg["return_sequences"] else (shape[0], *features)
    return [out, *states] if cfg["return_state"] else out


def check_initial_state(given, states: list) -> None:
    """An RNN's `initial_state` must be one tensor per state, each shaped as the state."""
    if given is not None and (len(given) != len(states) or not all(map(fits, given, states))):
        raise ArgumentError(f"`initial_state` takes {len(states)} tensor{'s' * (len(states) > 1)} "
                            f"{fmt(states)}, got {len(given)}: {fmt(given)}")


def _rnn_layer(class_name: str) -> Kind:
    def build(cfg, shape, nested, initial_state=None, mask=None):
        ndim(shape, 3, "(batch, time, features)")
        count = _cell_count(class_name, cfg, known(shape, -1, "features"))
        states = [(shape[0], cfg["units"])] * _STATES[class_name]
        check_initial_state(initial_state, states)
        weights = tuple(W(w.name, w.shape) for w in count.weights)
        return Built(_sequence_output(shape, (cfg["units"],), cfg, states), weights, gates=count.gates)

    extra = dict(use_cudnn=(anything, "auto")) if class_name != "SimpleRNN" else {}
    return Kind(class_name, layer_args(**_CELL_ARGS[class_name], **_SEQUENCE, **extra), build, call=_RNN_CALL,
                macs=costs.recurrent(), kept=costs.keeps_steps(class_name.lower()))


def _cell(class_name: str) -> Kind:
    """SimpleRNNCell, LSTMCell, GRUCell: `build` takes (batch, features) and returns the
    cell's output shape, then its states' shapes."""

    def build(cfg, shape, nested):
        count = _cell_count(class_name, cfg, known(shape, -1, "features"))
        weights = tuple(W(w.name, w.shape) for w in count.weights)
        return Built([(shape[0], cfg["units"])] * (1 + _STATES[class_name]), weights, gates=count.gates)

    args = {k: v for k, v in _CELL_ARGS[class_name].items()}
    return Kind(f"{class_name}Cell", layer_args(**args), build, cell=True, macs=costs.dense,
                kept=costs.keeps_cell_step(class_name.lower()))  # one step


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
    ndim(shape, 3, "(batch, time, features)")
    built, row = nested(cfg["cell"], (shape[0], shape[-1]))
    out, *states = built.output
    check_initial_state(initial_state, states)
    return Built(_sequence_output(shape, out[1:], cfg, states), built.weights, (row,))


def _conv_lstm(rank: int) -> Kind:
    """ConvLSTM1D/2D/3D (keras/src/layers/rnn/conv_lstm.py): an LSTM whose products are
    convolutions; kernel (*kernel_size, channels, 4*filters)."""

    def build(cfg, shape, nested, initial_state=None, mask=None):
        layout = "(batch, time, *spatial, channels)"
        ndim(shape, rank + 3, layout)
        first = channels_first(cfg)
        channels = known(shape, 2 if first else -1, "channels")
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
        check_initial_state(initial_state, states)
        return Built(_sequence_output(shape, step, cfg, states), tuple(weights))

    def step_macs(cfg, shape, built, **call) -> int:
        """One step: the input and recurrent convolutions, both at the output's positions (the
        recurrent one pads `same`), every kernel element once a position."""
        out = built.output[0] if isinstance(built.output, list) else built.output
        step = out[2:] if cfg["return_sequences"] else out[1:]
        first = channels_first(cfg)
        return shape[0] * math.prod(step[1:] if first else step[:-1]) * costs.products(built.weights)

    args = layer_args(
        filters=(positive_int, REQUIRED), kernel_size=(ints(rank), REQUIRED), strides=(ints(rank), (1,) * rank),
        padding=(one_of("valid", "same"), "valid"), data_format=(one_of(None, "channels_last", "channels_first"), None),
        dilation_rate=(ints(rank), (1,) * rank), activation=(activation, "tanh"), recurrent_activation=(activation, "sigmoid"),
        use_bias=(boolean, True), unit_forget_bias=(boolean, True), dropout=(fraction, 0.0),
        recurrent_dropout=(fraction, 0.0), seed=(optional_int, None), **INIT, **_RECURRENT_INIT,
        **_SEQUENCE,
    )
    return Kind(f"ConvLSTM{rank}D", args, build, freezes_own_weights=False, call=_RNN_CALL,
                macs=costs.over_steps(step_macs), kept=costs.unknown)


RECURRENT = ("SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")


def bidirectional_build(cfg, shape, nested, initial_state=None, mask=None):
    """keras/src/layers/rnn/bidirectional.py compute_output_shape: the forward layer's
    output, its last axis doubled for concat (even when a backward_layer is wider),
    listed twice for merge_mode None, then the states of both directions."""
    forward, backward, rows = bidirectional_directions(cfg, shape, nested, initial_state)
    out, states = (forward.output[0], forward.output[1:]) if isinstance(forward.output, list) else (forward.output, [])
    mode = cfg["merge_mode"]
    if mode == "concat":
        out = (*out[:-1], out[-1] * 2)
    outputs = [out, out] if mode is None else [out]
    if states or mode is None:
        outputs = [*outputs, *states, *states]
    return Built(outputs if len(outputs) > 1 else outputs[0], forward.weights + backward.weights, rows)


def bidirectional_directions(cfg, shape, nested, initial_state=None, keras2=False) -> tuple[Built, Built, tuple]:
    """A Bidirectional's two layers built on its input, and their rows. Keras 2 names a given
    backward_layer backward_<name> (tf_keras layers/rnn/bidirectional.py); Keras 3 keeps its name."""
    _check_directions(cfg["layer"].args, cfg["backward_layer"], keras2)
    forward, f_row = nested(cfg["layer"], shape, "forward_")
    if cfg["backward_layer"] is not None:
        backward, b_row = nested(cfg["backward_layer"], shape, "backward_" if keras2 else "")
    else:
        backward, b_row = nested(cfg["layer"], shape, "backward_")
    if initial_state is not None:  # the forward layer's states, then the backward layer's
        check_initial_state(initial_state, _states_of(forward) + _states_of(backward))
    return forward, backward, (f_row, b_row)


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
    min_ndim(shape, 3, "(batch, time, ...)")
    if cfg["layer"].kind.class_name == "Pipeline":  # pipeline.py has no compute_output_shape
        raise ArgumentError("Keras cannot tell the output shape of a Pipeline inside TimeDistributed (its summary "
                            "shows `?` and 0 parameters, as its layers are not built): wrap each layer instead")
    built, row = nested(cfg["layer"], (shape[0], *shape[2:]))
    if isinstance(built.output, list):
        raise ArgumentError("the wrapped layer must return one tensor")
    return Built((shape[0], shape[1], *built.output[1:]), built.weights, (row,))


KINDS = (
    _rnn_layer("SimpleRNN"),
    _rnn_layer("LSTM"),
    _rnn_layer("GRU"),
    _cell("SimpleRNN"),
    _cell("LSTM"),
    _cell("GRU"),
    Kind("StackedRNNCells", layer_args(cells=(anything, REQUIRED)), _stacked_cells_build, ("cells",), cell=True,
         macs=costs.children, kept=costs.keeps_children),
    Kind("RNN", layer_args(cell=(anything, REQUIRED), **_SEQUENCE),
         _rnn_build, ("cell",), call=_RNN_CALL, macs=costs.over_steps(costs.children),
         kept=costs.keeps_steps_of_cells),
    Kind("Bidirectional", layer_args(layer=(anything, REQUIRED), merge_mode=(one_of("concat", "sum", "mul", "ave", None), "concat"),
                                weights=(anything, None), backward_layer=(anything, None)),
         bidirectional_build, ("layer", "backward_layer"), call=_RNN_CALL, macs=costs.children,
         kept=costs.keeps_children),
    Kind("TimeDistributed", layer_args(layer=(anything, REQUIRED)), _time_distributed_build, ("layer",),
         macs=costs.time_distributed, kept=costs.keeps_steps_of_cells),
    _conv_lstm(1),
    _conv_lstm(2),
    _conv_lstm(3),
)
