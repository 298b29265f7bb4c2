"""A model's cost (cost/model.py ModelCost) as text, Markdown and JSON: the MACs cell of a row,
the lines under a summary, the JSON keys. Never prints."""

from __future__ import annotations

from .text import readable_bytes

MEMORY_PARTS = ("weights", "gradients", "optimizer", "activations", "total")


def macs_cell(row, none: str = "?") -> str:
    """A row's MACs: `1,234`, or `?` where not known."""
    return none if row.macs is None else f"{row.macs:,}"


def _length(cost) -> str:
    steps = f"{cost.seq_len:,} steps, " if cost.seq_len is not None else ""
    return f"{steps}batch {cost.batch:,}"


def cost_lines(cost) -> list[str]:
    """The lines under a summary table: MACs and FLOPs of a forward pass, and the memory to
    train (each part; activations as the estimate it is)."""
    if cost.macs is None:
        lines = [f"MACs: not known ({_length(cost)}): {'; '.join(cost.unknown)}"]
    else:
        lines = [f"MACs: {cost.macs:,} (FLOPs {cost.flops:,}), one forward pass of {_length(cost)}"]
    m = cost.memory
    dtype = cost.dtype or "stored dtypes"
    parts = [f"weights {readable_bytes(m.weights)}", f"gradients {readable_bytes(m.gradients)}",
             f"optimizer {readable_bytes(m.optimizer)}"]
    parts.append("activations not known" if m.activations is None else
                 f"activations {readable_bytes(m.activations)} (an estimate)")
    lines += [f"Training memory ({dtype}, {cost.optimizer}): {readable_bytes(m.total)}", "  " + ", ".join(parts)]
    return lines


def cost_dict(cost) -> dict:
    """The JSON keys a cost adds to a summary's object."""
    out = {"seq_len": cost.seq_len, "batch": cost.batch, "macs": cost.macs, "flops": cost.flops}
    if cost.unknown:
        out["macs_unknown"] = list(cost.unknown)
    out["dtype"] = cost.dtype
    out["optimizer"] = cost.optimizer
    out["memory"] = dict(zip(MEMORY_PARTS, cost.memory))
    return out


def row_dict(row) -> dict:
    """A layer's keys in the JSON: macs and flops (null where not known), macs_per_step for a
    recurrent layer."""
    out = {"macs": row.macs, "flops": None if row.macs is None else 2 * row.macs}
    if row.macs_per_step is not None:
        out["macs_per_step"] = row.macs_per_step
    return out


def torchinfo_mult_adds(macs: int | None) -> str:
    """torchinfo 1.8.0's `Total mult-adds` line (model_statistics.py format_output_num), unit
    label included as it prints it."""
    if macs is None:
        return "Total mult-adds: not known"
    unit, value = (("TERABYTES", macs / 1e12) if macs >= 1e12 else ("GIGABYTES", macs / 1e9) if macs >= 1e9
                   else ("MEGABYTES", macs / 1e6))
    shown = f"{int(value):,d}" if value.is_integer() else f"{value:,.2f}"
    return f"Total mult-adds (Units.{unit}): {shown}"


def cost_footer(cost) -> list[str]:
    """The cost lines under a summary table, or none without a cost."""
    return [] if cost is None else cost_lines(cost)
