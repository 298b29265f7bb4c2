"""A zip archive's end record, read before zipfile reads the whole central directory, so that
a reader bounds the directory first (a .keras archive, a torch.save file)."""

from __future__ import annotations

import os
import struct
from typing import NamedTuple


class EndRecord(NamedTuple):
    entries: int
    directory_size: int
    directory_at: int


def end_record(f) -> EndRecord | None:
    """The end-of-archive record at the end of the open file `f` (the zip64 record where the
    32-bit fields are full, as torch writes past 4 GiB); None when the file has none, or the
    zip64 record it points to is missing."""
    size = f.seek(0, os.SEEK_END)
    tail_size = min(size, 22 + 65535 + 20)  # the end record, its comment, the zip64 locator before it
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    entries, directory_size, directory_at = struct.unpack("<10xHLL", tail[at:at + 20])
    if entries != 0xFFFF and directory_size != 0xFFFFFFFF and directory_at != 0xFFFFFFFF:
        return EndRecord(entries, directory_size, directory_at)
    locator = tail[at - 20:at] if at >= 20 else b""
    if not locator.startswith(b"PK\x06\x07"):
        return None
    (record_at,) = struct.unpack("<8xQ4x", locator)
    f.seek(record_at)
    record = f.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return None
    return EndRecord(*struct.unpack("<32xQQQ", record))
