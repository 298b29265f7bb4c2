"""`--format svg` and `--format html`: the table as Rich draws it on a terminal. The SVG is
checked as XML against the plain table, opened in a real headless Chromium (Debian's package),
which must lay out every line of it, and the README's picture is kept current."""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gru_params.cli import app
from tests.live import missing

ROOT = Path(__file__).parents[1]
runner = CliRunner()
SVG = "{http://www.w3.org/2000/svg}"


def run(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def svg_lines(svg: str) -> list[str]:
    """The text of each line of a Rich SVG: its <text> elements (each a run of one style, placed
    at x, a cell being textLength / len(text) wide) put back in their cells."""
    root = ET.fromstring(svg)
    by_line: dict[float, list] = {}
    for text in root.iter(f"{SVG}text"):
        if "clip-path" in text.attrib and text.text and text.text != "\n":
            cell = float(text.get("textLength")) / len(text.text)
            by_line.setdefault(float(text.get("y")), []).append((round(float(text.get("x")) / cell), text.text))
    lines = []
    for _, parts in sorted(by_line.items()):
        line = ""
        for column, run in sorted(parts):
            line = line.ljust(column) + run
        lines.append(line.replace("\xa0", " ").rstrip())
    return lines


@pytest.mark.parametrize("args", [
    ["summary", "specs/mnist_gru.yaml"],
    ["summary", "specs/pytorch_imdb_lstm.yaml", "--batch", "4"],
    ["summary", "examples/translator.pt"],
    ["layer", "gru", "--units", "75", "--input-dim", "28"],
    ["compare", "--units", "75", "--input-dim", "28"],
    ["solve", "gru", "--input-dim", "28", "--max-params", "1000000"],
])
def test_svg_holds_the_table_text(args, monkeypatch):
    monkeypatch.chdir(ROOT)
    lines = svg_lines(run(*args, "--format", "svg"))
    plain = [line.rstrip() for line in run(*args).splitlines()]
    if args[:2] == ["summary", "specs/mnist_gru.yaml"]:  # Rich's table; the plain one is drawn the same
        assert lines == plain
    else:
        assert [line for line in lines if line] == [line for line in plain if line]


def test_html_holds_the_table_text(monkeypatch):
    monkeypatch.chdir(ROOT)
    page = run("summary", "specs/mnist_gru.yaml", "--format", "html")
    assert page.startswith("<!DOCTYPE html>") and "Total params: " in re.sub(r"<[^>]+>", "", page)
    assert "color: #00af00" in page.lower() or "#00af00" in page.lower()  # Keras's green numbers, color(34)


def test_readme_picture_is_current(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert (ROOT / "docs" / "mnist_gru_summary.svg").read_text() == run("summary", "specs/mnist_gru.yaml", "-f", "svg")
    assert "![" in (ROOT / "README.md").read_text() and "docs/mnist_gru_summary.svg" in (ROOT / "README.md").read_text()


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing("Chromium is needed to open the SVG in a browser: apt-get install chromium")
    return found


def test_a_browser_lays_out_every_line(tmp_path):
    """Debian's Chromium, headless, opens a page holding the SVG; a script measures each text
    element as laid out (getComputedTextLength) and writes what it found into the page."""
    svg = (ROOT / "docs" / "mnist_gru_summary.svg").read_text()
    page = tmp_path / "page.html"
    page.write_text(f"""<!DOCTYPE html><html><body>{svg}<pre id="out"></pre><script>
const texts = [...document.querySelectorAll("svg text")].filter(t => t.textContent.trim() !== "");
const shown = texts.filter(t => t.getComputedTextLength() > 0).map(t => t.textContent);
document.getElementById("out").textContent = JSON.stringify({{texts: texts.length, shown}});
</script></body></html>""")
    done = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", "--dump-dom",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="out">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                        .replace("&gt;", ">"))
    text = "".join(result["shown"]).replace("\xa0", " ").replace("&nbsp;", " ")
    assert len(result["shown"]) == result["texts"] > 10  # every text element has a width on the page
    for expected in ('Model: "mnist_gru"', "gru (GRU)", "23,625", "Total params: 24,385 (95.25 KB)"):
        assert expected in text
