"""`compare`: a layer's count across frameworks and variants, and `compare --macs`. Never prints."""

from __future__ import annotations

import textwrap

from ..conventions import CONVENTIONS
from .layer import layer_title
from .text import _md_table, _text_table


def compare_dict(comparison) -> dict:
    return {
        "input_dim": comparison.input_dim,
        "units": list(comparison.units),
        "frameworks": {k: {"title": c.title, "note": c.note, "source": c.source} for k, c in CONVENTIONS.items()},
        "counts": [{"layer": c.variant, "framework": c.framework, "units": c.units, "params": c.params,
                    "ratio_to_simplernn": None if c.ratio is None else round(c.ratio, 4)} for c in comparison.cells],
    }


def _compare_grid(comparison, units: int, ratios: bool = False) -> tuple[list[str], list[list[str]]]:
    """Layers against frameworks: the counts, or their ratios to the framework's SimpleRNN."""
    from ..compare import VARIANTS

    rows = []
    for variant, _, _ in VARIANTS:
        cells = [comparison.cell(variant, framework, units) for framework in CONVENTIONS]
        rows.append([variant, *("-" if c.params is None else f"{c.ratio:.2f}x" if ratios else f"{c.params:,}"
                                for c in cells)])
    return ["Layer", *CONVENTIONS], rows


def _notes() -> list[str]:
    return [f"{key}: {c.note}." for key, c in CONVENTIONS.items()]


def compare_text(comparison, framework: str = "keras") -> str:
    """One size: layers against frameworks, each count with its ratio to SimpleRNN, then a
    note per framework. Several sizes: `framework`'s counts by size, and a bar chart."""
    if len(comparison.units) == 1:
        u = comparison.units[0]
        lines = [f"{u} units on {comparison.input_dim} features: parameters", ""]
        lines += _text_table(*_compare_grid(comparison, u), None, first_right=1)
        lines += ["", "Ratio to the same framework's SimpleRNN", ""]
        lines += _text_table(*_compare_grid(comparison, u, ratios=True), None, first_right=1)
        lines += ["", "-: no such layer. CuDNN has no SimpleRNN: its ratios are to the textbook one.",
                  *_flax_only_lines(), ""]
        return "\n".join(lines + _notes()) + "\n"
    from ..compare import VARIANTS

    variants = [v for v, _, _ in VARIANTS if any(
        c.params is not None for c in comparison.cells if c.variant == v and c.framework == framework)]
    rows = [[f"{u:,}", *(_count_text(comparison.cell(v, framework, u).params) for v in variants)]
            for u in comparison.units]
    lines = [f"{framework}: parameters by size on {comparison.input_dim} features", ""]
    lines += _text_table(["Units", *variants], rows, None, first_right=0)
    lines += ["", *_bars(comparison, framework, variants)]
    return "\n".join(lines) + "\n"


def _flax_only_lines() -> list[str]:
    return ["MGU: Flax's MGUCell, two gates. Flax's ConvLSTMCell is left out: its count",
            "depends on a kernel size (`layer convlstm --framework flax --kernel-size 3,3`)."]


def _count_text(n) -> str:
    return "-" if n is None else f"{n:,}"


def _bars(comparison, framework: str, variants: list[str], width: int = 40) -> list[str]:
    top = max(comparison.cell(v, framework, u).params or 0 for v in variants for u in comparison.units)
    label = max(len(v) for v in variants)
    lines = []
    for u in comparison.units:
        for v in variants:
            n = comparison.cell(v, framework, u).params or 0
            bar = "#" * max(1, round(width * n / top)) if n else ""
            lines.append(f"{u:>6,} {v.ljust(label)}  {bar.ljust(width)}  {n:,}")
    return lines


def compare_markdown(comparison, framework: str = "keras") -> str:
    if len(comparison.units) == 1:
        u = comparison.units[0]
        lines = [f"### {u} units on {comparison.input_dim} features", "", "Parameters:", ""]
        lines += _md_table(*_compare_grid(comparison, u)) + ["", "Ratio to the same framework's SimpleRNN:", ""]
        lines += _md_table(*_compare_grid(comparison, u, ratios=True)) + [""] + [f"- {n}" for n in _notes()]
        lines += ["", " ".join(_flax_only_lines())]
        return "\n".join(lines) + "\n"
    from ..compare import VARIANTS

    # Keras's layers always, so that sweeps of different frameworks line up; another
    # framework's own (Flax's MGU) where it has them
    variants = [v for v, _, _ in VARIANTS if any(c.params is not None for c in comparison.cells
                                                 if c.variant == v and c.framework in ("keras", framework))]
    rows = [[f"{u:,}", *(_count_text(comparison.cell(v, framework, u).params) for v in variants)]
            for u in comparison.units]
    lines = [f"### {framework}: parameters by size on {comparison.input_dim} features", ""]
    return "\n".join(lines + _md_table(["Units", *variants], rows)) + "\n"


OUR_MACS_RULE = "every input, recurrent and projection kernel weight, once a step, direction and sample"


def compare_macs_dict(comparison) -> dict:
    """`compare --macs --format json`: our MACs, then each peer's figure, rule and why it differs."""
    ours, c = comparison.ours, comparison.count
    return {
        "layer": layer_title(c),
        "seq_len": ours.seq_len,
        "batch": ours.batch,
        "gru_params": {"params": c.params, "macs": ours.macs, "flops": ours.flops,
                       "macs_per_step": ours.macs_per_step, "rule": OUR_MACS_RULE},
        "peers": [{"tool": p.peer.tool, "version": p.peer.version, "source": p.peer.source, "rule": p.peer.rule,
                   "macs": p.macs, "why": p.why} for p in comparison.peers],
    }


def _compare_macs_rows(comparison) -> list[list[str]]:
    ours = comparison.ours.macs
    rows = [["gru-params", "", f"{ours:,}", "1.00"]]
    return rows + [[p.peer.tool, p.peer.version, f"{p.macs:,}", f"{p.macs / ours:.2f}"] for p in comparison.peers]


def _compare_macs_heading(comparison) -> str:
    ours = comparison.ours
    steps = f"{ours.seq_len} step{'s' * (ours.seq_len != 1)}"
    return f"{layer_title(comparison.count)}: MACs of a forward pass over {steps}, batch {ours.batch}"


def compare_macs_text(comparison) -> str:
    lines = [textwrap.fill(_compare_macs_heading(comparison), 80), ""]
    lines += _text_table(["Tool", "Version", "MACs", "x ours"], _compare_macs_rows(comparison), None, first_right=2)
    lines += ["", *textwrap.wrap(f"gru-params: {OUR_MACS_RULE}.", 80, subsequent_indent="  ")]
    for p in comparison.peers:
        lines += textwrap.wrap(f"{p.peer.tool}: {p.why}.", 80, subsequent_indent="  ")
    return "\n".join(lines) + "\n"


def compare_macs_markdown(comparison) -> str:
    lines = [f"### {_compare_macs_heading(comparison)}", ""]
    rows = [[*row, why] for row, why in zip(_compare_macs_rows(comparison),
                                            [OUR_MACS_RULE, *(p.why for p in comparison.peers)])]
    lines += ["| " + " | ".join(r) + " |" for r in (["Tool", "Version", "MACs", "x ours", "Why"],
                                                     ["---", "---", "---:", "---:", "---"], *rows)]
    return "\n".join(lines) + "\n"
