"""The errors a user can cause; the CLI catches the base class once and exits 2."""

from __future__ import annotations

from typing import NamedTuple

from .limits import MAX_INT


class GruParamsError(Exception):
    """Base class for every error caused by input, never by a bug. Its message is always
    one line: a line break or control character from the input is shown escaped."""

    def __init__(self, *args):
        super().__init__(*(one_line(a) if isinstance(a, str) else a for a in args))


def one_line(text: str) -> str:
    """`text` with line breaks and other unprintable characters escaped: `a\\nb`, `\\x01`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InternalError(GruParamsError):
    """A bug met while reading or counting one file of many: that file's error, so that the
    others are still reported."""


class ArgumentError(GruParamsError):
    """An argument with a value, name or combination that does not fit."""


def contained(path, work):
    """`work()`, with an unexpected failure (a bug) turned into an InternalError naming
    `path`: in a run over many files, one file must never hide the others' results."""
    try:
        return work()
    except GruParamsError:
        raise
    except Exception as e:  # noqa: BLE001 - the one place a bug becomes a file's error
        raise InternalError(f"{path}: internal error, please report it ({type(e).__name__}: {e})") from e


class Where(NamedTuple):
    """A place in a spec: file, 1-based line and column (0 when unknown), key path."""

    path: str
    line: int = 0
    column: int = 0
    key: str = ""

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        return f"{place}: {self.key}" if self.key else place


class SpecError(GruParamsError):
    """A spec file that cannot be read, parsed or validated; says where."""

    def __init__(self, where: Where, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = one_line(message)


def closest(name: str, choices) -> str:
    """A ` (did you mean `x`?)` suffix naming the closest choice, or '' (always for a name
    that is not text)."""
    import difflib  # only on the error path

    if not isinstance(name, str):
        return ""
    by_lower = {str(c).lower(): c for c in choices}
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean `{by_lower[match[0]]}`?)" if match else ""


def shown(value) -> str:
    """A short repr for messages, safe on huge or deeply shared values."""
    import reprlib  # only on the error path

    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxdict, r.maxstring, r.maxother = 2, 4, 4, 40, 40
    r.repr_int = _short_int
    return r.repr(value)


def _short_int(value: int, level: int = 0) -> str:
    """An integer in a message: whole when short, else its size (a huge one is never
    converted whole: Python refuses past 4,300 digits)."""
    if -10**30 < value < 10**30:
        return str(value)
    digits = int(abs(value).bit_length() * 0.30103) + 1
    return f"{'a negative ' if value < 0 else 'an '}integer of about {digits:,} digits"


def fmt(shape) -> str:
    """As Keras prints shapes: (None, 75), or [(None, 4), (None, 4)] for several."""
    if isinstance(shape, list):
        return "[" + ", ".join(fmt(s) for s in shape) + "]"
    return "(" + ", ".join(str(d) for d in shape) + ")"  # no trailing comma, as Keras


def positive_int(key: str, value, maximum: int = MAX_INT) -> int:
    """`value` if it is a whole number above zero and at most `maximum` (by default the int64
    limit of every framework's shapes), else an ArgumentError naming `key`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ArgumentError(f"expected a positive integer for `{key}`, got {shown(value)}")
    if value > maximum:
        limit = "the int64 limit of every framework" if maximum == MAX_INT else "gru-params's limit"
        raise ArgumentError(f"expected at most {maximum:,} for `{key}` ({limit}), got {shown(value)}")
    return value


def non_negative_int(key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        raise ArgumentError(f"expected an integer >= 0 for `{key}`, got {shown(value)}")
    return value


def boolean(key: str, value) -> bool:
    """`value` if it is True or False, else an ArgumentError naming `key`."""
    if not isinstance(value, bool):
        raise ArgumentError(f"expected true or false for `{key}`, got {shown(value)}")
    return value
