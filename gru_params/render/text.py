"""What every output shares: JSON with short lines, byte sizes, plain and Markdown tables. Never prints."""

from __future__ import annotations

import json


BYTES_PER_PARAM = 4  # float32, as Keras and torchinfo size parameters


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


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return ["| " + " | ".join(r) + " |" for r in (header, align, *rows)]


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
