"""A spec's counts against its `expect` and `budget` blocks, file by file. Reads, never writes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from .errors import ArgumentError, GruParamsError, SpecError, Where, closest, contained
from .infer import Summary, summarize
from .sources import load as load_spec
from .spec import COST_BUDGETS, ModelSpec

if TYPE_CHECKING:
    from .cost.model import ModelCost

# A budget on the cost: what it limits, and that number of a ModelCost
_COST_LIMITS = {"max_macs": ("MACs", lambda c: c.macs), "max_flops": ("FLOPs", lambda c: c.flops),
                "max_weight_bytes": ("weight bytes", lambda c: c.memory.weights),
                "max_training_bytes": ("training bytes", lambda c: c.memory.total)}


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
    cost: ModelCost | None = None  # with a budget on compute or memory: at the spec's `compute`

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems


def check_summary(spec: ModelSpec, s: Summary, cost: ModelCost | None = None) -> tuple[Problem, ...]:
    """Every `expect` number that differs and every `budget` that is exceeded (those on compute
    and memory against `cost`, which they need)."""
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
        if c.key in COST_BUDGETS:
            what, number = _COST_LIMITS[c.key]
            actual = number(cost)
            if actual is None:
                raise SpecError(c.where, f"the MACs are not known, so `{c.key}` cannot be checked: "
                                         f"{'; '.join(cost.unknown)}")
        else:
            what = "total_params" if c.key == "max_params" else "trainable_params"
            actual = s.total_params if c.key == "max_params" else s.trainable_params
        if actual > c.value:
            problems.append(Problem(c.key, c.value, actual, c.where,
                                    f"{what} {actual:,} is over the budget of {c.value:,} by {actual - c.value:,}"))
    return tuple(problems)


def summary_and_cost(spec: ModelSpec) -> tuple[Summary, ModelCost | None]:
    """The summary, and the cost at the spec's `compute` when a budget needs it."""
    if not any(c.key in COST_BUDGETS for c in spec.budget):
        return summarize(spec), None
    from .cost.model import model_cost

    c = spec.compute
    if c is None:
        return model_cost(spec)
    try:
        return model_cost(spec, c.seq_len, c.batch, c.dtype, c.optimizer)
    except ArgumentError as e:  # the compute block contradicts the model (its length, an int8 optimizer)
        raise SpecError(c.where, str(e)) from None


def check_file(path: str, output_shapes: dict | None = None, params: dict | None = None) -> CheckResult:
    """One file checked; any failure, a bug included, is that file's error."""
    def work():
        spec = load_spec(path, output_shapes, params)
        s, cost = summary_and_cost(spec)
        return CheckResult(path, s, check_summary(spec, s, cost), None, spec.warnings, cost)

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
