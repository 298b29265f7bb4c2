"""`check`'s reports: the table (Rich on a terminal, widths from the content in a log), JSON,
Markdown, JUnit XML and GitHub annotations. Never prints."""

from __future__ import annotations

from .cost import cost_dict


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
