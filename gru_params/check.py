"""A spec's counts against its `expect` and `budget` blocks, file by file. Reads, never writes."""

from __future__ import annotations

import os
from typing import NamedTuple

from .errors import GruParamsError, SpecError, Where, closest, contained
from .infer import Summary, summarize
from .sources import load as load_spec
from .spec import ModelSpec


class Problem(NamedTuple):
    key: str  # "total_params", "layers.gru", "max_params"
    expected: int  # the expected count, or the budget
    actual: int | None  # None when the spec names a layer the model does not have
    where: Where  # the line in the spec that asked for it
    message: str


class CheckResult(NamedTuple):
    path: str
    summary: Summary | None  # None when the file is invalid
    problems: tuple[Problem, ...]
    error: GruParamsError | None
    warnings: tuple[str, ...] = ()  # what a saved file's reader took as given (ModelSpec.warnings)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems


def check_summary(spec: ModelSpec, s: Summary) -> tuple[Problem, ...]:
    """Every `expect` number that differs and every `budget` that is exceeded."""
    totals = {"total_params": s.total_params, "trainable_params": s.trainable_params,
              "non_trainable_params": s.non_trainable_params}
    rows = {}
    stack = list(s.rows)
    while stack:  # top-level layers, and the ones inside wrappers (forward_lstm, ...)
        row = stack.pop()
        rows.setdefault(row.name, row)
        stack.extend(row.children)
    problems = []
    for c in spec.expect:
        if c.key.startswith("layers."):
            name = c.key[len("layers."):]
            if name not in rows:
                problems.append(Problem(c.key, c.value, None, c.where,
                                        f"no layer named `{name}`{closest(name, rows)}"))
                continue
            actual = rows[name].params
        else:
            actual = totals[c.key]
        if actual != c.value:
            problems.append(Problem(c.key, c.value, actual, c.where, f"expected {c.value:,}, got {actual:,}"))
    for c in spec.budget:
        actual = s.total_params if c.key == "max_params" else s.trainable_params
        if actual > c.value:
            what = "total_params" if c.key == "max_params" else "trainable_params"
            problems.append(Problem(c.key, c.value, actual, c.where,
                                    f"{what} {actual:,} is over the budget of {c.value:,} by {actual - c.value:,}"))
    return tuple(problems)


def check_file(path: str, output_shapes: dict | None = None, params: dict | None = None) -> CheckResult:
    """One file checked; any failure, a bug included, is that file's error."""
    def work():
        spec = load_spec(path, output_shapes, params)
        s = summarize(spec)
        return CheckResult(path, s, check_summary(spec, s), None, spec.warnings)

    try:
        return contained(path, work)
    except GruParamsError as e:
        return CheckResult(path, None, (), e)


def spec_files(paths) -> list[str]:
    """Files as given; folders searched for *.yaml and *.yml (hidden folders skipped), sorted.
    A path that does not exist is kept, so that it is reported."""
    out = []
    for path in map(os.fspath, paths):
        if not os.path.isdir(path):
            out.append(path)
            continue
        found = []
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [os.path.join(root, f) for f in files if f.endswith((".yaml", ".yml"))]
        out += sorted(found)
    return out


def no_specs_error(paths) -> SpecError:
    return SpecError(Where(", ".join(map(os.fspath, paths))), "no *.yaml or *.yml spec files found")
