"""How each framework stores a recurrent layer's weights: one table of facts.

A tensor's dimensions are written with symbols that `formulas` resolves for each layer:
"input" (the features it reads: the layer's input for the first layer, the previous
layer's output above it), "units", "hidden" (what the recurrent kernel reads: units, or
PyTorch's proj_size), "proj", "directions" (1 or 2, for ONNX's leading axis), and
"gates" (all the gates stacked, n_gates * units: the axis a tensor splits into gates
along), "gates2" (two such stacks side by side, ONNX's B), "peep" (3 * units, ONNX's P),
"window" (a convolution's kernel_size: one axis for each of its sizes, Flax's ConvLSTMCell).
A whole number is a literal size.
"""

from __future__ import annotations

import functools
import re
from typing import Callable, NamedTuple


class Gate(NamedTuple):
    key: str  # the letter the framework's docs use: "z"
    name: str  # what it does: "update"


class TensorRule(NamedTuple):
    name: str
    dims: tuple[str | int, ...]
    # The gate-table column(s) this tensor fills. Several columns: the tensor holds one
    # block for each, along its literal-sized axis (Keras's GRU bias (2, 3*units)) or
    # side by side along "gates2" (ONNX's B).
    parts: tuple[str, ...]
    bias: bool = False  # left out when use_bias is False
    gate: str | None = None  # a tensor of one gate only (Flax keeps a Dense per gate)
    gated: bool = True  # False: outside the gate split (PyTorch's projection, ONNX's peepholes)
    when: str = ""  # "proj": only with proj_size; "peepholes": only with peepholes; "reset_gate": only with it


class CellLayout(NamedTuple):
    gates: tuple[Gate, ...]  # in the order the framework stacks them along "gates"
    tensors: tuple[TensorRule, ...]
    options: frozenset[str] = frozenset()  # this cell's own, beyond its convention's: kernel_size, reset_gate
    note: str = ""  # how it differs from the textbook count, where the convention's note does not say


class Convention(NamedTuple):
    key: str  # --framework value
    title: str
    class_names: dict[str, str]  # kind -> the framework's class: "gru" -> "nn.GRU"
    cells: dict[str, CellLayout]  # kind, or "gru/reset_before" -> layout
    options: frozenset[str]  # the options it has: use_bias, reset_after, merge_mode, num_layers, proj_size, peepholes
    directions: str  # how a second direction is stored: "copies", or "axis" (one tensor, a leading axis)
    # the stored name of a tensor: (rule name, class name, layer index, direction ("", "forward",
    # "backward"), number of layers) -> "weight_ih_l0_reverse"
    name: Callable[[str, str, int, str, int], str]
    source: str  # where the shapes come from
    note: str  # how it differs from the textbook count, in one line


@functools.lru_cache(maxsize=256)
def keras_name(class_name: str) -> str:
    """The name Keras derives from a class name (keras/src/utils/naming.py, to_snake_case)."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


KINDS = ("simplernn", "lstm", "gru")
KIND_ALIASES = {"rnn": "simplernn", "simple_rnn": "simplernn", "simple-rnn": "simplernn",
                "optimizedlstm": "optimizedlstm", "optimized_lstm": "optimizedlstm",
                "conv_lstm": "convlstm", "conv-lstm": "convlstm"}
# Kinds that one framework alone has (Flax), beyond KINDS.
FRAMEWORK_KINDS = ("optimizedlstm", "mgu", "convlstm")

# The table columns, in the order they are shown.
PARTS = ("input kernel", "recurrent kernel", "input bias", "recurrent bias", "projection", "peepholes")

_SIMPLE = (Gate("h", "hidden state"),)
_LSTM_GATES = (Gate("i", "input"), Gate("f", "forget"), Gate("c", "candidate"), Gate("o", "output"))
_GRU_GATES = (Gate("z", "update"), Gate("r", "reset"), Gate("h", "candidate"))

# ---- Keras 3 / tf.keras ---------------------------------------------------------------------
# keras/src/layers/rnn/simple_rnn.py SimpleRNNCell.build: kernel (input_dim, units),
#   recurrent_kernel (units, units), bias (units,)
# keras/src/layers/rnn/lstm.py LSTMCell.build: kernel (input_dim, 4*units), gates i, f, c, o
# keras/src/layers/rnn/gru.py GRUCell.build: kernel (input_dim, 3*units), gates z, r, h;
#   bias (2, 3*units) when reset_after ("separate biases for input and recurrent
#   kernels"), else (3*units,)
_KERNEL = TensorRule("kernel", ("input", "gates"), ("input kernel",))
_RECURRENT_KERNEL = TensorRule("recurrent_kernel", ("units", "gates"), ("recurrent kernel",))
_BIAS = TensorRule("bias", ("gates",), ("input bias",), bias=True)
_BIAS_TWO_ROWS = TensorRule("bias", (2, "gates"), ("input bias", "recurrent bias"), bias=True)


def _keras_name(rule: str, class_name: str, layer: int, direction: str, layers: int) -> str:
    # keras/src/layers/rnn/bidirectional.py: the wrapped layer copied as forward_<name>, backward_<name>
    return f"{direction}_{keras_name(class_name)}/{rule}" if direction else rule


KERAS = Convention(
    key="keras",
    title="Keras 3 / tf.keras",
    class_names={"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"},
    cells={
        "simplernn": CellLayout(_SIMPLE, (_KERNEL, _RECURRENT_KERNEL, _BIAS)),
        "lstm": CellLayout(_LSTM_GATES, (_KERNEL, _RECURRENT_KERNEL, _BIAS)),
        "gru": CellLayout(_GRU_GATES, (_KERNEL, _RECURRENT_KERNEL, _BIAS_TWO_ROWS)),
        "gru/reset_before": CellLayout(_GRU_GATES, (_KERNEL, _RECURRENT_KERNEL, _BIAS)),
    },
    options=frozenset({"use_bias", "reset_after", "merge_mode"}),
    directions="copies",
    name=_keras_name,
    source="keras/src/layers/rnn/{simple_rnn,lstm,gru}.py, Cell.build",
    note="one bias per gate; GRU's default reset_after=True adds a second (recurrent) bias",
)

# ---- Keras 2 CuDNNGRU / CuDNNLSTM -------------------------------------------------------------
# tensorflow/python/keras/layers/cudnn_recurrent.py (TF 1.x-2.x, removed since): CuDNNGRU.build:
#   kernel (input_dim, units*3), recurrent_kernel (units, units*3), bias (units*6,);
#   CuDNNLSTM.build: kernel (input_dim, units*4), recurrent_kernel (units, units*4),
#   bias (units*8,): cuDNN keeps an input and a recurrent bias for every gate.
_CUDNN_BIAS = TensorRule("bias", ("gates2",), ("input bias", "recurrent bias"), bias=True)

KERAS2_CUDNN = Convention(
    key="keras2-cudnn",
    title="Keras 2 CuDNNGRU / CuDNNLSTM",
    class_names={"lstm": "CuDNNLSTM", "gru": "CuDNNGRU"},
    cells={
        "lstm": CellLayout(_LSTM_GATES, (_KERNEL, _RECURRENT_KERNEL, _CUDNN_BIAS)),
        "gru": CellLayout(_GRU_GATES, (_KERNEL, _RECURRENT_KERNEL, _CUDNN_BIAS)),
    },
    options=frozenset({"merge_mode"}),
    directions="copies",
    name=_keras_name,
    source="tensorflow/python/keras/layers/cudnn_recurrent.py, CuDNNGRU.build / CuDNNLSTM.build",
    note="cuDNN's layout: an input and a recurrent bias for every gate, always",
)

# ---- PyTorch torch.nn.RNN / LSTM / GRU --------------------------------------------------------
# torch/nn/modules/rnn.py RNNBase.__init__: gate_size = hidden_size * (1, 4, 3);
#   w_ih (gate_size, layer_input_size), w_hh (gate_size, real_hidden_size), b_ih (gate_size),
#   b_hh (gate_size), w_hr (proj_size, hidden_size) when proj_size > 0; layer_input_size
#   is input_size for layer 0, else real_hidden_size * num_directions; names
#   weight_ih_l{k}{suffix} with suffix "_reverse" for the second direction.
#   Gates: LSTM i, f, g, o; GRU r, z, n.
_TORCH = (
    TensorRule("weight_ih", ("gates", "input"), ("input kernel",)),
    TensorRule("weight_hh", ("gates", "hidden"), ("recurrent kernel",)),
    TensorRule("bias_ih", ("gates",), ("input bias",), bias=True),
    TensorRule("bias_hh", ("gates",), ("recurrent bias",), bias=True),
    TensorRule("weight_hr", ("proj", "units"), ("projection",), gated=False, when="proj"),
)


def _torch_name(rule: str, class_name: str, layer: int, direction: str, layers: int) -> str:
    return f"{rule}_l{layer}{'_reverse' if direction == 'backward' else ''}"


PYTORCH = Convention(
    key="pytorch",
    title="PyTorch torch.nn",
    class_names={"simplernn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"},
    cells={
        "simplernn": CellLayout(_SIMPLE, _TORCH),
        "lstm": CellLayout((Gate("i", "input"), Gate("f", "forget"), Gate("g", "cell"), Gate("o", "output")), _TORCH),
        "gru": CellLayout((Gate("r", "reset"), Gate("z", "update"), Gate("n", "new")), _TORCH),
    },
    options=frozenset({"use_bias", "num_layers", "proj_size"}),
    directions="copies",
    name=_torch_name,
    source="torch/nn/modules/rnn.py, RNNBase.__init__",
    note="two biases on every gate (bias_ih and bias_hh), for RNN and LSTM too",
)

# ---- ONNX RNN / GRU / LSTM operators ------------------------------------------------------------
# onnx/defs/rnn/defs.cc (operators RNN-22, GRU-22, LSTM-22): W [num_directions, G*hidden,
#   input_size], R [num_directions, G*hidden, hidden], B [num_directions, 2*G*hidden] (Wb
#   then Rb), P [num_directions, 3*hidden] (LSTM peepholes i, o, f). Gates: LSTM i, o, f, c;
#   GRU z, r, h; linear_before_reset changes the arithmetic, not the tensors.
def _onnx_name(rule: str, class_name: str, layer: int, direction: str, layers: int) -> str:
    return f"layer{layer}/{rule}" if layers > 1 else rule  # one operator node a layer


_ONNX = (
    TensorRule("W", ("directions", "gates", "input"), ("input kernel",)),
    TensorRule("R", ("directions", "gates", "units"), ("recurrent kernel",)),
    TensorRule("B", ("directions", "gates2"), ("input bias", "recurrent bias"), bias=True),
    TensorRule("P", ("directions", "peep"), ("peepholes",), gated=False, when="peepholes"),
)

ONNX = Convention(
    key="onnx",
    title="ONNX RNN / GRU / LSTM operators",
    class_names={"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"},
    cells={
        "simplernn": CellLayout(_SIMPLE, _ONNX),
        "lstm": CellLayout((Gate("i", "input"), Gate("o", "output"), Gate("f", "forget"), Gate("c", "cell")), _ONNX),
        "gru": CellLayout((Gate("z", "update"), Gate("r", "reset"), Gate("h", "hidden")), _ONNX),
    },
    options=frozenset({"use_bias", "reset_after", "num_layers", "peepholes"}),
    directions="axis",
    name=_onnx_name,
    source="onnx/defs/rnn/defs.cc, operators RNN, GRU, LSTM",
    note="B holds an input and a recurrent bias for every gate; LSTM may add peepholes P",
)

# ---- Flax flax.linen SimpleCell / LSTMCell / OptimizedLSTMCell / GRUCell ----------------------
# flax/linen/recurrent.py: a Dense per gate. SimpleCell: i (kernel, bias), h (kernel).
#   LSTMCell and OptimizedLSTMCell: ii, if, ig, io (kernel), hi, hf, hg, ho (kernel, bias).
#   GRUCell: ir, iz, in (kernel, bias), hr, hz (kernel), hn (kernel, bias): the candidate's
#   recurrent product alone has a bias.
#   MGUCell (the minimal gated unit, two gates f and n): if (kernel, bias), hf (kernel),
#   hn (kernel, and a bias when reset_gate=True, the default: f scales W_hn h + b_hn),
#   in (kernel, bias). No use_bias.
#   ConvLSTMCell: two nn.Conv of 4 * features filters, ih on the inputs and hh on the
#   hidden state, each a kernel (*kernel_size, in_features, 4 * features) and, with
#   use_bias (default True), a bias (4 * features,); the gates split along the last axis
#   as `i, g, f, o = jnp.split(gates, 4, axis=-1)`. strides and padding do not change
#   the weights.
def _dense(name: str, gate: str, inputs: str, bias: bool, when: str = "") -> tuple[TensorRule, ...]:
    kernel = TensorRule(f"{name}/kernel", (inputs, "units"),
                        ("input kernel" if inputs == "input" else "recurrent kernel",), gate=gate)
    if not bias:
        return (kernel,)
    part = "input bias" if inputs == "input" else "recurrent bias"
    return kernel, TensorRule(f"{name}/bias", ("units",), (part,), gate=gate, when=when)


def _conv(name: str, inputs: str) -> tuple[TensorRule, ...]:
    side = "input" if inputs == "input" else "recurrent"
    return (TensorRule(f"{name}/kernel", ("window", inputs, "gates"), (f"{side} kernel",)),
            TensorRule(f"{name}/bias", ("gates",), (f"{side} bias",), bias=True))


_FLAX_LSTM = CellLayout(
    (Gate("i", "input"), Gate("f", "forget"), Gate("g", "cell"), Gate("o", "output")),
    tuple(r for g in "ifgo" for r in _dense(f"i{g}", g, "input", False) + _dense(f"h{g}", g, "units", True)),
)


def _flax_name(rule: str, class_name: str, layer: int, direction: str, layers: int) -> str:
    # flax.linen.Bidirectional holds forward_rnn and backward_rnn, each an RNN over `cell`
    return f"{direction}_rnn/cell/{rule}" if direction else rule


FLAX = Convention(
    key="flax",
    title="Flax flax.linen cells",
    class_names={"simplernn": "SimpleCell", "lstm": "LSTMCell", "optimizedlstm": "OptimizedLSTMCell",
                 "gru": "GRUCell", "mgu": "MGUCell", "convlstm": "ConvLSTMCell"},
    cells={
        "simplernn": CellLayout(_SIMPLE, _dense("i", "h", "input", True) + _dense("h", "h", "units", False)),
        "lstm": _FLAX_LSTM,
        "optimizedlstm": _FLAX_LSTM,
        "gru": CellLayout(
            (Gate("r", "reset"), Gate("z", "update"), Gate("n", "new")),
            _dense("ir", "r", "input", True) + _dense("hr", "r", "units", False)
            + _dense("iz", "z", "input", True) + _dense("hz", "z", "units", False)
            + _dense("in", "n", "input", True) + _dense("hn", "n", "units", True),
        ),
        "mgu": CellLayout(
            (Gate("f", "forget"), Gate("n", "candidate")),
            _dense("if", "f", "input", True) + _dense("hf", "f", "units", False)
            + _dense("hn", "n", "units", True, when="reset_gate") + _dense("in", "n", "input", True),
            options=frozenset({"reset_gate"}),
            note="the candidate's recurrent product has a bias of its own, unless reset_gate=False",
        ),
        "convlstm": CellLayout(
            (Gate("i", "input"), Gate("g", "cell"), Gate("f", "forget"), Gate("o", "output")),
            _conv("ih", "input") + _conv("hh", "units"),
            options=frozenset({"use_bias", "kernel_size"}),
            note="both convolutions have a bias, two a gate where Keras's ConvLSTM has one",
        ),
    },
    options=frozenset(),
    directions="copies",
    name=_flax_name,
    source="flax/linen/recurrent.py, SimpleCell / LSTMCell / OptimizedLSTMCell / GRUCell / MGUCell / "
           "ConvLSTMCell.__call__",
    note="a Dense per gate; GRUCell has one recurrent bias, on the candidate only",
)

CONVENTIONS = {c.key: c for c in (KERAS, PYTORCH, ONNX, KERAS2_CUDNN, FLAX)}

# The count most articles derive: one kernel, one recurrent kernel and one bias a gate, as
# Keras stores them (GRU as reset_after=False). MGU: Zhou et al. 2016, "Minimal Gated Unit
# for Recurrent Neural Networks" (arXiv:1603.09420), two gates. ConvLSTM: Shi et al. 2015
# as keras/src/layers/rnn/conv_lstm.py ConvLSTMCell.build stores it (kernel
# (*kernel_size, input_dim, 4*filters), recurrent_kernel (*kernel_size, filters,
# 4*filters), bias (4*filters,)), without the paper's peepholes, which neither framework has.
TEXTBOOK = {
    **{kind: KERAS.cells[kind] for kind in ("simplernn", "lstm")},
    "optimizedlstm": KERAS.cells["lstm"],
    "gru": KERAS.cells["gru/reset_before"],
    "mgu": CellLayout((Gate("f", "forget"), Gate("n", "candidate")), (_KERNEL, _RECURRENT_KERNEL, _BIAS)),
    "convlstm": CellLayout(_LSTM_GATES, (TensorRule("kernel", ("window", "input", "gates"), ("input kernel",)),
                                         TensorRule("recurrent_kernel", ("window", "units", "gates"),
                                                    ("recurrent kernel",)), _BIAS)),
}

# keras/src/layers/rnn/bidirectional.py: the merge mode fixes the output width.
MERGE_MODES = ("concat", "sum", "mul", "ave", None)
