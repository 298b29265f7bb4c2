"""The inverse question (pure): the largest layer within a budget of parameters and of MACs.

A layer's count and MACs grow with its units, so the largest size within the budget is found
by doubling the size until it is over, then halving the interval: logarithmic in the answer,
each step one `count_layer`."""

from __future__ import annotations

from typing import NamedTuple

from .errors import ArgumentError, non_negative_int, positive_int
from .formulas import LayerCount, count_layer
from .limits import MAX_INT


class Solution(NamedTuple):
    """The largest units within the budget (None: not even the smallest size), its count (or
    the smallest size's), and the next size's; their MACs with a MACs budget."""

    units: int | None
    params: int
    next_units: int
    next_params: int
    macs: int | None = None
    next_macs: int | None = None
    count: LayerCount | None = None  # the answer's (or the smallest size's) layer
    tries: int = 0  # layers counted to find it


def solve_layer(kind: str, input_dim: int, *, max_params: int | None = None, max_macs: int | None = None,
                seq_len: int | None = None, batch: int = 1, multiple_of: int = 1, **options) -> Solution:
    """The largest `units`, a multiple of `multiple_of`, for which the layer (`count_layer`'s
    `options`: framework, num_layers, bidirectional, use_bias, reset_after, proj_size, ...)
    has at most `max_params` parameters and at most `max_macs` MACs over `seq_len` steps of
    `batch` samples. At least one budget is needed; `max_macs` needs `seq_len`.

    Raises `ArgumentError` for bad values and for a kind whose MACs are not counted.
    """
    if max_params is None and max_macs is None:
        raise ArgumentError("give a budget: `max_params`, or `max_macs` with `seq_len`")
    budgets = {key: non_negative_int(key, value) for key, value in (("max_params", max_params), ("max_macs", max_macs))
               if value is not None}
    step = positive_int("multiple_of", multiple_of)
    if max_macs is not None and seq_len is None:
        raise ArgumentError("`max_macs` needs `seq_len`: the MACs of a forward pass over that many steps")
    if seq_len is None and batch != 1:
        raise ArgumentError("`batch` applies only with `seq_len` (the MACs of a forward pass)")
    if seq_len is not None:
        from .cost.macs import layer_macs

        positive_int("seq_len", seq_len)
        positive_int("batch", batch)
    tried: dict[int, tuple] = {}

    def measure(units: int) -> tuple:
        if units not in tried:
            count = count_layer(kind, units, input_dim, **options)
            macs = layer_macs(count, seq_len, batch).macs if seq_len is not None else None
            tried[units] = (count, macs)
        return tried[units]

    def fits(units: int) -> bool:
        count, macs = measure(units)
        return count.params <= budgets.get("max_params", count.params) and (
            macs is None or macs <= budgets.get("max_macs", macs))

    proj = options.get("proj_size", 0) or 0
    smallest = (proj // step + 1) * step if proj else step  # torch: proj_size < hidden_size
    if not fits(smallest):
        return _solution(None, smallest, measure, tried)
    low, high = smallest, 2 * smallest  # low fits; find a high that does not
    while high <= MAX_INT and fits(high):
        low, high = high, 2 * high
    if high > MAX_INT:
        raise ArgumentError(f"the budget allows more than {low:,} units, past the int64 limit of every framework")
    while high - low > step:  # low fits, high does not; both multiples of step
        middle = low + (high - low) // (2 * step) * step
        low, high = (middle, high) if fits(middle) else (low, middle)
    return _solution(low, low + step, measure, tried)


def _solution(units: int | None, following: int, measure, tried: dict) -> Solution:
    """The answer and the next size; with no answer, the smallest size as both."""
    count, macs = measure(units if units is not None else following)
    next_count, next_macs = measure(following)
    return Solution(units, count.params, following, next_count.params, macs, next_macs, count, len(tried))


# ---- one integer argument of a spec ---------------------------------------------------------

MAX_SCAN = 4_096  # values a search that finds the count not monotone tries one by one
MAX_SCAN_LAYERS = 2_000_000  # and the layers it builds doing so, so that a large spec stays quick


class SpecSolution(NamedTuple):
    """The largest value of the varied argument within the budget (None: none), with the
    model's counts there and at the next value; whether the counts grew with the value
    everywhere the search looked, and, where they did not, every value within the budget up to
    `searched` (as (first, last) runs)."""

    value: int | None
    params: int | None
    next_value: int
    next_params: int | None  # None where the next value does not build (its error in `next_error`)
    macs: int | None = None
    next_macs: int | None = None
    monotone: bool = True
    feasible: tuple[tuple[int, int], ...] = ()
    searched: int = 0
    next_error: str = ""
    tries: int = 0


def _key_path(vary: str) -> list:
    """`layers[1].LSTM.units` as its keys and indices, as errors print key paths."""
    import re

    parts = []
    for piece in vary.split("."):
        match = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", piece)
        if not match:
            raise ArgumentError(f"expected a key path such as layers[1].LSTM.units for `vary`, got {vary!r}")
        parts.append(match.group(1))
        parts += [int(i) for i in re.findall(r"\[(\d+)\]", match.group(2))]
    return parts


def _replaced(node, path: list, value: int, vary: str):
    """The YAML tree with the integer at `path` replaced by `value`."""
    from .yamlnodes import Node, describe

    if not path:
        if isinstance(node.value, bool) or not isinstance(node.value, int):
            raise ArgumentError(f"`{vary}` is {describe(node)} in the spec, not an integer to vary")
        return node._replace(value=value)
    key, rest = path[0], path[1:]
    if isinstance(key, int):
        if not isinstance(node.value, list) or key >= len(node.value):
            raise ArgumentError(f"`{vary}` is not in the spec: no item {key} there")
        items = list(node.value)
        items[key] = _replaced(items[key], rest, value, vary)
        return Node(items, node.line, node.column, node.keys)
    if not isinstance(node.value, dict) or key not in node.value:
        raise ArgumentError(f"`{vary}` is not in the spec: no `{key}` there (write the argument in the spec first)")
    mapping = dict(node.value)
    mapping[key] = _replaced(mapping[key], rest, value, vary)
    return Node(mapping, node.line, node.column, node.keys)


def solve_spec(path: str, vary: str, *, max_params: int | None = None, max_macs: int | None = None,
               seq_len: int | None = None, batch: int = 1, multiple_of: int = 1) -> SpecSolution:
    """The largest value (a multiple of `multiple_of`) of the integer argument at key path
    `vary` (`layers[1].LSTM.units`) of the YAML spec at `path` for which the whole model has at
    most `max_params` parameters and `max_macs` MACs (over `seq_len` steps of `batch`
    samples). A value the model cannot be built with is over the budget.

    The search doubles the value until it is over the budget, then halves the interval. If the
    counts it saw do not grow with the value, it tries every value up to where it stopped (at
    most MAX_SCAN of them) and says so, with the values within the budget."""
    from .cost.model import model_cost
    from .errors import GruParamsError
    from .spec import from_node
    from .yamlnodes import parse, read_text

    if max_params is None and max_macs is None:
        raise ArgumentError("give a budget: `max_params`, or `max_macs` with `seq_len`")
    budgets = {key: non_negative_int(key, v) for key, v in (("max_params", max_params), ("max_macs", max_macs))
               if v is not None}
    step = positive_int("multiple_of", multiple_of)
    keys = _key_path(vary)
    root = parse(read_text(path), path)
    _replaced(root, keys, 1, vary)  # the argument is there, and an integer
    tried: dict[int, tuple] = {}

    def measure(value: int) -> tuple:
        """(params, macs, error) of the model with `value`."""
        if value not in tried:
            try:
                spec = from_node(_replaced(root, keys, value, vary), path)
                summary, cost = model_cost(spec, seq_len, batch)
                if "max_macs" in budgets and cost.macs is None:
                    raise ArgumentError("the MACs are not known: " + "; ".join(cost.unknown))
                tried[value] = (summary.total_params, cost.macs, "")
            except ArgumentError:
                raise
            except GruParamsError as e:
                tried[value] = (None, None, str(e))
        return tried[value]

    def fits(value: int) -> bool:
        params, macs, error = measure(value)
        return not error and params <= budgets.get("max_params", params) and (
            "max_macs" not in budgets or macs <= budgets["max_macs"])

    # Double the value while it fits, and past a value over the budget while the count falls
    # (the count may fall as the value grows: a wider kernel, a shorter output); stop at a value
    # over the budget whose count did not fall, or that does not build.
    low, high, previous = None, step, None
    while True:
        if high > MAX_INT:
            raise ArgumentError(f"the budget allows `{vary}` beyond {high // 2:,}, past the int64 limit")
        params, _, error = measure(high)
        if fits(high):
            low = high
        elif error or (previous is not None and params >= previous):
            break
        previous = params
        high *= 2
    monotone = _grows([(v, tried[v]) for v in sorted(tried)])
    if monotone and low is not None:
        while high - low > step:
            middle = low + (high - low) // (2 * step) * step
            low, high = (middle, high) if fits(middle) else (low, middle)
        monotone = _grows([(v, tried[v]) for v in sorted(tried)])
    feasible: tuple = ()
    searched = high
    if not monotone:
        values = range(step, high + 1, step)
        layers = len(root.value.get("layers").value) if isinstance(root.value, dict) and root.value.get("layers") \
            and isinstance(root.value["layers"].value, list) else 1
        if len(values) > MAX_SCAN or len(values) * layers > MAX_SCAN_LAYERS:
            raise ArgumentError(f"the model's count does not grow with `{vary}`, and trying the {len(values):,} values "
                                f"up to {high:,} one by one would build {len(values) * layers:,} layers, more than "
                                f"gru-params's limits ({MAX_SCAN:,} values, {MAX_SCAN_LAYERS:,} layers): give a larger "
                                "`multiple_of`")
        good = [v for v in values if fits(v)]
        feasible = _runs(good, step)
        low = good[-1] if good else None
    answer = low if low is not None else step
    params, macs, _ = measure(answer) if low is not None else (None, None, "")
    next_value = answer + step if low is not None else step
    next_params, next_macs, next_error = measure(next_value)
    if "max_macs" not in budgets:
        macs = next_macs = None
    return SpecSolution(low, params, next_value, next_params, macs, next_macs, monotone, feasible, searched,
                        next_error, len(tried))


def _grows(points: list) -> bool:
    """Whether params and MACs never fall as the value grows, among the values that build."""
    built = [(params, macs) for _, (params, macs, error) in points if not error]
    return all(a[0] <= b[0] and (a[1] is None or b[1] is None or a[1] <= b[1]) for a, b in zip(built, built[1:]))


def _runs(values: list, step: int) -> tuple:
    runs = []
    for v in values:
        if runs and v == runs[-1][1] + step:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    return tuple(map(tuple, runs))
