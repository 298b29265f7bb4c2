"""Argument checks: (key, value) -> the value as the layer keeps it, or an ArgumentError
naming the argument (Keras's wording: "expected a positive integer for `units`, got -5")."""

from __future__ import annotations

from ..errors import ArgumentError, closest, positive_int, shown
from ..limits import MAX_RANK


def anything(key, value):
    return value


def number(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ArgumentError(f"expected a number for `{key}`, got {shown(value)}")
    return value


def fraction(key, value):
    if number(key, value) < 0 or value > 1:
        raise ArgumentError(f"expected a number from 0 to 1 for `{key}`, got {shown(value)}")
    return value


def optional_int(key, value):
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ArgumentError(f"expected an integer or null for `{key}`, got {shown(value)}")


def optional_positive_int(key, value):
    return None if value is None else positive_int(key, value)


def integer(key, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError(f"expected an integer for `{key}`, got {shown(value)}")
    return value


def text(key, value):
    if not isinstance(value, str) or not value:
        raise ArgumentError(f"expected a name for `{key}`, got {shown(value)}")
    return value


def setting(key, value):
    """Initializers, regularizers, constraints: a name, a {class_name, config} mapping, or null."""
    if value is None or isinstance(value, (str, dict)):
        return value
    raise ArgumentError(f"expected a name, a mapping or null for `{key}`, got {shown(value)}")


# keras/src/activations/__init__.py, ALL_OBJECTS_DICT (a test compares with Keras)
ACTIVATIONS = frozenset(
    "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh "
    "leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink "
    "softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh "
    "tanh_shrink threshold".split()
)


def activation(key, value):
    if value is None or isinstance(value, dict) or (isinstance(value, str) and value in ACTIVATIONS):
        return value
    if isinstance(value, str):
        raise ArgumentError(f"unknown activation {value!r} for `{key}`{closest(value, ACTIVATIONS)}")
    raise ArgumentError(f"expected an activation name for `{key}`, got {shown(value)}")


def one_of(*choices):
    def check(key, value):
        if value in choices:
            return value
        names = ", ".join("null" if c is None else str(c) for c in choices)
        hint = closest(value, [c for c in choices if c]) if isinstance(value, str) else ""
        raise ArgumentError(f"expected one of {names} for `{key}`, got {shown(value)}{hint}")

    return check


def ints(n: int, minimum: int = 1):
    """A whole number or a list of `n` of them, each at least `minimum`: 3 -> (3,) * n."""

    def check(key, value):
        values = value if isinstance(value, list) else [value] * n
        if len(values) != n or any(isinstance(v, bool) or not isinstance(v, int) or v < minimum for v in values):
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise ArgumentError(f"expected {what} or a list of {n} for `{key}`, got {shown(value)}")
        return tuple(values)

    return check


def optional_ints(n: int, minimum: int = 1):
    inner = ints(n, minimum)
    return lambda key, value: None if value is None else inner(key, value)


def int_list(key, value):
    if not isinstance(value, list) or not 0 < len(value) <= MAX_RANK or any(
            isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise ArgumentError(f"expected a list of 1 to {MAX_RANK} integers for `{key}`, got {shown(value)}")
    return tuple(value)


def optional_ints_list(key, value):
    """An int or a list of ints, as a tuple (LayerNorm's normalized_shape), or None."""
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not 0 < len(values) <= MAX_RANK or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in values):
        raise ArgumentError(f"expected a positive integer or a list of 1 to {MAX_RANK} of them for `{key}`, "
                            f"got {shown(value)}")
    return tuple(values)


def axis_arg(key, value):
    return int_list(key, value) if isinstance(value, list) else integer(key, value)


def input_shape_arg(key, value):
    if not isinstance(value, list) or len(value) > MAX_RANK or any(
        v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0) for v in value
    ):
        raise ArgumentError(f"expected a list of at most {MAX_RANK} positive integers or nulls for `{key}`, "
                            f"got {shown(value)}")
    return tuple(value)
