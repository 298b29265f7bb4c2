"""`solve`'s answer (solve.py Solution) as text, Markdown and JSON. Never prints."""

from __future__ import annotations

from .layer import framework_title, layer_title


def solve_dict(s) -> dict:
    """{units, params, next_units, next_params}, and macs, next_macs with a MACs budget."""
    out = {"units": s.units, "params": s.params, "next_units": s.next_units, "next_params": s.next_params}
    if s.macs is not None:
        out.update(macs=s.macs, next_macs=s.next_macs)
    return out


def _budget(budgets: dict) -> str:
    parts = [f"{budgets['max_params']:,} parameters"] if "max_params" in budgets else []
    if "max_macs" in budgets:
        steps = f"{budgets['seq_len']:,} steps" if "seq_len" in budgets else "the spec's length"
        parts.append(f"{budgets['max_macs']:,} MACs ({steps}, batch {budgets['batch']:,})")
    return " and ".join(parts)


def _size(units: int, params: int, macs: int | None) -> str:
    return f"units {units:,}: {params:,} parameters" + (f", {macs:,} MACs" if macs is not None else "")


def solve_lines(s, budgets: dict) -> list[str]:
    """The answer's layer as its framework writes it, its count and the next size's."""
    c, within = s.count, _budget(budgets)
    if s.units is None:
        return [f"Not even the smallest, {layer_title(c)}, is within {within} ({framework_title(c)}):",
                f"  {_size(s.next_units, s.next_params, s.next_macs)}, over the budget"]
    return [f"The largest within {within}: {layer_title(c)} ({framework_title(c)})",
            f"  {_size(s.units, s.params, s.macs)}",
            f"  next, {_size(s.next_units, s.next_params, s.next_macs)}, over the budget"]


def solve_text(s, budgets: dict) -> str:
    return "\n".join(solve_lines(s, budgets)) + "\n"


def solve_markdown(s, budgets: dict) -> str:
    head, *rows = solve_lines(s, budgets)
    return "\n".join([f"**{head}**", "", *(f"- {row.strip()}" for row in rows)]) + "\n"


def spec_solve_dict(s, vary: str) -> dict:
    """{vary, value, params, next_value, next_params} (macs, next_macs with a MACs budget), and
    whether the count grew with the value; where it did not, the values within the budget."""
    out = {"vary": vary, "value": s.value, "params": s.params, "next_value": s.next_value,
           "next_params": s.next_params}
    if s.macs is not None or s.next_macs is not None:
        out.update(macs=s.macs, next_macs=s.next_macs)
    if s.next_error:
        out["next_error"] = s.next_error
    out["monotone"] = s.monotone
    if not s.monotone:
        out.update(feasible=[list(run) for run in s.feasible], searched_up_to=s.searched)
    return out


def _model_size(value, params, macs, error: str) -> str:
    if error:
        return f"{value:,}: the model does not build ({error})"
    return f"{value:,}: {params:,} parameters" + (f", {macs:,} MACs" if macs is not None else "")


def spec_solve_lines(s, vary: str, budgets: dict) -> list[str]:
    within = _budget(budgets)
    lines = []
    if not s.monotone:
        runs = ", ".join(f"{a:,}" if a == b else f"{a:,} to {b:,}" for a, b in s.feasible) or "none"
        lines += [f"The model's count does not grow with `{vary}`: every value up to {s.searched:,} was tried.",
                  f"Values within {within}: {runs}"]
    if s.value is None:
        return lines + [f"No value of `{vary}` is within {within}; the smallest,",
                        f"  {_model_size(s.next_value, s.next_params, s.next_macs, s.next_error)}"]
    return lines + [f"The largest `{vary}` within {within}:", f"  {_model_size(s.value, s.params, s.macs, '')}",
                    f"  next, {_model_size(s.next_value, s.next_params, s.next_macs, s.next_error)}"
                    + ("" if s.next_error else ", over the budget")]
