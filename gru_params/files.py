"""Opening a user's file: regular files only (a FIFO would block, a device such as /dev/zero
would never end), read no further than a bound. Every reader opens files through here."""

from __future__ import annotations

import os
import stat

from .errors import ArgumentError, SpecError, Where, shown


def path_text(path) -> str:
    """A path (str, bytes or os.PathLike) as text; an error for anything else, and for a path
    that no file can have (a NUL character)."""
    try:
        text = os.fspath(path)
    except TypeError:
        raise ArgumentError(f"expected a file path (str or os.PathLike), got {shown(path)}") from None
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if "\0" in text:
        raise SpecError(Where(text.replace("\0", "\\0")), "is not a valid path: it holds a NUL character")
    return text


_NOT_REGULAR = ((stat.S_ISDIR, "is a directory, not a file"), (stat.S_ISFIFO, "is a FIFO (named pipe), not a file"),
                (stat.S_ISCHR, "is a device, not a file"), (stat.S_ISBLK, "is a device, not a file"),
                (stat.S_ISSOCK, "is a socket, not a file"))


def open_regular(path: str):
    """`path` opened for binary reading, if it is a regular file (after symlinks); else a
    SpecError. Opened without blocking, so that a FIFO is refused, not waited on."""
    where = Where(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise SpecError(where, "no such file") from None
    except IsADirectoryError:
        raise SpecError(where, "is a directory, not a file") from None
    except OSError as e:
        raise SpecError(where, f"cannot be read: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        for test, message in _NOT_REGULAR:
            if test(mode):
                raise SpecError(where, message)
        if not stat.S_ISREG(mode):
            raise SpecError(where, "is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str, limit: int, what: str) -> bytes:
    """At most `limit` bytes of a regular file; a SpecError naming `what` the file should be
    when it is larger."""
    try:
        with open_regular(path) as f:
            data = f.read(limit + 1)
    except OSError as e:  # read() on a file that vanished or a failing disk
        raise SpecError(Where(path), f"cannot be read: {e.strerror or e}") from None
    if len(data) > limit:
        raise SpecError(Where(path), f"is larger than {limit // 2**20} MiB; {what}")
    return data


def write_new(path: str, text: str) -> None:
    """`text` written to a new file at `path`: never over an existing file, nor through a
    symlink, even a dangling one (an exclusive create)."""
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        raise ArgumentError(f"{path}: is a folder; give the name of a new file")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise ArgumentError(f"{path}: the folder {folder} does not exist")
    try:
        with open(path, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise ArgumentError(f"{path}: exists; gru-params does not overwrite files (choose another --output)") from None
    except OSError as e:
        raise ArgumentError(f"{path}: cannot be written: {e.strerror or e}") from None
