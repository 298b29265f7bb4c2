"""The multiply-accumulates of one recurrent layer's forward pass, read off its weight shapes.

MACs are those of every matrix product: at each step, in each direction and stacked layer,
the input kernel (`d*g*u`), the recurrent kernel (`h*g*u`, h = units or PyTorch's
proj_size) and PyTorch's projection (`u*P`). Each element of those kernels is multiplied
and added exactly once a step and a sample, whichever way a framework lays them out (one
tensor a gate, the gates stacked, ONNX's directions axis), so a step costs the kernels'
parameters. Biases, peepholes and the gates' elementwise arithmetic are 0 MACs. `flops` is
`2 * macs`, the convention of `torch.utils.flop_counter` and XLA for matrix products.
"""

from __future__ import annotations

from typing import NamedTuple

from ..conventions import CONVENTIONS
from ..errors import ArgumentError, positive_int
from ..formulas import LayerCount

# The table columns (conventions.PARTS) whose tensors are matrix products.
PRODUCTS = frozenset({"input kernel", "recurrent kernel", "projection"})


class LayerMacs(NamedTuple):
    """One forward pass over `batch` samples of `seq_len` steps."""

    macs: int
    flops: int  # 2 * macs
    macs_per_step: int  # one step of the whole batch, every layer and direction
    seq_len: int = 1
    batch: int = 1


def layer_macs(count: LayerCount, seq_len: int, batch: int = 1) -> LayerMacs:
    """The MACs of `count`'s layer over `batch` sequences of `seq_len` steps.

    Raises `ArgumentError` for a `seq_len` or `batch` that is not a positive integer, and
    for a convolutional cell (Flax's ConvLSTMCell), whose cost depends on the spatial size
    of its input, which a count does not know.
    """
    seq_len = positive_int("seq_len", seq_len)
    batch = positive_int("batch", batch)
    if count.kernel_size:
        raise ArgumentError(f"the MACs of {count.class_name} depend on the spatial size of its input, "
                            "which a layer count does not have; only dense recurrent cells are counted")
    products = _product_names(count)
    per_sample = sum(w.params for w in count.weights if w.name in products)
    per_step = batch * per_sample
    macs = seq_len * per_step
    return LayerMacs(macs=macs, flops=2 * macs, macs_per_step=per_step, seq_len=seq_len, batch=batch)


def _product_names(count: LayerCount) -> frozenset[str]:
    """The stored names of `count`'s matrix-product tensors, from its convention's rules."""
    conv = CONVENTIONS[count.framework]
    rules = {r.name for key, layout in conv.cells.items() if key.split("/")[0] == count.kind
             for r in layout.tensors if set(r.parts) <= PRODUCTS}
    directions = ("forward", "backward") if count.bidirectional else ("",)
    return frozenset(conv.name(rule, count.class_name, layer, direction, count.num_layers)
                     for rule in rules for layer in range(count.num_layers) for direction in directions)
