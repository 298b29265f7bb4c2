"""Pictures of what a command prints: an SVG or an HTML page of the text as Rich draws it on a
terminal (a summary's table with Keras's colours), for documents and pull requests. Never prints."""

from __future__ import annotations

import io

PICTURES = ("svg", "html")


def picture(items: list, kind: str, title: str, width: int = 80) -> str:
    """`items`, Rich renderables or plain text, drawn one after another on a recorded terminal
    as wide as `width` or the widest line of the text, exported as `kind` (svg or html)."""
    from rich.console import Console
    from rich.text import Text

    texts = [item for item in items if isinstance(item, str)]
    width = max([width, *(len(line) for text in texts for line in text.splitlines())])
    console = Console(record=True, width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      highlight=False, emoji=False)
    for item in items:
        console.print(Text(item.rstrip("\n")) if isinstance(item, str) else item)
    return console.export_svg(title=title) if kind == "svg" else console.export_html(inline_styles=True)
