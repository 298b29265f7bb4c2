"""What other tools report as the MACs of one PyTorch recurrent layer, each from its own rule.

Each rule is read from the tool's source (named in `PEERS`) and applied to the shapes of the
module and of its input, `(seq_len, batch, input_dim)` in torch's default layout
(batch_first=False): no tool is imported. Beside each figure, why it differs from ours
(`cost.macs`: every matrix product, once a step, direction, layer and sample).
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import ArgumentError
from ..formulas import LayerCount
from .macs import LayerMacs, layer_macs

GATES = {"simplernn": 1, "gru": 3, "lstm": 4}


class Peer(NamedTuple):
    """A tool, the version whose rule is written here, and where the rule is."""

    tool: str
    version: str
    source: str  # the file the rule is read from
    rule: str  # one line


PEERS = (
    Peer("torchinfo", "1.8.0", "torchinfo/layer_info.py (LayerInfo.calculate_macs)",
         "every parameter (biases and projection too) x the output's first two axes (steps x batch)"),
    Peer("thop", "0.1.1.post2209072238", "thop/rnn_hooks.py (count_rnn, count_gru, count_lstm)",
         "its cell formulas (products, biases twice, gate arithmetic) x steps x batch; proj_size ignored"),
    Peer("ultralytics-thop", "2.2.3", "thop/rnn_hooks.py (count_rnn, count_gru, count_lstm)",
         "thop's cell formulas with proj_size, x the input's first two axes (steps x batch)"),
    Peer("ptflops (pytorch)", "0.7.5", "ptflops/pytorch_ops.py (rnn_flops_counter_hook), pytorch_engine.py",
         "weight_ih + weight_hh + biases + gate arithmetic, x steps x batch, / the input's first axis"),
    Peer("ptflops (aten)", "0.7.5", "ptflops/aten_ops.py (ATEN_OPS_MAPPING), aten_engine.py",
         "the aten mm/addmm the forward dispatches, an addmm's bias add counted too"),
    Peer("fvcore", "0.1.5.post20221221", "fvcore/nn/flop_count.py (_DEFAULT_SUPPORTED_OPS)",
         "the jit trace's ops it has a handle for: aten::rnn_tanh, aten::gru, aten::lstm are not"),
)


class PeerMacs(NamedTuple):
    peer: Peer
    macs: int
    why: str  # why it differs from ours, or "the same figure"


class MacsComparison(NamedTuple):
    count: LayerCount
    ours: LayerMacs
    peers: tuple[PeerMacs, ...]


def compare_macs(count: LayerCount, seq_len: int, batch: int = 1) -> MacsComparison:
    """Our MACs of a PyTorch nn.RNN / nn.LSTM / nn.GRU `count` over `batch` sequences of
    `seq_len` steps, and each peer's figure for the same module and input.

    Raises `ArgumentError` for a count of another framework, or a bad `seq_len` or `batch`.
    """
    if count.framework != "pytorch" or count.kind not in GATES:
        raise ArgumentError(f"the peers' MACs are those of PyTorch's nn.RNN, nn.LSTM and nn.GRU; "
                            f"got {count.class_name} ({count.framework})")
    ours = layer_macs(count, seq_len, batch)
    t, b = ours.seq_len, ours.batch
    figures = (_torchinfo(count, t, b, ours.macs), _thop(count, t, b, ours.macs, proj=False),
               _thop(count, t, b, ours.macs, proj=True), _ptflops_pytorch(count, t, b, ours.macs),
               _ptflops_aten(count, t, b, ours.macs), _fvcore(count))
    return MacsComparison(count, ours, tuple(PeerMacs(p, macs, why) for p, (macs, why) in zip(PEERS, figures)))


class _Layer(NamedTuple):
    input_size: int  # what weight_ih reads
    hidden: int
    proj: int  # 0 without a projection
    gates: int


def _layers(c: LayerCount) -> list[_Layer]:
    """The stacked layers of `c`, one direction each, as torch shapes them."""
    out = c.proj_size or c.units
    directions = 2 if c.bidirectional else 1
    return [_Layer(c.input_dim if i == 0 else directions * out, c.units, c.proj_size, GATES[c.kind])
            for i in range(c.num_layers)]


def _why(macs: int, ours: int, reasons: list[str]) -> str:
    if macs == ours:
        return "the same figure"
    return "; ".join(reasons)


def _torchinfo(c: LayerCount, t: int, b: int, ours: int) -> tuple[int, str]:
    macs = t * b * c.params
    return macs, _why(macs, ours, ["counts each bias element as a multiply-accumulate, every step and sample"])


def _thop_cell(kind: str, d: int, h: int, bias: bool, proj: int) -> int:
    """thop's _count_rnn_cell, _count_gru_cell, _count_lstm_cell: a cell's ops, one sample."""
    biases = 2 * h if bias else 0
    if kind == "simplernn":
        return h * (d + h) + h + biases
    if kind == "gru":
        gate = (h + d) * h + h + biases
        return 2 * gate + gate + h + 3 * h  # r and z; n; r * (...); (1 - z) * n + z * h
    gate = (d + (proj or h)) * h + h + biases
    return 4 * gate + 3 * h + h + h * proj  # i, f, g, o; c'; h' and its projection


def _thop(c: LayerCount, t: int, b: int, ours: int, proj: bool) -> tuple[int, str]:
    """thop (proj=False: proj_size ignored) and ultralytics-thop (proj=True)."""
    directions = 2 if c.bidirectional else 1
    if proj:
        layers = _layers(c)
    else:  # classic thop reads input_size and hidden_size only: later layers take d*hidden
        layers = [_Layer(c.input_dim if i == 0 else directions * c.units, c.units, 0, 0) for i in range(c.num_layers)]
    per_step = sum(directions * _thop_cell(c.kind, layer.input_size, layer.hidden, c.use_bias, layer.proj)
                   for layer in layers)
    macs = t * b * per_step
    reasons = ["counts the gates' elementwise arithmetic and each bias element (twice) as MACs"]
    if c.proj_size and not proj:
        reasons.append("ignores proj_size (a recurrent kernel of u*u, no projection)")
    return macs, _why(macs, ours, reasons)


# ptflops's rnn_flops: the gates' elementwise terms a step, in units of hidden_size
_PTFLOPS_ELEMENTWISE = {"simplernn": 1, "gru": 7, "lstm": 10}


def _ptflops_pytorch(c: LayerCount, t: int, b: int, ours: int) -> tuple[int, str]:
    directions = 2 if c.bidirectional else 1
    per_step = 0
    for layer in _layers(c):
        g, h = layer.gates, layer.hidden
        per_step += g * h * layer.input_size + g * h * (layer.proj or h) + _PTFLOPS_ELEMENTWISE[c.kind] * h
        per_step += 2 * g * h if c.use_bias else 0
    # the hook multiplies by input.shape[0] * input.shape[1] (steps x batch); the engine
    # divides by len(input), which for torch's (T, B, D) is T
    macs = directions * per_step * t * b // t
    reasons = ["divides by the input's first axis as if it were the batch: torch's (T, B, D) makes that T, "
               "so the figure is one step's",
               "counts the gates' elementwise arithmetic and the biases as MACs"]
    if c.proj_size:
        reasons.append("leaves out the projection weight_hr")
    return macs, _why(macs, ours, reasons)


def _ptflops_aten(c: LayerCount, t: int, b: int, ours: int) -> tuple[int, str]:
    if c.kind == "lstm" and not c.proj_size:
        return 0, ("torch runs an LSTM on CPU as one fused oneDNN op (aten.mkldnn_rnn_layer), "
                   "which it does not count: 0")
    directions = 2 if c.bidirectional else 1
    # addmm(bias, x, W) for the input and for the recurrent product: two bias adds a step
    biases = 2 * GATES[c.kind] * c.units * directions * c.num_layers * t * b if c.use_bias else 0
    macs = ours + biases
    return macs, _why(macs, ours, ["counts the bias add of each aten.addmm as MACs"])


def _fvcore(c: LayerCount) -> tuple[int, str]:
    op = {"simplernn": "aten::rnn_tanh", "gru": "aten::gru", "lstm": "aten::lstm"}[c.kind]
    return 0, f"traces the layer as one {op} op, which it has no handle for: 0"
