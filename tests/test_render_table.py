"""The summary table drawn without Rich must be the table Rich draws, cell for cell."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.table import Column, Table
from rich.text import Text

from gru_params import render

cell = st.text(alphabet="ab_xyz019 ()[],.-└", max_size=60) | st.sampled_from(
    ["", "x" * 80, "global_average_pooling1d (GlobalAveragePooling1D)", "[(None, 4), (None, 4), (None, 4)]",
     "a  b", "  lead", "trail  ", "1,234,567"])


def rich_lines(header, alignment, widths, line_length, rows) -> list[str]:
    table = Table(*(Column(h, justify=a, width=w) for h, a, w in zip(header, alignment, widths)),
                  width=line_length, show_lines=True)
    for row in rows:
        table.add_row(*(Text(c) for c in row))  # Text: no markup parsing
    return render._rich_text(table, line_length + 10).splitlines()


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(cell, min_size=4, max_size=4), min_size=1, max_size=4),
       columns=st.integers(min_value=20, max_value=200), show_trainable=st.booleans())
def test_fast_table_is_richs_table(rows, columns, show_trainable):
    header, alignment, widths, line_length = render._summary_layout(columns, show_trainable)
    rows = [row[: len(header)] for row in rows]
    assert render._box_table(header, alignment, widths, line_length, rows) == \
        rich_lines(header, alignment, widths, line_length, rows)
