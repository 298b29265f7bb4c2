"""Data to text: plain tables, JSON and Markdown (Rich renderables where Rich earns its
import). Nothing here prints."""

from __future__ import annotations

import functools
import json
import math
import re
import textwrap

from .conventions import CONVENTIONS, PARTS
from .formulas import LayerCount
from .errors import fmt

BYTES_PER_PARAM = 4  # float32, as Keras and torchinfo size parameters


def framework_title(c: LayerCount) -> str:
    return CONVENTIONS[c.framework].title


def layer_title(c: LayerCount) -> str:
    """How the framework would write the layer: `GRU(75) on 28 features`, `nn.GRU(28, 75)`."""
    if c.framework == "pytorch":
        options = [f"num_layers={c.num_layers}"] * (c.num_layers > 1) + ["bias=False"] * (not c.use_bias)
        options += ["bidirectional=True"] * c.bidirectional + [f"proj_size={c.proj_size}"] * bool(c.proj_size)
        return f"{c.class_name}({', '.join([str(c.input_dim), str(c.units), *options])})"
    if c.framework == "onnx":
        options = [f"hidden_size={c.units}", *(["direction=bidirectional"] if c.bidirectional else [])]
        if c.reset_after is not None:
            options.append(f"linear_before_reset={int(c.reset_after)}")
        layers = f"{c.num_layers} x " if c.num_layers > 1 else ""
        return f"{layers}ONNX {c.class_name}({', '.join(options)}){' with peepholes' * c.peepholes} on {c.input_dim} features"
    argument = f"features={c.units}" if c.framework == "flax" else str(c.units)
    if c.kernel_size:
        argument += f", kernel_size={c.kernel_size}"
    inner = f"{c.class_name}({argument}{'' if c.use_bias else ', use_bias=False'}"
    if c.reset_after is False:
        inner += ", reset_after=False"
    if c.reset_gate is False:
        inner += ", reset_gate=False"
    inner += ")"
    if c.bidirectional:
        inner = f"Bidirectional({inner}, merge_mode={c.merge_mode!r})" if c.merge_mode or c.framework != "flax" \
            else f"Bidirectional({inner})"
    return f"{inner} on {c.input_dim} {'channels' if c.kernel_size else 'features'}"


def output_shape(c: LayerCount) -> str:
    """As Keras prints it: `(None, 75)`, or a list of shapes for merge_mode=None; a
    convolutional cell's spatial axes, which its input sets, as None."""
    shapes = [(None, *[None] * len(c.kernel_size), d) for d in c.output_dims]
    return fmt(shapes[0] if len(shapes) == 1 else shapes)


def layer_dict(c: LayerCount, cost=None) -> dict:
    """The JSON object of `gru-params layer --format json` (DESIGN.md, Contracts); with a
    `cost` (cost.macs.LayerMacs, for --seq-len), its sequence, batch, MACs and FLOPs."""
    return {
        "framework": c.framework,
        "kind": c.kind,
        "class_name": c.class_name,
        "units": c.units,
        "input_dim": c.input_dim,
        "use_bias": c.use_bias,
        "reset_after": c.reset_after,
        "bidirectional": c.bidirectional,
        "merge_mode": c.merge_mode,
        "num_layers": c.num_layers,
        "proj_size": c.proj_size,
        "peepholes": c.peepholes,
        # only where they apply, so that the other layers' objects stay as they were
        **({"kernel_size": list(c.kernel_size)} if c.kernel_size else {}),
        **({"reset_gate": c.reset_gate} if c.reset_gate is not None else {}),
        "output_dims": list(c.output_dims),
        "params": c.params,
        "weights": [{"name": w.name, "shape": list(w.shape), "params": w.params} for w in c.weights],
        "gates": [
            {
                "gate": g.gate,
                "name": g.name,
                "layer": g.layer,
                "direction": g.direction or None,
                **{part.replace(" ", "_"): n for part, n in g.parts},
                "params": g.params,
            }
            for g in c.gates
        ],
        "outside_gates": [{"part": e.part, "layer": e.layer, "direction": e.direction or None, "params": e.params}
                          for e in c.extras],
        "formula": c.formula,
        "formula_symbols": c.formula_symbols,
        "note": c.note or None,
        **({"seq_len": cost.seq_len, "batch": cost.batch, "macs": cost.macs, "flops": cost.flops,
            "macs_per_step": cost.macs_per_step} if cost is not None else {}),
    }


def _cost_lines(cost) -> list[str]:
    """What one forward pass over the sequence and batch costs (cost/macs.py says how)."""
    steps = f"{cost.seq_len:,} step{'s' * (cost.seq_len != 1)}"
    return [f"Cost of a forward pass over {steps}, batch {cost.batch:,}",
            f"  {cost.macs_per_step:,} MACs a step (every input, recurrent and projection kernel weight, once a sample)",
            f"  {cost.macs:,} MACs = {cost.flops:,} FLOPs (2 a MAC, as torch.utils.flop_counter counts)"]


def layer_json(c: LayerCount, cost=None) -> str:
    return dumps(layer_dict(c, cost))


def dumps(data, levels: int = 2, _pad: str = "") -> str:
    """JSON with the outer `levels` of mappings and lists spread one entry a line and
    everything inside them on one line each: readable, diffable, and written by the C
    encoder (json.dumps with indent falls back to pure Python, 3 s for 10,000 layers)."""
    if levels == 0 or not isinstance(data, (dict, list)) or not data:
        return json.dumps(data)
    values = data.values() if isinstance(data, dict) else data
    if not any(isinstance(v, (dict, list)) for v in values):  # [28, 225] stays on one line
        return json.dumps(data)
    pad = _pad + "  "
    if isinstance(data, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(v, levels - 1, pad)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + f"\n{_pad}}}"
    return "[\n" + ",\n".join(f"{pad}{dumps(v, levels - 1, pad)}" for v in data) + f"\n{_pad}]"


def _gate_table(c: LayerCount) -> tuple[list[str], list[list[str]], list[str], int]:
    """Header, rows, the totals row, and how many leading label columns. One row per gate
    (per layer and direction when there are several); PyTorch: one row per layer and
    direction, its gates named in order. Weights outside the gates get rows of their own."""
    present = {name for g in c.gates for name, _ in g.parts} | {e.part for e in c.extras}
    parts = [p for p in PARTS if p in present]
    by_layer = c.framework == "pytorch"
    lead = (["Layer"] if c.num_layers > 1 or by_layer else []) + (["Direction"] if c.bidirectional else [])
    lead.append("Gates" if by_layer else "Gate")
    rows, totals = [], dict.fromkeys(parts, 0)
    groups: dict[tuple, dict] = {}
    for g in c.gates:
        key = (g.layer, g.direction) if by_layer else (g.layer, g.direction, g.gate)
        group = groups.setdefault(key, {"label": [], "counts": dict.fromkeys(parts, 0)})
        group["label"].append(g.gate if by_layer else f"{g.gate} {g.name}")
        for name, n in g.parts:
            group["counts"][name] += n
    for e in c.extras:
        key = (e.layer, e.direction) if by_layer else (e.layer, e.direction, e.part)
        group = groups.setdefault(key, {"label": [e.part], "counts": dict.fromkeys(parts, 0)})
        group["counts"][e.part] += e.params
    for (layer, direction, *_), group in groups.items():
        labels = ([str(layer)] if "Layer" in lead else []) + ([direction] if c.bidirectional else [])
        counts = group["counts"]
        for name, n in counts.items():
            totals[name] += n
        rows.append([*labels, " ".join(group["label"]), *(f"{counts[p]:,}" for p in parts), f"{sum(counts.values()):,}"])
    header = [*lead, *(p.capitalize() for p in parts), "Params"]
    total = ["Total", *[""] * (len(lead) - 1), *(f"{totals[p]:,}" for p in parts), f"{c.params:,}"]
    return header, rows, total, len(lead)


def _weight_table(c: LayerCount) -> tuple[list[str], list[list[str]]]:
    rows = [[w.name, str(w.shape), f"{w.params:,}"] for w in c.weights]
    return ["Weight", "Shape", "Params"], rows


def _formula_lines(c: LayerCount) -> list[str]:
    where = f"d = {c.input_dim} {'channels' if c.kernel_size else 'features'}, u = {c.units} units"
    if c.kernel_size:
        where += f", k = {'*'.join(map(str, c.kernel_size))} window"
    return [f"{c.formula_symbols}   ({where})", c.formula]


def layer_markdown(c: LayerCount, cost=None) -> str:
    lines = [f"### {layer_title(c)}: {c.params:,} parameters", ""]
    lines += [f"Output {output_shape(c)}, {framework_title(c)} convention.", ""]
    header, rows, total, _ = _gate_table(c)
    lines += _md_table(header, [*rows, [f"**{cell}**" for cell in total]])
    lines += [""]
    lines += _md_table(*_weight_table(c))
    lines += ["", "Formula:", "", "```", *_formula_lines(c), "```"]
    if cost is not None:
        first, *rest = _cost_lines(cost)
        lines += ["", f"{first}:", "", *(f"- {line.strip()}" for line in rest)]
    if c.note:
        lines += ["", c.note]
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return ["| " + " | ".join(r) + " |" for r in (header, align, *rows)]


def layer_text(c: LayerCount, cost=None) -> str:
    """The `layer` table view as plain aligned text: title, gate table, weight table, formula.

    Plain text, not Rich: a one-line query should not pay Rich's import (about 35 ms,
    more than the rest of the query; see bench/benchmark.py).
    """
    header, rows, total, labels = _gate_table(c)
    lines = [f"{layer_title(c)}: {c.params:,} parameters", f"output {output_shape(c)}, {framework_title(c)} convention", ""]
    # Two-line headers keep the gate table within 80 columns.
    lines += _text_table([h.replace(" ", "\n", 1) for h in header], rows, total, first_right=labels)
    lines += [""]
    w_header, w_rows = _weight_table(c)
    lines += _text_table(w_header, w_rows, None, first_right=2)
    lines += ["", "Formula", *("  " + line for line in _formula_lines(c))]
    if cost is not None:
        lines += ["", *_cost_lines(cost)]
    if c.note:
        lines += ["", textwrap.fill(c.note, 80)]
    return "\n".join(lines) + "\n"


def _text_table(header: list[str], rows: list[list[str]], total: list[str] | None, first_right: int,
                last_right: int = 1_000) -> list[str]:
    """Columns three spaces apart, right-aligned from column `first_right` on (to `last_right`);
    a rule under the header and above the totals."""
    heads = [h.split("\n") for h in header]
    depth = max(len(h) for h in heads)
    heads = [[""] * (depth - len(h)) + h for h in heads]  # bottom-aligned
    body = rows + ([total] if total else [])
    widths = [max(len(x) for x in [*heads[i], *(r[i] for r in body)]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "   ".join(
            cell.rjust(w) if first_right <= i <= last_right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "-" * (sum(widths) + 3 * (len(widths) - 1))
    out = [line([h[k] for h in heads]) for k in range(depth)] + [rule] + [line(r) for r in rows]
    return out + ([rule, line(total)] if total else [])


# ---- model summaries ------------------------------------------------------------------------

_BYTE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def readable_bytes(n: int) -> str:
    """keras/src/utils/summary_utils.py readable_memory_size: 1024 steps, two decimals. Past
    float range (Keras itself fails there) in exact integers, rounded half to even as `.2f` is."""
    if n < 2**1000:
        for unit in _BYTE_UNITS:
            if n / 1024 < 1:
                return f"{n:.2f} {unit}"
            n /= 1024
        return f"{n:.2f} PB"
    whole, rest = divmod(n * 100, 1024**5)
    whole += rest * 2 > 1024**5 or (rest * 2 == 1024**5 and whole % 2)
    return f"{whole // 100}.{whole % 100:02d} PB"


def footer_lines(s) -> list[tuple[str, int, int]]:
    """Keras's three totals: label, parameters, bytes."""
    return [("Total params", s.total_params, s.bytes()), ("Trainable params", s.trainable_params, s.bytes(True)),
            ("Non-trainable params", s.non_trainable_params, s.bytes(False))]


def _summary_layout(columns: int, show_trainable: bool, graph: bool = False, macs: int = 0):
    """Header, alignment, column widths and line length, as print_summary computes them; with
    `macs`, the widest MACs cell, a MACs column last, as wide as it needs beside Keras's."""
    line_length, positions = 88, [0.45, 0.80, 1.0]
    header, alignment = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    if graph:  # a functional model that is not a chain
        line_length, positions = 108, [0.3, 0.56, 0.74, 1.0]
        header.append("Connected to")
        alignment.append("left")
    if show_trainable:
        line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    line_length = min(line_length, max(columns - 4, 40))
    widths, current = [], 0
    for pos in positions:
        widths.append(int(pos * line_length) - current)
        current += widths[-1]
    if macs:
        header.append("MACs")
        alignment.append("right")
        widths.append(max(macs, 4) + 3)  # its text, the cell's padding and border
        line_length += widths[-1]
    return header, alignment, widths, line_length


def _macs_width(cells: list, cost) -> int:
    """The widest MACs cell (the last of each row), or 0 without a cost."""
    return max((len(row[-1][0]) for row in cells), default=1) if cost is not None else 0


def _walk(s, expand: bool):
    """The summary's rows in table order, as (depth, Row or GateCount): each layer at depth
    0; with `expand`, its gates and the layers inside it one level deeper."""

    def visit(row, depth: int):
        yield depth, row
        if expand:
            yield from ((depth + 1, g) for g in row.gates)
            for child in row.children:
                yield from visit(child, depth + 1)

    for row in s.rows:
        yield from visit(row, 0)


def _gate_label(g) -> str:
    return f"{g.direction + ' ' if g.direction else ''}gate {g.gate} ({g.name})"


def _summary_cells(s, show_trainable: bool, expand: bool, markup: bool = True, macs: bool = False):
    """Each table row as (plain text, Rich markup) per cell: Keras's colours in the markup
    (the markup is "" when `markup` is False: plain text needs neither it nor Rich)."""
    if markup:
        from rich.markup import escape
    else:
        def escape(text: str) -> str:
            return ""

    def number(x) -> str:
        if not markup:
            return ""
        return f"[color(45)]{x}[/]" if x is None else f"[color(34)]{x}[/]"

    def shape_markup(shape) -> str:
        if not markup:
            return ""
        if isinstance(shape, list):
            return "[" + ", ".join(shape_markup(x) for x in shape) + "]"
        return "(" + ", ".join(number(d) for d in shape) + ")"

    rows = []
    for depth, item in _walk(s, expand):
        prefix = "   " * depth + "└ " if depth else ""
        if not hasattr(item, "class_name"):  # a gate
            label = prefix + _gate_label(item)
            rows.append([(label, escape(label)), ("", ""), (f"{item.params:,}", number(f"{item.params:,}"))]
                        + [("", "")] * (s.graph + show_trainable + macs))
            continue
        cells = [(f"{prefix}{item.name} ({item.class_name})",
                  f"{escape(prefix + item.name)} ([color(33)]{escape(item.class_name)}[/])"),
                 (fmt(item.output_shape), shape_markup(item.output_shape)),
                 (f"{item.params:,}", number(f"{item.params:,}"))]
        if s.graph:
            cells.append(_connections(item, depth, markup))
        if show_trainable:
            flag = "-" if not item.weights else "Y" if item.trainable else "N"
            colour = {"-": "[bold]-[/]", "Y": "[bold][color(34)]Y[/][/]", "N": "[bold][color(9)]N[/][/]"}[flag]
            cells.append((flag, colour))
        if macs:
            from .render_cost import macs_cell

            cells.append((macs_cell(item), number(macs_cell(item))))
        rows.append(cells)
    return rows


def _connections(row, depth: int, markup: bool) -> tuple[str, str]:
    """The `Connected to` cell: `encoder[0][1], ...`; `-` for an input, and for the rows
    inside a layer (as Keras shows a nested model's layers)."""
    if depth:
        return "-", "-" if markup else ""
    text = ", ".join(row.connected_to) or "-"
    if not markup or not row.connected_to:
        return text, text if markup else ""
    from rich.markup import escape

    def coloured(connection: str) -> str:  # Keras colours the node and tensor indices
        name, node, tensor = _CONNECTION.fullmatch(connection).groups()
        return f"{escape(name)}\\[[color(34)]{node}[/]]\\[[color(34)]{tensor}[/]]"

    return text, ", ".join(map(coloured, row.connected_to))


_CONNECTION = re.compile(r"(.*)\[(\d+)\]\[(\d+)\]")


def _footer(s) -> list[tuple[str, str]]:
    out = []
    for label, n, size in footer_lines(s):
        size = readable_bytes(size)
        out.append((f" {label}: {n:,} ({size})", f"[bold] {label}: [/][color(34)]{n:,}[/] ({size})"))
    return out


def summary_renderable(s, *, columns: int = 80, show_trainable: bool = False, expand: bool = False, cost=None):
    """The summary as tf.keras prints it (keras/src/utils/summary_utils.py print_summary):
    same widths for a terminal `columns` wide, same table, same footer, same colours;
    `expand` adds the layers inside wrappers and the gates of recurrent layers."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Column, Table
    from rich.text import Text

    rows = _summary_cells(s, show_trainable, expand, macs=cost is not None)
    header, alignment, widths, line_length = _summary_layout(columns, show_trainable, s.graph, _macs_width(rows, cost))
    table = Table(*(Column(h, justify=a, width=w) for h, a, w in zip(header, alignment, widths)),
                  width=line_length, show_lines=True)
    for cells in rows:
        table.add_row(*(markup for _, markup in cells))
    lines = [Text.from_markup(f'[bold]Model: "{escape(s.name)}"[/]'), table]
    return Group(*lines, *(Text.from_markup(markup) for _, markup in _footer(s)),
                 *(Text(f" {line}") for line in _cost_footer(cost)))


def _cost_footer(cost) -> list[str]:
    if cost is None:
        return []
    from .render_cost import cost_lines

    return cost_lines(cost)


def summary_text(s, *, columns: int = 80, show_trainable: bool = False, expand: bool = False, cost=None) -> str:
    """The summary as plain text: as Keras prints it when not on a terminal, or for a
    PyTorch spec as torchinfo prints it.

    Rich takes about 0.2 ms a row, two seconds for a 10,000-layer model, so tables of
    one-cell-wide characters (ASCII and --expand's └) are drawn here with Rich's own
    column widths and wrapping rules (a test holds the two to the same output); anything
    else goes through Rich."""
    if s.framework == "pytorch":
        return torchinfo_text(s, expand=expand, cost=cost)
    cells = _summary_cells(s, show_trainable, expand, markup=False, macs=cost is not None)
    header, alignment, widths, line_length = _summary_layout(columns, show_trainable, s.graph,
                                                             _macs_width(cells, cost))
    rows = [[plain for plain, _ in row] for row in cells]
    if not (s.name.isascii() and all(cell.replace("└", "").isascii() for row in rows for cell in row)):
        return _rich_text(summary_renderable(s, columns=columns, show_trainable=show_trainable, expand=expand,
                                             cost=cost), columns)
    lines = [f'Model: "{s.name}"', *_box_table(header, alignment, widths, line_length, rows)]
    return "\n".join(lines + [plain for plain, _ in _footer(s)] + [f" {x}" for x in _cost_footer(cost)]) + "\n"


def _rich_text(renderable, columns: int) -> str:
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=columns, highlight=False, force_terminal=False, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


@functools.lru_cache(maxsize=32)
def _inner_widths(widths: tuple, line_length: int) -> tuple[int, ...]:
    """The text width of each column once Rich has fitted the table into `line_length`:
    read off the top border of an empty table that Rich draws."""
    from rich.table import Column, Table

    table = Table(*(Column("", width=w) for w in widths), width=line_length, show_lines=True)
    top = _rich_text(table, line_length + 10).splitlines()[0]
    return tuple(len(segment) - 2 for segment in top[1:-1].split("┳"))


def _box_table(header, alignment, widths, line_length, rows) -> list[str]:
    """Rich's HEAVY_HEAD table with show_lines=True and one space of padding, drawn directly."""
    inner = _inner_widths(tuple(widths), line_length)

    def rule(left, fill, mid, right):
        return left + mid.join(fill * (w + 2) for w in inner) + right

    def row_lines(cells, edge, sep, bottom=False):
        wrapped = [_wrap(c, w, a) for c, w, a in zip(cells, inner, alignment)]
        height = max(len(w) for w in wrapped)
        # Rich aligns header cells to the bottom of their row, body cells to the top.
        wrapped = [[" " * w] * (height - len(c)) + c if bottom else c + [" " * w] * (height - len(c))
                   for c, w in zip(wrapped, inner)]
        return [edge + sep.join(f" {c[i]} " for c in wrapped) + edge for i in range(height)]

    lines = [rule("┏", "━", "┳", "┓"), *row_lines(header, "┃", "┃", bottom=True), rule("┡", "━", "╇", "┩")]
    for i, cells in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += row_lines(cells, "│", "│")
    return lines + [rule("└", "─", "┴", "┘")]


_WORD = re.compile(r"\s*\S+\s*")


def _wrap(text: str, width: int, justify: str) -> list[str]:
    """Rich's Text.wrap for one line of one-cell-wide characters with overflow "ellipsis"
    (rich/_wrap.py divide_line with fold=False, rich/text.py wrap, rich/containers.py justify)."""
    if len(text) <= width:  # fits: no breaks, nothing to crop
        return [text.ljust(width) if justify == "left" else _justify(text.rstrip(), width, justify)]
    breaks, offset = [], 0
    for m in _WORD.finditer(text):
        start, word = m.start(), m.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    out = []
    for a, b in zip([0, *breaks], [*breaks, len(text)]):
        line = text[a:b]
        if len(line) > width:  # rstrip_end: drop trailing spaces beyond the width
            trailing = len(line) - len(line.rstrip())
            line = line[: len(line) - min(trailing, len(line) - width)]
        if justify != "left":
            line = line.rstrip()
        if len(line) > width:
            line = line[: width - 1] + "…"
        out.append(_justify(line, width, justify))
    return out or [" " * width]


def _justify(line: str, width: int, justify: str) -> str:
    if justify == "right":
        return line.rjust(width)
    if justify == "center":
        return (" " * ((width - len(line)) // 2) + line).ljust(width)
    return line.ljust(width)


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
    from .layers.torch_transformer import UNLISTED_SUBMODULES

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
    from .render_cost import macs_cell, torchinfo_mult_adds
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
    return "\n".join(lines + _cost_footer(cost)) + "\n"


def summary_dict(s, expand: bool = False, cost=None) -> dict:
    """The JSON object of `gru-params summary --format json` (DESIGN.md, Contracts); with
    `expand`, each layer's weights, gates and wrapped layers too; with a `cost`, each layer's
    MACs and the model's (render_cost.py)."""
    if cost is not None:
        from .render_cost import cost_dict, row_dict

    def layer(row) -> dict:
        out = {
            "name": row.name,
            "type": row.class_name,
            "output_shape": list(row.output_shape) if not isinstance(row.output_shape, list)
            else [list(x) for x in row.output_shape],
            "params": row.params,
            "trainable": row.trainable,
            "trainable_params": row.trainable_params,
            "non_trainable_params": row.non_trainable_params,
        }
        if s.functional:
            out["connected_to"] = list(row.connected_to)
        if cost is not None:
            out.update(row_dict(row))
        if expand:
            out["weights"] = [{"name": w.name, "shape": list(w.shape), "params": math.prod(w.shape),
                               "trainable": w.trainable} for w in row.weights]
            if row.gates:
                out["gates"] = [{"gate": g.gate, "name": g.name, "direction": g.direction or None, "params": g.params}
                                for g in row.gates]
            if row.children:
                out["layers"] = [layer(c) for c in row.children]
        return out

    return {
        "name": s.name,
        "path": s.path,
        "framework": s.framework,
        "input_shape": [list(x) for x in s.input_shape] if s.functional else list(s.input_shape),
        "layers": [layer(r) for r in s.rows],
        "total_params": s.total_params,
        "trainable_params": s.trainable_params,
        "non_trainable_params": s.non_trainable_params,
        **(cost_dict(cost) if cost is not None else {}),
    }


def summary_markdown(s, *, show_trainable: bool = False, expand: bool = False, cost=None) -> str:
    if cost is not None:
        from .render_cost import macs_cell
    macs = cost is not None
    header = (["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if s.graph else [])
              + (["Trainable"] if show_trainable else []) + (["MACs"] if macs else []))
    rows = []
    for depth, item in _walk(s, expand):
        prefix = "   " * (depth - 1) + "└ " if depth else ""
        if not hasattr(item, "class_name"):  # a gate
            rows.append([prefix + _gate_label(item), "", f"{item.params:,}"] + [""] * (s.graph + show_trainable + macs))
            continue
        cells = [f"{prefix}{item.name} ({item.class_name})", f"`{fmt(item.output_shape)}`", f"{item.params:,}"]
        if s.graph:
            cells.append(_connections(item, depth, False)[0])
        if show_trainable:
            cells.append("-" if not item.weights else "Y" if item.trainable else "N")
        if macs:
            cells.append(macs_cell(item))
        rows.append(cells)
    align = (["---", "---", "---:"] + (["---"] if s.graph else []) + ([":---:"] if show_trainable else [])
             + (["---:"] if macs else []))
    lines = [f'### Model: "{s.name}"', ""]
    lines += ["| " + " | ".join(r) + " |" for r in (header, align, *rows)]
    lines += [""] + [f"- {label}: **{n:,}** ({readable_bytes(size)})" for label, n, size in footer_lines(s)]
    lines += [f"- {line}" for line in _cost_footer(cost)]
    return "\n".join(lines) + "\n"


# ---- check reports ------------------------------------------------------------------------

def _status(r) -> str:
    return "ok" if r.ok else "error" if r.error is not None else "fail"


def check_counts(results) -> dict:
    return {"passed": sum(r.ok for r in results), "failed": sum(_status(r) == "fail" for r in results),
            "errors": sum(r.error is not None for r in results)}


def check_closing_line(results) -> str:
    c = check_counts(results)
    return f"{c['passed']} passed, {c['failed']} failed, {c['errors']} error{'' if c['errors'] == 1 else 's'}"


def check_dict(results) -> dict:
    files = []
    for r in results:
        entry = {"path": r.path, "ok": r.ok}
        if r.summary is not None:
            entry.update(name=r.summary.name, total_params=r.summary.total_params,
                         trainable_params=r.summary.trainable_params,
                         non_trainable_params=r.summary.non_trainable_params)
        if r.cost is not None:
            from .render_cost import cost_dict

            entry.update(cost_dict(r.cost))
        entry["problems"] = [{"key": p.key, "expected": p.expected, "actual": p.actual, "line": p.where.line,
                              "message": p.message} for p in r.problems]
        if r.error is not None:
            entry["error"] = str(r.error)
        files.append(entry)
    return {"files": files, **check_counts(results)}


def _check_rows(results) -> tuple[list[tuple], list[str]]:
    """(path, status, total, trainable) a file, and the problems' and errors' lines."""
    rows, notes = [], []
    for r in results:
        status = _status(r)
        rows.append((r.path, status if status == "ok" else status.upper(),
                     f"{r.summary.total_params:,}" if r.summary else "",
                     f"{r.summary.trainable_params:,}" if r.summary else ""))
        notes += [str(r.error)] if r.error is not None else []
        notes += [f"{p.where}: {p.message}" for p in r.problems]
    return rows, notes


def check_text(results) -> str:
    """The table for a log (stdout not a terminal): each column as wide as its widest cell, so
    that no file name is cut or wrapped, and every problem on one line."""
    header = ("File", "Result", "Total params", "Trainable")
    rows, notes = _check_rows(results)
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]

    def line(row) -> str:
        return "  ".join((str.ljust if i < 2 else str.rjust)(cell, widths[i]) for i, cell in enumerate(row)).rstrip()

    lines = [line(header), *map(line, rows), ""] + (notes + [""] if notes else [])
    return "\n".join(lines + [check_closing_line(results)]) + "\n"


def check_renderable(results):
    """One row per file, then each problem on a line of its own (file:line:column), then the counts."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name, justify in (("File", "left"), ("Result", "left"), ("Total params", "right"), ("Trainable", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    styles = {"ok": "green", "FAIL": "red", "ERROR": "bold red"}
    rows, notes = _check_rows(results)
    for path, status, total, trainable in rows:
        table.add_row(path, Text(status, style=styles[status]), total, trainable)
    parts = [table, Text("")] + ([*map(Text, notes), Text("")] if notes else [])
    return Group(*parts, Text(check_closing_line(results), style="bold"))


def check_markdown(results) -> str:
    """A pull-request comment or a `$GITHUB_STEP_SUMMARY`: the counts as a heading, a row a file,
    then each problem and error with its place."""

    def cell(text: str) -> str:  # a table cell on one line, its pipes and code marks kept as text
        return " ".join(text.split()).replace("|", "\\|")

    rows, notes = _check_rows(results)
    lines = [f"### gru-params check: {check_closing_line(results)}", "",
             "| File | Result | Total params | Trainable |", "| --- | --- | ---: | ---: |"]
    lines += [f"| {cell(path)} | {status if status == 'ok' else f'**{status}**'} | {total} | {trainable} |"
              for path, status, total, trainable in rows]
    if notes:
        lines += ["", *(f"- {cell(note)}" for note in notes)]
    return "\n".join(lines) + "\n"


def check_junit(results) -> str:
    """JUnit XML: one test case per spec file, a failure per problem, an error per invalid file."""
    import xml.etree.ElementTree as ET

    c = check_counts(results)
    suite = ET.Element("testsuite", name="gru-params check", tests=str(len(results)),
                       failures=str(c["failed"]), errors=str(c["errors"]), skipped="0")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname="gru-params", name=r.path)
        if r.error is not None:
            ET.SubElement(case, "error", message=str(r.error), type="SpecError").text = str(r.error)
        for p in r.problems:
            ET.SubElement(case, "failure", message=f"{p.where.key}: {p.message}", type="CheckFailure").text = \
                f"{p.where}: {p.message}"
    return ET.tostring(ET.ElementTree(suite).getroot(), encoding="unicode", xml_declaration=True) + "\n"


def check_github(results) -> str:
    """GitHub Actions annotations (::error file=...,line=...::message), then the counts."""

    def escape(text: str) -> str:  # workflow-command escaping of data and properties
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return escape(text).replace(":", "%3A").replace(",", "%2C")

    lines = []
    for r in results:
        if r.error is not None:
            w = getattr(r.error, "where", None)
            place = f",line={w.line},col={w.column}" if w is not None and w.line else ""
            message = r.error.message if hasattr(r.error, "message") else str(r.error)
            title = f"{w.key}" if w is not None and w.key else "invalid spec"
            lines.append(f"::error file={prop(r.path)}{place},title={prop(title)}::{escape(message)}")
        for p in r.problems:
            lines.append(f"::error file={prop(r.path)},line={p.where.line},col={p.where.column},"
                         f"title={prop(p.where.key)}::{escape(p.message)}")
    lines.append(check_closing_line(results))
    return "\n".join(lines) + "\n"


# ---- compare ------------------------------------------------------------------------------------

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
    from .compare import VARIANTS

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
    from .compare import VARIANTS

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
    from .compare import VARIANTS

    # Keras's layers always, so that sweeps of different frameworks line up; another
    # framework's own (Flax's MGU) where it has them
    variants = [v for v, _, _ in VARIANTS if any(c.params is not None for c in comparison.cells
                                                 if c.variant == v and c.framework in ("keras", framework))]
    rows = [[f"{u:,}", *(_count_text(comparison.cell(v, framework, u).params) for v in variants)]
            for u in comparison.units]
    lines = [f"### {framework}: parameters by size on {comparison.input_dim} features", ""]
    return "\n".join(lines + _md_table(["Units", *variants], rows)) + "\n"


# ---- compare --macs -----------------------------------------------------------------------------

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
