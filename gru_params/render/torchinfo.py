"""A PyTorch spec's summary as torchinfo 1.8.0 prints it (torchinfo/formatting.py). Never prints."""

from __future__ import annotations

import math

from .cost import cost_footer, macs_cell, torchinfo_mult_adds
from .text import BYTES_PER_PARAM


_TORCHINFO_DEPTH = 3  # torchinfo's default depth


def _torchinfo_rows(s):
    """Every module in the order torchinfo lists them (each before the modules inside it, in the
    order forward calls them) as (depth, index at that depth, Row); the index counts across the
    whole model, as torchinfo's `2-4` does. Modules deeper than it prints are listed too: they
    still widen the name column and hold parameters."""
    counters: dict[int, int] = {}
    stack = [(1, r) for r in reversed(s.rows)]
    while stack:
        depth, row = stack.pop()
        counters[depth] = counters.get(depth, 0) + 1
        yield depth, counters[depth], row
        stack += [(depth + 1, c) for c in reversed(row.children)]


def _torchinfo_leaf(row) -> bool:
    """A module with no module inside it (torchinfo's is_leaf_layer)."""
    from ..layers.torch_transformer import UNLISTED_SUBMODULES

    return not row.children and row.class_name not in UNLISTED_SUBMODULES


def _torchinfo_params(row, depth: int) -> str:
    """torchinfo's LayerInfo.num_params_to_str: a module it shows whole (one with no module
    inside, or at the last depth it prints) has its count, in parentheses when none of it is
    trainable; any other, what no module listed inside it holds, or `--`."""
    if not row.params:
        return "--"
    if depth == _TORCHINFO_DEPTH or _torchinfo_leaf(row):
        return f"{row.params:,}" if row.trainable_params else f"({row.params:,})"
    leftover = row.params - sum(c.params for c in row.children)
    return f"{leftover:,}" if leftover > 0 else "--"


def torchinfo_text(s, expand: bool = False, cost=None) -> str:
    """A PyTorch spec as torchinfo's summary() prints it (torchinfo/formatting.py): a row a
    module to depth 3, the modules inside one under it in the order forward calls them, a frozen
    module's count in parentheses, every module's tensors under --expand as verbose=2 shows
    them, and the parameter totals. With a `cost`, torchinfo's Mult-Adds column and `Total
    mult-adds` line hold gru-params's MACs (torchinfo's own figures differ: `compare --macs`);
    its activation sizes are left out."""
    listed = list(_torchinfo_rows(s))
    # FormattingOptions.set_layer_name_width: the longest `Name: depth-index` and its indent,
    # rounded up to a multiple of 5, if it reaches 40
    longest = max([len(s.name) + 1] + [len(f"{r.class_name}: {d}-{i}") + 5 * d + 1 for d, i, r in listed])
    width = 40 if longest < 40 else -(-longest // 5) * 5
    rule = "=" * (width + 50 + 26 * (cost is not None))

    def row(name: str, shape: str, params: str, macs: str = "") -> str:
        return f"{name:<{width}} {shape:<25} {params:<25}{f' {macs:<25}' if cost is not None else ''}".rstrip()

    def shape_list(shape) -> str:  # torchinfo prints `--` for a module that never ran (ModuleList)
        return "[" + ", ".join(str(d) for d in shape) + "]" if shape else "--"

    def indent(depth: int) -> str:
        return "├─" if depth == 1 else "│    " * (depth - 1) + "└─"

    lines = [rule, row("Layer (type:depth-idx)", "Output Shape", "Param #", "Mult-Adds"), rule]
    # the model's own row: its class, which a spec names with `name` (the file's stem by default)
    lines.append(row(s.name, shape_list(s.rows[-1].output_shape), "--", "--"))
    for depth, i, r in listed:
        if depth > _TORCHINFO_DEPTH:
            continue
        macs = "--" if r.macs == 0 or r.children else macs_cell(r)
        lines.append(row(f"{indent(depth)}{r.class_name}: {depth}-{i}", shape_list(r.output_shape),
                         _torchinfo_params(r, depth), macs))
        if expand:
            for j, w in enumerate(r.weights):
                branch = "└─" if j == len(r.weights) - 1 else "├─"
                lines.append(row(f"{indent(depth + 1)}{w.name}", "", f"{branch}{math.prod(w.shape):,}"))
    # "Params size" counts the tensors of the modules with no module inside them only
    leaf_params = sum(r.params for _, _, r in listed if _torchinfo_leaf(r))
    lines += [rule, f"Total params: {s.total_params:,}", f"Trainable params: {s.trainable_params:,}",
              f"Non-trainable params: {s.non_trainable_params:,}"]
    if cost is not None:
        lines.append(torchinfo_mult_adds(cost.macs))
    lines += [rule, f"Params size (MB): {leaf_params * BYTES_PER_PARAM / 1e6:.2f}", rule]
    return "\n".join(lines + cost_footer(cost)) + "\n"
