"""Reads what an HDF5 file Keras wrote holds, in a child process, for keras.py and keras_stored.py:
a legacy .h5 file's `model_config` and `keras_version`, and the shapes (never the data) of the
weights an .h5 file or a .keras archive stores.

HDF5 is C code: a damaged file can crash it (a segmentation fault the fuzzer found) or make
it run without end, and a variable-length string's size is not known until it is read.
So the reading runs here, with its memory bounded (RLIMIT_AS) and its time bounded by the
parent, which turns a crash, a hang or an error into the file's one-line error. Only the
standard library and h5py are imported, so that it starts as fast as importing h5py.

    python h5child.py model FILE MAX_BYTES MAX_MEMORY MAX_LAYERS MAX_TENSORS MAX_RANK
        an .h5 file's attributes, and the shapes model_weights holds, layer by layer
    python h5child.py archive FILE MAX_PACKED MAX_MEMORY MAX_LAYERS MAX_TENSORS MAX_RANK
        the shapes in a .keras archive's model.weights.h5, group by group under `layers`

One JSON object goes to stdout. FILE is the file the parent opened (and checked to be a
regular file) passed as a descriptor, `fd:N`; where descriptors cannot be passed (Windows),
its path.
"""

import io
import json
import os
import sys
import zipfile


class Refused(Exception):
    """Stored weights that Keras cannot have written, or past a bound: said in one line."""


class Bounds:
    def __init__(self, layers: int, tensors: int, rank: int):
        self.layers, self.tensors, self.rank = layers, tensors, rank
        self.datasets = self.groups = 0

    def dataset(self, where: str, shape) -> list:
        self.datasets += 1
        if self.datasets > self.tensors:
            raise Refused(f"stores more than {self.tensors:,} weight tensors, gru-params's limit")
        if shape is None:  # h5py's Empty: a dataspace without a shape
            raise Refused(f"{where} is a dataset without a shape")
        if len(shape) > self.rank:
            raise Refused(f"{where} has {len(shape)} axes, more than {self.rank}")
        return [int(d) for d in shape]

    def group(self) -> None:
        self.groups += 1
        if self.groups > self.tensors:
            raise Refused(f"holds more than {self.tensors:,} groups of weights, gru-params's limit")


def _open(source: str):
    return os.fdopen(int(source[3:]), "rb") if source.startswith("fd:") else open(source, "rb")


def read_model(source: str, limit: int, bounds: Bounds) -> dict:
    """model.save('model.h5'): its attributes, and its weights' shapes by layer."""
    import h5py

    with _open(source) as f, h5py.File(f, "r") as h5:
        config, version = h5.attrs.get("model_config"), h5.attrs.get("keras_version")
        answer = {"version": version.decode("utf-8", "replace") if isinstance(version, bytes) else
                  version if isinstance(version, str) else None}
        if config is None:
            return answer  # weights only (save_weights): not a model
        if not isinstance(config, (str, bytes)):  # numpy's bytes_ is bytes
            return {**answer, "config_type": type(config).__name__}
        if len(config) > limit:
            return {**answer, "config_size": len(config)}
        # bytes travel as latin-1 text (one character a byte); a str may hold lone surrogates,
        # which json escapes
        answer.update(config=config.decode("latin-1") if isinstance(config, bytes) else config,
                      bytes=isinstance(config, bytes))
        try:
            weights = _model_weights(h5, h5py, bounds)
        except Refused as e:
            return {**answer, "weights_error": str(e)}
        return answer if weights is None else {**answer, "weights": weights}


def _model_weights(h5, h5py, bounds: Bounds) -> list | None:
    """[[layer name, [shape, ...]], ...] as Keras 1, 2 and 3's save_weights_to_hdf5_group
    wrote them (layer_names on the group, weight_names on each layer's group, a dataset at
    each weight name); None when the file holds no weights."""
    if h5.get("model_weights", getlink=True) is None:  # no link followed: it may lead out of the file
        return None
    group = _at(h5, "model_weights", h5py, "model_weights", h5py.Group)
    layers = []
    for name in _names(group, "layer_names", "model_weights", bounds.layers):
        where = f"model_weights/{name}"
        layer = _at(group, name, h5py, where, h5py.Group)
        shapes = []
        for weight in _names(layer, "weight_names", where, bounds.tensors):
            dataset = _at(layer, weight, h5py, f"{where}/{weight}", h5py.Dataset)
            shapes.append(bounds.dataset(f"{where}/{weight}", dataset.shape))
        layers.append([name, shapes])
    return layers


def _names(group, key: str, where: str, most: int) -> list[str]:
    """A list of names kept in attribute `key`, or, past HDF5's 64 KiB header, in `key0`,
    `key1`, ... (Keras's load_attributes_from_hdf5_group)."""
    if key in group.attrs:
        chunks = [group.attrs[key]]
    else:
        chunks = []
        while f"{key}{len(chunks)}" in group.attrs and len(chunks) <= most:
            chunks.append(group.attrs[f"{key}{len(chunks)}"])
        if not chunks:
            raise Refused(f"{where} has no `{key}` attribute")
    names = []
    for chunk in chunks:
        if getattr(chunk, "ndim", None) != 1:
            raise Refused(f"{where}: `{key}` is not a list of names")
        if chunk.size and chunk.dtype.kind not in "SUO":  # an empty list is saved as floats
            raise Refused(f"{where}: `{key}` holds {chunk.dtype} values, not names")
        try:
            names += [n.decode("utf-8") if isinstance(n, bytes) else n for n in chunk.tolist()]
        except UnicodeDecodeError:
            raise Refused(f"{where}: `{key}` holds a name that is not UTF-8") from None
        if len(names) > most:
            raise Refused(f"{where}: `{key}` names more than {most:,}, gru-params's limit")
    if not all(isinstance(n, str) and n for n in names):
        raise Refused(f"{where}: `{key}` holds something other than names")
    return names


def _at(group, path: str, h5py, where: str, kind):
    """The object at `path` below `group`, reached through hard links only (a soft or external
    link could lead out of the file), and of `kind`."""
    node = group
    for part in path.split("/"):
        link = node.get(part, getlink=True) if part not in ("", ".") and isinstance(node, h5py.Group) else None
        if not isinstance(link, h5py.HardLink):
            raise Refused(f"{where} is missing" if link is None else f"{where} is a link, not a stored weight")
        node = node[part]
    if not isinstance(node, kind):
        raise Refused(f"{where} is a {type(node).__name__.lower()}, not a {kind.__name__.lower()}")
    return node


def read_archive(source: str, packed: int, bounds: Bounds) -> dict:
    """The shapes in a .keras archive's model.weights.h5: an uncompressed member (as Keras
    writes it) read in place, through a window on the archive; a compressed one read into
    memory up to `packed` bytes, and left unchecked past that."""
    import h5py

    with _open(source) as f, zipfile.ZipFile(f) as archive:
        if "model.weights.h5" not in archive.NameToInfo:
            return {}  # saved without weights, or sharded: nothing to check
        info = archive.getinfo("model.weights.h5")
        if info.compress_type == zipfile.ZIP_STORED:
            data = _Window(f, _data_offset(f, info), info.file_size)
        elif info.file_size <= packed:
            with archive.open(info) as member:
                data = io.BytesIO(member.read(packed + 1))
        else:
            return {"packed": info.file_size}
        with h5py.File(data, "r") as h5:
            try:
                return {"layers": _layer_groups(h5, h5py, bounds)}
            except Refused as e:
                return {"weights_error": str(e)}


def _data_offset(f, info: zipfile.ZipInfo) -> int:
    """Where a member's bytes start: after its local header, whose name and extra field may
    differ in length from the central directory's."""
    f.seek(info.header_offset)
    header = f.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header of model.weights.h5")
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    if start + info.file_size > os.fstat(f.fileno()).st_size:
        raise zipfile.BadZipFile("model.weights.h5 runs past the end of the archive")
    return start


class _Window(io.RawIOBase):
    """Bytes start..start+size of a file, read in place, as h5py reads a file object."""

    def __init__(self, f, start: int, size: int):
        super().__init__()
        self.f, self.start, self.size, self.at = f, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.at = max(0, (0, self.at, self.size)[whence] + offset)
        return self.at

    def tell(self) -> int:
        return self.at

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self.size - self.at))
        self.f.seek(self.start + self.at)
        data = self.f.read(n) if n else b""
        buffer[:len(data)] = data
        self.at += len(data)
        return len(data)


def _layer_groups(h5, h5py, bounds: Bounds) -> list:
    """[[group path, layer name or None, [shape, ...]], ...]: each group under `layers` (Keras 3's
    saving_lib; `_layer_checkpoint_dependencies` in tf_keras 2.13), with every dataset below it,
    and the layer name Keras 3.6 and later keep on its `vars` group."""
    for top in ("layers", "_layer_checkpoint_dependencies"):
        if h5.get(top, getlink=True) is not None:
            root = _at(h5, top, h5py, top, h5py.Group)
            break
    else:
        return []
    groups = []
    for key in root:
        if len(groups) >= bounds.layers:
            raise Refused(f"{top} holds more than {bounds.layers:,} layers, gru-params's limit")
        where = f"{top}/{key}"
        group = _at(root, key, h5py, where, h5py.Group)
        groups.append([where, _vars_name(group, h5py), _shapes_below(group, where, h5py, bounds)])
    return groups


def _vars_name(group, h5py) -> str | None:
    link = group.get("vars", getlink=True)
    if not isinstance(link, h5py.HardLink) or not isinstance(group["vars"], h5py.Group):
        return None
    name = group["vars"].attrs.get("name")
    name = name.decode("utf-8") if isinstance(name, bytes) else name
    return name if isinstance(name, str) else None


def _shapes_below(group, where: str, h5py, bounds: Bounds, depth: int = 64) -> list:
    """The shape of every variable below `group` (its own, its wrapped layers', cells', nested
    models'), depth first."""
    shapes, todo = [], [(group, where, 0)]
    while todo:
        node, at, level = todo.pop()
        bounds.group()
        if level > depth:
            raise Refused(f"{at} nests deeper than {depth} levels")
        groups, variables = [], []
        for key in node:
            link = node.get(key, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise Refused(f"{at}/{key} is a link, not a stored weight")
            child = node[key]
            if isinstance(child, h5py.Group):
                groups.append((child, f"{at}/{key}", level + 1))
            elif not isinstance(child, h5py.Dataset):
                raise Refused(f"{at}/{key} is a {type(child).__name__.lower()}, not a stored weight")
            elif key.isascii() and key.isdigit():  # a variable, as Layer.save_own_variables numbers them
                variables.append(((len(key), key), bounds.dataset(f"{at}/{key}", child.shape)))
            else:  # state that is no weight: a lookup layer's idf_weights (index_lookup.py)
                bounds.dataset(f"{at}/{key}", ())
        shapes += [shape for _, shape in sorted(variables)]  # 0, 1, ..., 10 as Keras numbered them
        todo += reversed(groups)
    return shapes


def main() -> None:
    mode, source = sys.argv[1], sys.argv[2]
    limit, memory, layers, tensors, rank = (int(a) for a in sys.argv[3:8])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass  # no such limit here (Windows): the parent's time bound still holds
    try:
        import h5py  # noqa: F401 - only whether it is there
    except ImportError:
        answer = {"missing": "h5py"}
    else:
        bounds = Bounds(layers, tensors, rank)
        try:
            answer = (read_model if mode == "model" else read_archive)(source, limit, bounds)
        except MemoryError:
            answer = {"error": "MemoryError: an object too large to read"}
        # h5py and zipfile report a damaged file with whatever HDF5 and their own code raised
        # (OSError, KeyError, ValueError, TypeError, OverflowError, BadZipFile, ...): each one is
        # the file's fault
        except Exception as e:  # noqa: BLE001
            answer = {"error": f"{type(e).__name__}: {e}"}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
