"""A model's summary as tf.keras prints it (keras/src/utils/summary_utils.py print_summary),
drawn with Rich on a terminal and by the same rules as plain text elsewhere; and its JSON and Markdown. Never prints."""

from __future__ import annotations

import functools
import math
import re

from ..errors import fmt
from .cost import cost_dict, cost_footer, macs_cell, row_dict
from .text import readable_bytes
from .torchinfo import torchinfo_text


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
                 *(Text(f" {line}") for line in cost_footer(cost)))




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
    return "\n".join(lines + [plain for plain, _ in _footer(s)] + [f" {x}" for x in cost_footer(cost)]) + "\n"


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


def summary_dict(s, expand: bool = False, cost=None) -> dict:
    """The JSON object of `gru-params summary --format json` (DESIGN.md, Contracts); with
    `expand`, each layer's weights, gates and wrapped layers too; with a `cost`, each layer's
    MACs and the model's (render/cost.py)."""

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
    lines += [f"- {line}" for line in cost_footer(cost)]
    return "\n".join(lines) + "\n"
