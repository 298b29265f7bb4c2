"""The errors a user can cause; the CLI catches the base class once and exits 2."""

from __future__ import annotations


class GruParamsError(Exception):
    """Base class for every error caused by input, never by a bug."""


class ArgumentError(GruParamsError):
    """An argument with a value, name or combination that does not fit."""


def closest(name: str, choices) -> str:
    """A ` (did you mean `x`?)` suffix naming the closest choice, or ''."""
    import difflib  # only on the error path

    match = difflib.get_close_matches(str(name).lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{match[0]}`?)" if match else ""


def positive_int(key: str, value) -> int:
    """`value` if it is a whole number above zero, else an ArgumentError naming `key`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ArgumentError(f"expected a positive integer for `{key}`, got {value!r}")
    return value


def boolean(key: str, value) -> bool:
    """`value` if it is True or False, else an ArgumentError naming `key`."""
    if not isinstance(value, bool):
        raise ArgumentError(f"expected true or false for `{key}`, got {value!r}")
    return value
