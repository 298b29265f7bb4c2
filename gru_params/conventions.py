"""How each framework stores a recurrent layer's weights: one table of facts.

A tensor's dimensions are written with symbols that `formulas` resolves:
``"input"`` (the features per step), ``"units"``, and ``"gates"`` (all the gates
stacked, ``n_gates * units``; the axis along which a tensor splits into gates).
A whole number is a literal size.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple


class Gate(NamedTuple):
    key: str  # the letter the framework's docs use: "z"
    name: str  # what it does: "update"


class TensorRule(NamedTuple):
    name: str
    dims: tuple[str | int, ...]
    # The gate-table column(s) this tensor fills. Several columns: the tensor's first
    # axis holds one row for each, as Keras's GRU bias (2, 3*units) holds the input bias
    # in row 0 and the recurrent bias in row 1.
    parts: tuple[str, ...]
    bias: bool = False  # left out when use_bias is False


class CellLayout(NamedTuple):
    gates: tuple[Gate, ...]  # in the order the framework stacks them along "gates"
    tensors: tuple[TensorRule, ...]


class Kind(NamedTuple):
    key: str  # canonical CLI / API name: "simplernn"
    class_name: str  # the Keras class: "SimpleRNN"


@functools.lru_cache(maxsize=256)
def keras_name(class_name: str) -> str:
    """The name Keras derives from a class name (keras/src/utils/naming.py, to_snake_case)."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


KINDS = {k.key: k for k in (Kind("simplernn", "SimpleRNN"), Kind("lstm", "LSTM"), Kind("gru", "GRU"))}
KIND_ALIASES = {"rnn": "simplernn", "simple_rnn": "simplernn", "simple-rnn": "simplernn"}

# The table columns, in the order they are shown.
PARTS = ("input kernel", "recurrent kernel", "input bias", "recurrent bias")

# Keras 3 and tf.keras (TF >= 2.16 ships Keras 3). Each cell's `build` fixes the shapes:
# keras/src/layers/rnn/simple_rnn.py SimpleRNNCell.build: kernel (input_dim, units),
#   recurrent_kernel (units, units), bias (units,)
# keras/src/layers/rnn/lstm.py LSTMCell.build: kernel (input_dim, 4*units), gates i, f, c, o
# keras/src/layers/rnn/gru.py GRUCell.build: kernel (input_dim, 3*units), gates z, r, h;
#   bias (2, 3*units) when reset_after ("separate biases for input and recurrent
#   kernels"), else (3*units,)
_KERNEL = TensorRule("kernel", ("input", "gates"), ("input kernel",))
_RECURRENT_KERNEL = TensorRule("recurrent_kernel", ("units", "gates"), ("recurrent kernel",))
_BIAS = TensorRule("bias", ("gates",), ("input bias",), bias=True)
_GRU_BIAS_RESET_AFTER = TensorRule("bias", (2, "gates"), ("input bias", "recurrent bias"), bias=True)

_GRU_GATES = (Gate("z", "update"), Gate("r", "reset"), Gate("h", "candidate"))

KERAS_CELLS = {
    "simplernn": CellLayout((Gate("h", "hidden state"),), (_KERNEL, _RECURRENT_KERNEL, _BIAS)),
    "lstm": CellLayout(
        (Gate("i", "input"), Gate("f", "forget"), Gate("c", "candidate"), Gate("o", "output")),
        (_KERNEL, _RECURRENT_KERNEL, _BIAS),
    ),
    "gru": CellLayout(_GRU_GATES, (_KERNEL, _RECURRENT_KERNEL, _GRU_BIAS_RESET_AFTER)),
    "gru/reset_before": CellLayout(_GRU_GATES, (_KERNEL, _RECURRENT_KERNEL, _BIAS)),
}

# keras/src/layers/rnn/bidirectional.py: the wrapped layer is copied into
# "forward_<name>" and "backward_<name>"; the merge mode fixes the output width.
MERGE_MODES = ("concat", "sum", "mul", "ave", None)
