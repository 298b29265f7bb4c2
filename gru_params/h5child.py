"""Reads an .h5 file's `model_config` and `keras_version` in a child process, for saved.py.

HDF5 is C code: a damaged file can crash it (a segmentation fault the fuzzer found) or make
it run without end, and a variable-length string's size is not known until it is read.
So the reading runs here, with its memory bounded (RLIMIT_AS) and its time bounded by the
parent, which turns a crash, a hang or an error into the file's one-line error. Only the
standard library and h5py are imported, so that it starts as fast as importing h5py.

    python h5child.py fd:N|PATH MAX_BYTES MAX_MEMORY   -> one JSON object on stdout

The parent passes the file it opened (and checked to be a regular file) as a descriptor;
where descriptors cannot be passed (Windows), its path.
"""

import json
import os
import sys


def read(source: str, limit: int) -> dict:
    try:
        import h5py
    except ImportError:
        return {"missing": "h5py"}
    try:
        f = os.fdopen(int(source[3:]), "rb") if source.startswith("fd:") else open(source, "rb")
        with f, h5py.File(f, "r") as h5:
            config, version = h5.attrs.get("model_config"), h5.attrs.get("keras_version")
    except MemoryError:
        return {"error": "MemoryError: an attribute too large to read"}
    # h5py reports a damaged file with whatever HDF5 and its own code raised (OSError,
    # KeyError, ValueError, TypeError, OverflowError, ...): each one is the file's fault
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}"}
    answer = {"version": version.decode("utf-8", "replace") if isinstance(version, bytes) else
              version if isinstance(version, str) else None}
    if config is None:
        return answer
    if not isinstance(config, (str, bytes)):  # numpy's bytes_ is bytes
        return {**answer, "config_type": type(config).__name__}
    if len(config) > limit:
        return {**answer, "config_size": len(config)}
    # bytes travel as latin-1 text (one character a byte); a str may hold lone surrogates,
    # which json escapes
    return {**answer, "config": config.decode("latin-1") if isinstance(config, bytes) else config,
            "bytes": isinstance(config, bytes)}


def main() -> None:
    source, limit, memory = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass  # no such limit here (Windows): the parent's time bound still holds
    sys.stdout.write(json.dumps(read(source, limit)))


if __name__ == "__main__":
    main()
