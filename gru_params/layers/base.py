"""What every layer declaration is made of: the weights it builds (W), what its build
returns (Built), the declaration itself (Kind), and the arguments every Keras layer takes."""

from __future__ import annotations

from typing import Callable, NamedTuple

from ..errors import boolean, positive_int
from ..formulas import GateCount
from .checks import anything, input_shape_arg, one_of, setting, text
from .costs import zero


Shape = tuple  # (None, 28, 75)


class W(NamedTuple):
    """One weight tensor as Keras builds it."""

    name: str
    shape: tuple[int, ...]
    trainable: bool = True
    itemsize: int = 4  # bytes a value, as Keras sizes weights in a summary: float32, or 8 for an int64 count
    dtype: str = ""  # a checkpoint's stored dtype, torch's name: "float16" ("" for a model built from a spec)


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
    class_arg: str | None = None  # the argument that names the class a summary prints (a custom layer's)
    # The multiply-accumulates of one forward pass (layers/costs.py); None: not known, which a
    # summary says rather than guess (a Lambda runs any code)
    macs: Callable | None = None
    # The values its forward pass keeps for backward (layers/costs.py), an estimate; None: not known
    kept: Callable | None = None


REQUIRED = object()


TENSOR, TENSORS = "a tensor", "a list of tensors"  # call arguments that name tensors


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


def layer_args(**own) -> dict:
    """A layer's arguments: its own, then the base Layer's (its own win: Embedding's
    required input_dim is not the base Layer's optional one)."""
    return {**BASE, **own}


INIT = dict(kernel_initializer=(setting, "glorot_uniform"), bias_initializer=(setting, "zeros"),
             kernel_regularizer=(setting, None), bias_regularizer=(setting, None),
             kernel_constraint=(setting, None), bias_constraint=(setting, None))


DATA_FORMAT = (one_of(None, "channels_last", "channels_first"), None)


def identity(cfg, shape, nested):
    return Built(shape)


def no_products(*kinds: Kind, kept: Callable | None = None, **own: Callable) -> tuple[Kind, ...]:
    """Kinds whose layers multiply no matrices (elementwise, reshaping, pooling, normalization,
    lookups): 0 MACs, where a kind declares no other rule; and what they keep for backward:
    `own[class_name]`, else `kept`, where a kind declares nothing."""
    return tuple(k._replace(macs=zero if k.macs is None else k.macs,
                            kept=k.kept if k.kept is not None else own.get(k.class_name, kept)) for k in kinds)


def registry(*kinds: Kind) -> dict[str, Kind]:
    return {k.class_name: k for k in kinds}
