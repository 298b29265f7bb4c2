"""A PyTorch checkpoint (torch.save: .pt .pth .bin .ckpt) to its tensors' names, shapes and
dtypes, without torch and without running its pickle.

A small pickle interpreter builds only what `torch.load(weights_only=True)` allows in a
state_dict (dicts, lists, tuples, strings, numbers, tensors rebuilt by `torch._utils`) and
refuses any other global by name, before anything could call it. Only the index is read: the
pickle, the zip directory and, in a legacy file, the 8-byte header of each storage; never the
tensors' data. The layout comes from torch/serialization.py (`_save`, `_legacy_save`, `_load`,
`_legacy_load`) and torch/_utils.py (`_rebuild_tensor_v2`, `_rebuild_tensor_v3`)."""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib

from ..checkpoint import DTYPES, Tensor
from ..errors import SpecError, Where, fmt, shown
from ..files import open_regular, path_text
from ..limits import MAX_BYTES, MAX_DEPTH, MAX_INT, MAX_NODES, MAX_RANK, MAX_TENSORS
from .ziparchive import end_record

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # the first pickle of a legacy (pre-1.6) file
PROTOCOL_VERSION = 1001  # its second
# The entries of a training checkpoint that may hold the model's state_dict
MODEL_KEYS = ("state_dict", "model_state_dict", "model", "module", "net", "network")
# Entries a zip archive may hold besides its storages (data.pkl, version, byteorder, ...)
_OTHER_ENTRIES = 64
# Bytes of a zip's central directory: about 100 a storage, far more than any torch writes
_MAX_DIRECTORY = 2 * MAX_BYTES
_MAX_NAME = 1024  # a global's module or name, in a GLOBAL opcode's text line
_MAX_KEY_ITEMS = 8  # a tuple used as a dict key

# The legacy storage classes (torch/storage.py, `_dtype_to_storage_type_map`); since 2.0 a new
# dtype is saved as UntypedStorage (bytes) with the tensor's dtype in `_rebuild_tensor_v3`
STORAGE_DTYPES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool", "ComplexDoubleStorage": "complex128",
    "ComplexFloatStorage": "complex64", "QInt8Storage": "qint8", "QInt32Storage": "qint32",
    "QUInt8Storage": "quint8", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
    "UntypedStorage": "uint8",
}
_STORAGE_MODULES = ("torch", "torch.cuda", "torch.storage")
# torch.float32 and the like, pickled as the global `torch float32`
_DTYPE_NAME = re.compile(r"bool|bfloat16|u?int\d+|float\d+\w*|complex\d+|bits\w+|qu?int\w+")
# torch._utils rebuilds of tensors that are not plain dense ones
_OTHER_REBUILDS = {
    "_rebuild_qtensor": "quantized", "_rebuild_sparse_tensor": "sparse", "_rebuild_nested_tensor": "nested",
    "_rebuild_wrapper_subclass": "subclassed", "_rebuild_device_tensor_from_numpy": "device",
    "_rebuild_device_tensor_from_cpu_tensor": "device",
}
_PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


def read_tensors(path: str) -> tuple[list[Tensor], str | None]:
    """The tensors of the state_dict a torch.save file holds, in its order, and the key of the
    training-checkpoint entry that held them (None when the file is the state_dict itself)."""
    path = path_text(path)
    where = Where(path)
    with open_regular(path) as f:
        try:
            top, storage_bytes = _read_index(f, where)
        except OSError as e:
            raise SpecError(where, f"cannot be read: {e.strerror or e}") from None
    state, key = _choose(top, where)
    return _tensors(state, key, storage_bytes, where), key


def _read_index(f, where: Where):
    """The unpickled object and a function giving the bytes each storage holds in the file."""
    size = os.fstat(f.fileno()).st_size
    head = f.read(512)
    f.seek(0)
    if not head:
        raise SpecError(where, "is empty, not a PyTorch checkpoint")
    if head.startswith(b"PK"):
        return _read_zip(f, size, where)
    if head[257:262] == b"ustar":
        raise SpecError(where, "is a PyTorch checkpoint in the tar format of torch before 0.4, which gru-params does "
                               "not read; load it with that torch and save `model.state_dict()` again")
    return _read_legacy(f, size, where)


# --- the zip format (torch >= 1.6) -------------------------------------------------------------

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError,
               struct.error, OverflowError)


def _read_zip(f, size: int, where: Where):
    """`<prefix>/data.pkl` unpickled, each persistent id checked against `<prefix>/data/<key>`."""
    directory_end = _zip_bounds(f, where)
    try:
        archive = zipfile.ZipFile(f)
        entries = archive.infolist()
        members = {info.filename: info for info in entries}
        prefix = _zip_prefix(entries, members, where)
        pickled = _zip_member(archive, members[f"{prefix}/data.pkl"], where)
    except _ZIP_ERRORS as e:
        raise SpecError(where, f"is a damaged zip archive ({_reason(e)})") from None
    except OSError as e:  # a seek before the file's start, to an offset a damaged directory gives
        raise SpecError(where, f"is a damaged zip archive ({e.strerror or e})") from None

    def load_storage(pid) -> _Storage:
        stype, key, numel = _pid_fields(pid, 5)
        member = members.get(f"{prefix}/data/{key}")
        if member is None:
            raise SpecError(where, f"is damaged: its data.pkl refers to storage `data/{_name(key)}`, which the archive "
                                   "does not hold")
        if member.header_offset + member.compress_size > directory_end:
            raise SpecError(where, f"is damaged: its storage `data/{_name(key)}` reaches past the end of the "
                                   "archive's data")
        return _Storage(key, stype.dtype, numel)

    top = _unpickle(_Source(pickled), where, "its data.pkl", load_storage)
    return top, lambda key: members[f"{prefix}/data/{key}"].file_size


def _zip_bounds(f, where: Where) -> int:
    """The offset of the zip's central directory, once its size and number of entries, read
    from the end-of-archive record, are known to be within bounds (zipfile reads it whole)."""
    record = end_record(f)
    if record is None:
        raise SpecError(where, "is a truncated or damaged zip archive: its end-of-archive record is missing")
    if record.entries > MAX_TENSORS + _OTHER_ENTRIES or record.directory_size > _MAX_DIRECTORY:
        raise SpecError(where, f"is a zip archive of {record.entries:,} entries ({record.directory_size:,} bytes of "
                               f"directory), more than gru-params reads ({MAX_TENSORS:,} tensors)")
    return record.directory_at


def _zip_prefix(entries, members, where: Where) -> str:
    """The folder every entry is in: torch takes it from the first entry (the file's stem when
    it was written, or `archive`)."""
    first = entries[0].filename if entries else ""
    prefix = first.split("/", 1)[0] if "/" in first else ""
    if f"{prefix}/constants.pkl" in members:  # as torch.load tells them apart (`_is_torchscript_zip`)
        raise SpecError(where, "is a TorchScript model (torch.jit.save), not a state_dict; gru-params does not run "
                               "models: save `model.state_dict()` with torch.save and read that")
    if f"{prefix}/data.pkl" in members:
        return prefix
    raise SpecError(where, "is a zip archive without the `data.pkl` torch.save writes; not a PyTorch checkpoint")


def _zip_member(archive, info, where: Where) -> bytes:
    """A member's bytes, at most MAX_BYTES (its declared size is checked first, and the read is
    bounded in case the declaration lies)."""
    if info.file_size > MAX_BYTES:
        raise SpecError(where, f"has a data.pkl of {info.file_size:,} bytes, larger than {MAX_BYTES // 2**20} MiB, "
                               "gru-params's bound for a checkpoint's index")
    with archive.open(info) as member:
        data = member.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SpecError(where, f"has a data.pkl larger than {MAX_BYTES // 2**20} MiB")
    return data


def _reason(e: Exception) -> str:
    return str(e) or type(e).__name__


# --- the legacy format (torch < 1.6, or _use_new_zipfile_serialization=False) -----------------

def _read_legacy(f, size: int, where: Where):
    """Five pickles (magic number, protocol version, sys_info, the object, the storage keys), then
    each storage as an int64 count of its values and the values."""
    source = _Source(b"", f)
    try:  # a refused global still names itself: a plain pickle of an exploit is refused as one
        magic = _Unpickler(source, where, _no_storage).load()
    except _Damaged:
        magic = None
    if type(magic) is not int or magic != MAGIC_NUMBER:
        raise SpecError(where, "is not a PyTorch checkpoint: neither a zip archive (torch.save) nor a pickle that "
                               "starts with torch's magic number (torch.save, legacy format)")
    version = _unpickle(source, where, "its second pickle", _no_storage)
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise SpecError(where, f"is a legacy PyTorch checkpoint of format {shown(version)}; gru-params reads format "
                               f"{PROTOCOL_VERSION}")
    _unpickle(source, where, "its sys_info pickle", _no_storage)
    storages: dict[str, _Storage] = {}

    def load_storage(pid) -> _Storage:
        stype, key, numel = _pid_fields(pid, 6)
        # Later ids of the same storage reuse the first, as torch's `deserialized_objects` does
        storage = storages.setdefault(key, _Storage(key, stype.dtype, numel))
        if len(storages) > MAX_TENSORS:
            raise _Damaged(f"more than {MAX_TENSORS:,} storages")
        view = pid[5]
        return storage if view is None else _view(storage, view)

    top = _unpickle(source, where, "its pickle", load_storage)
    keys = _unpickle(source, where, "its list of storages", _no_storage)
    held = _legacy_storages(f, source.pos, size, keys, storages, where)
    return top, held.__getitem__


def _no_storage(pid):
    raise _Damaged("a persistent id outside the pickle of tensors")


def _view(storage: _Storage, view) -> _Storage:
    """A storage view of old torch: (view key, offset, size), in values of the storage."""
    if type(view) is not tuple or len(view) != 3:
        raise _Damaged(f"a storage view {shown(view)} that is not (key, offset, size)")
    _, offset, numel = view
    for value in (offset, numel):
        _check_int(value, "a storage view's offset and size")
    if offset + numel > storage.numel:
        raise _Damaged(f"a view of storage `{_name(storage.key)}` ending at value {offset + numel:,}, past its "
                       f"{storage.numel:,} values")
    return _Storage(storage.key, storage.dtype, numel, offset)


def _legacy_storages(f, at: int, size: int, keys, storages: dict, where: Where) -> dict[str, int]:
    """The bytes each storage holds, read from the int64 count before each one's data (never
    the data), checked against the pickle's persistent ids as torch's `_set_from_file` does."""
    if type(keys) is not list or any(type(k) is not str for k in keys):
        raise SpecError(where, f"is a damaged legacy PyTorch checkpoint: its list of storages is {shown(keys)}")
    held = {}
    for key in keys:
        storage = storages.get(key)
        if storage is None:
            raise SpecError(where, f"is a damaged legacy PyTorch checkpoint: it stores data for `{_name(key)}`, "
                                   "a storage no tensor uses")
        itemsize = DTYPES.get(storage.dtype)
        if itemsize is None:
            raise SpecError(where, f"holds storage `{_name(key)}` of dtype {storage.dtype}, which gru-params does "
                                   "not know")
        f.seek(at)
        header = f.read(8)
        count = int.from_bytes(header, "little") if len(header) == 8 else -1
        at += 8 + max(count, 0) * itemsize
        if count < 0 or at > size:
            raise SpecError(where, f"is truncated: storage `{_name(key)}` ends at byte {at:,}, past the end of the "
                                   f"file ({size:,} bytes)")
        if count != storage.numel:
            raise SpecError(where, f"says storage `{_name(key)}` has {storage.numel:,} values of {storage.dtype}, its "
                                   f"data holds {count:,}")
        held[key] = count * itemsize
    missing = next((k for k in storages if k not in held), None)
    if missing is not None:
        raise SpecError(where, f"is truncated or damaged: storage `{_name(missing)}` has no data in the file")
    return held


# --- what the pickle builds -----------------------------------------------------------------

class _Storage:
    """A persistent id: `numel` values of `dtype` (uint8 for UntypedStorage: its bytes), from
    value `offset` of the storage `key` (an old torch's storage view)."""

    __slots__ = ("key", "dtype", "numel", "offset")

    def __init__(self, key: str, dtype: str, numel: int, offset: int = 0):
        self.key, self.dtype, self.numel, self.offset = key, dtype, numel, offset

    def __repr__(self) -> str:
        return f"storage {self.key!r}"


class _Tensor:
    """A tensor as `_rebuild_tensor_v2` would make it: a view of a storage."""

    __slots__ = ("storage", "offset", "shape", "stride", "dtype")

    def __init__(self, storage, offset: int, shape: tuple, stride: tuple, dtype: str):
        self.storage, self.offset, self.shape, self.stride, self.dtype = storage, offset, shape, stride, dtype

    def __repr__(self) -> str:
        return f"tensor{fmt(self.shape)}"


class _Global:
    """An allowed global: a function the interpreter knows (`call`), or a type or dtype token."""

    __slots__ = ("name", "call")

    def __init__(self, name: str, call=None):
        self.name, self.call = name, call

    def __repr__(self) -> str:
        return self.name


class _StorageType(_Global):
    __slots__ = ("dtype",)

    def __init__(self, name: str, dtype: str):
        super().__init__(name)
        self.dtype = dtype


class _Dtype(_Global):
    __slots__ = ()


class _Damaged(Exception):
    """The pickle breaks a rule of the format; becomes a SpecError naming the file."""


class _Truncated(_Damaged):
    """The pickle ends before its STOP."""


class _TooLarge(_Damaged):
    """The pickle goes on past MAX_BYTES."""


# --- the pickle interpreter ------------------------------------------------------------------

class _Source:
    """A pickle's bytes: all at once (a zip's data.pkl), or a file read in growing chunks (a
    legacy file, whose tensor data follows its pickles and is never read). At most MAX_BYTES."""

    def __init__(self, data: bytes, file=None):
        self.data, self.pos, self.file = data, 0, file

    def ahead(self, pos: int, n: int) -> bytes:
        """The buffer, holding the `n` bytes from `pos` if the pickle has them: a legacy file is
        read further (doubling the buffer, so that its pickles cost few reads) when it does not."""
        end = min(pos + n, MAX_BYTES)
        if end > len(self.data) and self.file is not None:
            want = min(max(end, 2 * len(self.data), 65536), MAX_BYTES) - len(self.data)
            more = self.file.read(want)
            self.data += more
            if len(more) < want:
                self.file = None  # the file ends here
        return self.data

    def take(self, pos: int, n: int) -> bytes:
        data = self.ahead(pos, n)
        if pos + n > len(data):
            raise self.short()
        return data[pos:pos + n]

    def short(self) -> _Damaged:
        """The error for a read past the bytes there are: the file ends, or the bound does."""
        if len(self.data) >= MAX_BYTES:
            return _TooLarge()
        return _Truncated()


def _unpickle(source: _Source, where: Where, what: str, load_storage):
    """One pickle from `source` to the object it describes; a SpecError for a damaged pickle,
    or for a global a state_dict never holds."""
    try:
        return _Unpickler(source, where, load_storage).load()
    except _TooLarge:
        raise SpecError(where, f"has an index (the pickle) larger than {MAX_BYTES // 2**20} MiB, gru-params's bound "
                               "for a checkpoint's index") from None
    except _Truncated:
        raise SpecError(where, f"is truncated: {what} ends before its end") from None
    except _Damaged as e:
        raise SpecError(where, f"is damaged: {what} has {e}") from None


# The fixed-size arguments of the opcodes read inline, by opcode
_ARGUMENT_SIZES = {0x71: 1, 0x68: 1, 0x4B: 1, 0x58: 4, 0x8C: 1, 0x72: 4, 0x6A: 4, 0x4A: 4, 0x4D: 2}


class _Unpickler:
    """The opcodes torch.save writes (pickle protocols 2 to 5), building only plain data and
    what the allowed globals return. Bounded: nesting of MARKs, containers made or copied,
    tensors, bytes; the memo is a list, as every pickler numbers it 0, 1, 2, ..."""

    def __init__(self, source: _Source, where: Where, load_storage):
        self.source, self.where, self.load_storage = source, where, load_storage
        self.stack: list = []
        self.marks: list[list] = []
        self.memo: list = []
        self.made = 0  # containers made or copied, against MAX_NODES
        self.tensors = 0

    def load(self):
        try:
            return self._run()
        except (IndexError, struct.error):
            source = self.source  # its pos is the opcode's
            if source.pos >= len(source.data) or (
                    source.pos + 1 + _ARGUMENT_SIZES.get(source.data[source.pos], 0) > len(source.data)):
                raise source.short() from None  # the opcode or its argument past the end
            # popping an empty stack: cheaper to catch than to test at every opcode
            raise _Damaged(f"an opcode at byte {source.pos:,} that takes more values than were pushed") from None

    def _run(self):
        """The opcode loop; the frequent opcodes inline, in order of frequency in torch's pickles
        (as torch/_weights_only_unpickler.py does), the others in _OPS."""
        source, memo, marks = self.source, self.memo, self.marks
        data, pos, stack = source.data, source.pos, self.stack
        unpack_from = struct.unpack_from
        while True:
            if pos + 9 > len(data):  # an opcode and its longest fixed argument
                data = source.ahead(pos, 9)
            source.pos = pos  # where an error is reported, and where _OPS handlers read
            op = data[pos]
            pos += 1
            if op == 0x71:  # BINPUT
                if data[pos] == len(memo):
                    memo.append(stack[-1])
                else:
                    self.put(data[pos])
                pos += 1
            elif op == 0x68:  # BINGET
                stack.append(memo[data[pos]] if data[pos] < len(memo) else self.unset(data[pos]))
                pos += 1
            elif op == 0x4B:  # BININT1
                stack.append(data[pos])
                pos += 1
            elif op == 0x58 or op == 0x8C:  # BINUNICODE, SHORT_BINUNICODE
                if op == 0x58:
                    n = unpack_from("<I", data, pos)[0]
                    pos += 4
                else:
                    n = data[pos]
                    pos += 1
                stack.append(self.text(source.take(pos, n)))
                data, pos = source.data, pos + n
            elif op == 0x28:  # MARK
                if len(marks) >= MAX_DEPTH:
                    raise _Damaged(f"MARKs nested deeper than {MAX_DEPTH}")
                marks.append(stack)
                stack = self.stack = []
            elif op == 0x74:  # TUPLE
                items = self.pop_mark()
                stack = self.stack
                self.count()
                stack.append(tuple(items))
            elif op == 0x52:  # REDUCE
                args = stack.pop()
                stack[-1] = self.call(stack[-1], args)
            elif op == 0x86:  # TUPLE2
                self.count()
                stack[-2:] = [(stack[-2], stack[-1])]
            elif op == 0x85:  # TUPLE1
                self.count()
                stack[-1] = (stack[-1],)
            elif op == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif op == 0x89:  # NEWFALSE
                stack.append(False)
            elif op == 0x88:  # NEWTRUE
                stack.append(True)
            elif op == 0x4E:  # NONE
                stack.append(None)
            elif op == 0x51:  # BINPERSID
                stack.append(self.load_storage(stack.pop()))
            elif op == 0x94:  # MEMOIZE
                memo.append(stack[-1])
            elif op == 0x72:  # LONG_BINPUT
                self.put(unpack_from("<I", data, pos)[0])
                pos += 4
            elif op == 0x6A:  # LONG_BINGET
                index = unpack_from("<I", data, pos)[0]
                stack.append(memo[index] if index < len(memo) else self.unset(index))
                pos += 4
            elif op == 0x75:  # SETITEMS
                items = self.pop_mark()
                stack = self.stack
                self.set_items(stack[-1], items)
            elif op == 0x73:  # SETITEM
                value, key = stack.pop(), stack.pop()
                self.set_items(stack[-1], [key, value])
            elif op == 0x7D:  # EMPTY_DICT
                self.count()
                stack.append({})
            elif op == 0x5D:  # EMPTY_LIST
                self.count()
                stack.append([])
            elif op == 0x65:  # APPENDS
                items = self.pop_mark()
                stack = self.stack
                self.append_items(stack[-1], items)
            elif op == 0x61:  # APPEND
                value = stack.pop()
                self.append_items(stack[-1], [value])
            elif op == 0x87:  # TUPLE3
                self.count()
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif op == 0x4A:  # BININT
                stack.append(unpack_from("<i", data, pos)[0])
                pos += 4
            elif op == 0x4D:  # BININT2
                stack.append(unpack_from("<H", data, pos)[0])
                pos += 2
            elif op == 0x95:  # FRAME: a hint for buffering, which this reader does not need
                pos += 8
            elif op == 0x32:  # DUP: never written by Python's pickler, but a cheap way to fill memory
                stack.append(stack[-1])
            elif op == 0x2E:  # STOP
                source.pos = pos
                return stack.pop()
            else:
                handler = _OPS.get(op)
                if handler is None:
                    raise _Damaged(f"the opcode 0x{op:02x} at byte {pos - 1:,}, which torch.save never writes")
                source.pos = pos
                handler(self)
                data, pos, stack = source.data, source.pos, self.stack

    # helpers of the loop

    def count(self, n: int = 1) -> None:
        """Charge `n` made or copied items against MAX_NODES: a few bytes of pickle can make a
        container, or copy a large one from the memo."""
        self.made += n
        if self.made > MAX_NODES:
            raise _Damaged(f"more than {MAX_NODES:,} containers and items")

    def pop_mark(self) -> list:
        if not self.marks:
            raise _Damaged(f"an opcode at byte {self.source.pos:,} that ends a MARK, without a MARK")
        items, self.stack = self.stack, self.marks.pop()
        return items

    def text(self, raw: bytes) -> str:
        try:
            return str(raw, "utf-8")  # strict: a lone surrogate in a name would fail whoever prints it
        except UnicodeDecodeError:
            raise _Damaged(f"a string that is not UTF-8 at byte {self.source.pos:,}") from None

    def put(self, index: int) -> None:
        if index == len(self.memo):
            self.memo.append(self.stack[-1])
        elif index < len(self.memo):
            self.memo[index] = self.stack[-1]
        else:
            raise _Damaged(f"a memo index {index:,} out of order")

    def unset(self, index: int):
        raise _Damaged(f"a memo index {index:,} that was never set")

    def call(self, func, args):
        """REDUCE: `func(*args)` for an allowed function, by our own code for it."""
        if not isinstance(func, _Global) or func.call is None:
            raise _Damaged(f"a call of {_what(func)}, which is not a function a state_dict uses")
        if type(args) is not tuple:
            raise _Damaged(f"a call of `{func.name}` with {_what(args)} for its arguments")
        return func.call(self, args)

    def set_items(self, target, items: list) -> None:
        if type(target) is not dict:
            raise _Damaged(f"items set on {_what(target)}, which is not a dict")
        if len(items) % 2:
            raise _Damaged("a SETITEMS with a key and no value")
        for i in range(0, len(items), 2):
            target[_key(items[i])] = items[i + 1]

    def append_items(self, target, items: list) -> None:
        if type(target) is not list:
            raise _Damaged(f"items appended to {_what(target)}, which is not a list")
        target.extend(items)

    # the rarer opcodes, read through self.source

    def take(self, n: int) -> bytes:
        if n < 0:
            raise _Damaged(f"a string of negative length at byte {self.source.pos:,}")
        chunk = self.source.take(self.source.pos, n)
        self.source.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def sized(self, layout: str) -> int:
        return struct.unpack(layout, self.take(struct.calcsize(layout)))[0]

    def line(self) -> str:
        """The text up to the next newline, which a GLOBAL opcode ends its module and name with."""
        source = self.source
        data = source.ahead(source.pos, _MAX_NAME)
        end = data.find(b"\n", source.pos, source.pos + _MAX_NAME)
        if end < 0:
            raise _Damaged(f"a global at byte {source.pos:,} whose name does not end")
        text = self.text(data[source.pos:end])
        source.pos = end + 1
        return text

    def global_(self, module: str, name: str) -> None:
        self.stack.append(_allowed(module, name, self.where))

    def build(self) -> None:
        state = self.stack.pop()
        target = self.stack[-1]
        # An OrderedDict's state is its attributes (a state_dict's `_metadata`), not its items
        if type(target) is not dict or not (state is None or type(state) in (dict, tuple)):
            raise _Damaged(f"a BUILD of {_what(target)} with {_what(state)}, which a state_dict's pickle never has")

    def new_object(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        name = cls.name if isinstance(cls, _Global) else None
        if name == "collections.OrderedDict" and args == ():
            self.count()
            self.stack.append({})
        elif name == "torch.nn.parameter.Parameter" and type(args) is tuple and args and type(args[0]) is _Tensor:
            self.stack.append(args[0])
        else:
            raise _Damaged(f"a NEWOBJ of {_what(cls)}, which a state_dict's pickle never has")


def _stack_global(u: _Unpickler) -> None:
    """STACK_GLOBAL: the module and name are the two strings on top of the stack."""
    name = u.stack.pop()
    module = u.stack.pop()
    if type(module) is not str or type(name) is not str:
        raise _Damaged(f"a STACK_GLOBAL of {_what(module)} and {_what(name)}, not two strings")
    u.global_(module, name)


def _inst(u: _Unpickler) -> None:
    """INST (protocol 0): a global called with the items since the MARK."""
    func = _allowed(u.line(), u.line(), u.where)
    args = tuple(u.pop_mark())
    u.stack.append(u.call(func, args))


def _made(u: _Unpickler, value) -> None:
    u.count()
    u.stack.append(value)


def _dict_from_mark(u: _Unpickler) -> None:
    """DICT (protocol 1): the keys and values since the MARK."""
    items = u.pop_mark()
    _made(u, {})
    u.set_items(u.stack[-1], items)


# The rarer opcodes: protocol 0 and 1 forms, bytes, Python 2 strings, globals, BUILD, NEWOBJ
_OPS = {
    0x80: lambda u: u.take(1),  # PROTO: any protocol a pickler may have used
    0x63: lambda u: u.global_(u.line(), u.line()),  # GLOBAL: "module\nname\n"
    0x93: _stack_global,
    0x69: _inst,
    0x62: _Unpickler.build,
    0x81: _Unpickler.new_object,
    0x8A: lambda u: u.stack.append(int.from_bytes(u.take(u.byte()), "little", signed=True)),  # LONG1
    0x47: lambda u: u.stack.append(u.sized(">d")),  # BINFLOAT
    0x8D: lambda u: u.stack.append(u.text(u.take(u.sized("<Q")))),  # BINUNICODE8
    # BINSTRING, SHORT_BINSTRING: a Python 2 str, read as torch.load(encoding="latin1") does
    0x54: lambda u: u.stack.append(str(u.take(u.sized("<i")), "latin-1")),
    0x55: lambda u: u.stack.append(str(u.take(u.byte()), "latin-1")),
    0x42: lambda u: u.stack.append(u.take(u.sized("<I"))),  # BINBYTES
    0x43: lambda u: u.stack.append(u.take(u.byte())),  # SHORT_BINBYTES
    0x8E: lambda u: u.stack.append(u.take(u.sized("<Q"))),  # BINBYTES8
    0x6C: lambda u: _made(u, u.pop_mark()),  # LIST
    0x64: _dict_from_mark,  # DICT
    0x30: lambda u: u.stack.pop() if u.stack else u.pop_mark(),  # POP
    0x31: lambda u: u.pop_mark(),  # POP_MARK
}


def _key(key):
    """`key` if it can be a dict key here: a string, a number, None, or a short tuple of those.
    A long or nested tuple, or an int outside int64, would make hashing cost without bound."""
    kind = type(key)
    if kind in (str, bytes, bool, float) or key is None:
        return key
    if kind is int and -MAX_INT - 1 <= key <= MAX_INT:
        return key
    if kind is tuple and len(key) <= _MAX_KEY_ITEMS and all(
            type(k) in (str, bytes, bool, float, type(None)) or (type(k) is int and -MAX_INT - 1 <= k <= MAX_INT)
            for k in key):
        return key
    raise _Damaged(f"a dict key that is {_what(key)}")


# --- the allowed globals ---------------------------------------------------------------------

def _allowed(module: str, name: str, where: Where) -> _Global:
    """The token for the global `module.name` if a state_dict may hold it; else the SpecError
    that refuses the file, naming the global (nothing is ever imported or called)."""
    module = _PY2_MODULES.get(module, module)
    full = f"{module}.{name}"
    if full in _FUNCTIONS:
        return _Global(full, _FUNCTIONS[full])
    if full in _TYPES:
        return _Global(full)
    if module in _STORAGE_MODULES and name in STORAGE_DTYPES:
        return _StorageType(full, STORAGE_DTYPES[name])
    if module == "torch" and _DTYPE_NAME.fullmatch(name):
        return _Dtype(name)
    raise _refusal(module, name, where)


def _refusal(module: str, name: str, where: Where) -> SpecError:
    full = _name(f"{module}.{name}")
    if module == "torch._utils" and name in _OTHER_REBUILDS:
        return SpecError(where, f"holds a {_OTHER_REBUILDS[name]} tensor (`{full}`); gru-params reads dense tensors "
                                "only")
    if module.startswith(("torch", "__torch__")) and name.endswith("Storage"):
        return SpecError(where, f"holds a storage of type `{full}`, which gru-params does not know")
    advice = "gru-params does not run pickles: save `model.state_dict()` instead, with torch.save"
    if module.startswith(("torch.nn.", "__torch__")) or module == "__main__":
        return SpecError(where, f"holds a whole model (`{full}`, saved with torch.save(model)), not a state_dict; "
                                f"{advice}")
    if name[:1].isupper():  # a class: an object a state_dict never holds, most often the model
        return SpecError(where, f"holds a pickled `{full}`, a Python object rather than tensors (a whole model saved "
                                f"with torch.save(model)?); {advice}")
    return SpecError(where, f"holds a pickled global `{full}`, which a state_dict never does; gru-params does not "
                            "run pickles, it reads only tensors, dicts, lists, strings and numbers")


def _pid_fields(pid, length: int):
    """A persistent id ("storage", storage type, key, location, numel[, view]) checked."""
    if type(pid) is not tuple or len(pid) != length or pid[0] not in ("storage", b"storage"):
        raise _Damaged(f"a persistent id {shown(pid)} that is not a storage's")
    _, stype, key, location, numel = pid[:5]
    if not isinstance(stype, _StorageType):
        raise _Damaged(f"a storage whose type is {_what(stype)}")
    if type(key) is bytes:  # a Python 2 pickle's str
        key = key.decode("latin-1")
    if type(key) is not str or type(location) not in (str, bytes):
        raise _Damaged(f"a storage persistent id {shown(pid)} without a key and a location")
    _check_int(numel, "a storage's size")
    return stype, key, numel


def _check_int(value, what: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_INT:
        raise _Damaged(f"{what} {shown(value)}, not a whole number within int64")
    return value


def _sizes(value, what: str) -> tuple[int, ...]:
    if type(value) not in (tuple, list) or len(value) > MAX_RANK:
        raise _Damaged(f"a tensor {what} {shown(value)}, not a tuple of at most {MAX_RANK} sizes")
    for v in value:
        if type(v) is not int or not 0 <= v <= MAX_INT:
            raise _Damaged(f"a tensor {what} {shown(value)}, not of whole numbers within int64")
    return tuple(value)


def _new_tensor(u: _Unpickler, storage, offset, size, stride, dtype: str | None = None) -> _Tensor:
    """What `_rebuild_tensor` makes of its arguments: checked here, measured against the
    storage once the tensor's name is known."""
    if type(storage) is not _Storage:
        raise _Damaged(f"a tensor whose storage is {_what(storage)}")
    shape, strides = _sizes(size, "size"), _sizes(stride, "stride")
    if len(shape) != len(strides):
        raise _Damaged(f"a tensor of size {shown(size)} and stride {shown(stride)}, not of the same length")
    u.tensors += 1
    if u.tensors > MAX_TENSORS:
        raise _Damaged(f"more than {MAX_TENSORS:,} tensors")
    return _Tensor(storage, _check_int(offset, "a tensor offset of"), shape, strides, dtype or storage.dtype)


def _arity(name: str, args: tuple, *counts: int) -> tuple:
    if len(args) not in counts:
        raise _Damaged(f"a call of `{name}` with {len(args)} arguments")
    return args


def _rebuild_tensor(u, args):  # (storage, storage_offset, size, stride)
    return _new_tensor(u, *_arity("_rebuild_tensor", args, 4))


def _rebuild_tensor_v2(u, args):  # (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    return _new_tensor(u, *_arity("_rebuild_tensor_v2", args, 6, 7)[:4])


def _rebuild_tensor_v3(u, args):  # v2's, then the dtype (the storage is untyped bytes), then metadata
    args = _arity("_rebuild_tensor_v3", args, 7, 8)
    if not isinstance(args[6], _Dtype):
        raise _Damaged(f"a `_rebuild_tensor_v3` whose dtype is {_what(args[6])}")
    return _new_tensor(u, *args[:4], args[6].name)


def _rebuild_meta(u, args):  # (dtype, size, stride, requires_grad): a tensor on the meta device, no data
    dtype, size, stride, _ = _arity("_rebuild_meta_tensor_no_storage", args, 4)
    if not isinstance(dtype, _Dtype):
        raise _Damaged(f"a meta tensor whose dtype is {_what(dtype)}")
    shape, strides = _sizes(size, "size"), _sizes(stride, "stride")
    u.tensors += 1
    if u.tensors > MAX_TENSORS:
        raise _Damaged(f"more than {MAX_TENSORS:,} tensors")
    return _Tensor(None, 0, shape, strides, dtype.name)


def _rebuild_parameter(u, args):  # (data, requires_grad, backward_hooks[, state]): the tensor is the data
    data = _arity("_rebuild_parameter", args, 3, 4)[0]
    if type(data) is not _Tensor:
        raise _Damaged(f"a parameter whose data is {_what(data)}")
    return data


def _rebuild_from_type_v2(u, args):  # (func, type, args, state): a tensor with Python attributes
    func, new_type, func_args, _ = _arity("_rebuild_from_type_v2", args, 4)
    if not (isinstance(func, _Global) and func.name in _TENSOR_FUNCTIONS and isinstance(new_type, _Global)
            and new_type.name in _TYPES and type(func_args) is tuple):
        raise _Damaged(f"a `_rebuild_from_type_v2` of {_what(func)} as {_what(new_type)}")
    return func.call(u, func_args)


def _ordered_dict(u, args):
    """`OrderedDict()`, or from a list of pairs as Python 2 pickled it: a plain dict (ordered)."""
    if args == ():
        u.count()
        return {}
    if len(args) != 1 or type(args[0]) not in (list, tuple):
        raise _Damaged(f"an OrderedDict of {_what(args)}")
    pairs = args[0]
    u.count(1 + len(pairs))
    result = {}
    for pair in pairs:
        if type(pair) not in (list, tuple) or len(pair) != 2:
            raise _Damaged(f"an OrderedDict item {shown(pair)} that is not a pair")
        result[_key(pair[0])] = pair[1]
    return result


def _size(u, args):  # torch.Size((2, 3))
    if len(args) != 1:
        raise _Damaged(f"a torch.Size of {len(args)} arguments")
    return _sizes(args[0], "size")


def _device(u, args):  # torch.device("cuda", 0) or torch.device("cpu")
    if not 1 <= len(args) <= 2 or type(args[0]) is not str or len(args[0]) > _MAX_NAME:
        raise _Damaged(f"a torch.device of {shown(args)}")
    if len(args) == 1:
        return args[0]
    return f"{args[0]}:{_check_int(args[1], 'a device index')}"


def _encode(u, args):
    """`_codecs.encode(text, "latin1")`: how protocol 2 pickles bytes. Only latin-1, so that no
    other codec is ever looked up."""
    if len(args) != 2 or type(args[0]) is not str or args[1] not in ("latin1", "latin-1", "latin_1"):
        raise _Damaged(f"an `_codecs.encode` of {shown(args)}, not of a string to latin-1")
    u.count(1 + len(args[0]) // 64)  # a copy: the text may come many times from the memo
    try:
        return args[0].encode("latin-1")
    except UnicodeEncodeError:
        raise _Damaged("an `_codecs.encode` of text that is not latin-1") from None


def _not_callable(u, args):
    raise _Damaged("a call of a type")


_TENSOR_FUNCTIONS = {
    "torch._utils._rebuild_tensor": _rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
    "torch._utils._rebuild_meta_tensor_no_storage": _rebuild_meta,
}
_FUNCTIONS = {
    **_TENSOR_FUNCTIONS,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    "collections.OrderedDict": _ordered_dict,
    "torch.Size": _size,
    "torch.device": _device,
    "_codecs.encode": _encode,
}
# Types that only appear as arguments (`_rebuild_from_type_v2`, NEWOBJ), never called
_TYPES = {"torch.Tensor", "torch.nn.parameter.Parameter"}


# --- the state_dict --------------------------------------------------------------------------

def _choose(top, where: Where) -> tuple[dict, str | None]:
    """The state_dict: the object itself, or the one entry of a training checkpoint among
    MODEL_KEYS that holds a dict of tensors."""
    if type(top) is not dict:
        raise SpecError(where, f"holds {_what(top)}, not a state_dict (a dict of named tensors); save "
                               "`model.state_dict()` with torch.save")
    if _problem(top) is None:
        return top, None
    found = [k for k in MODEL_KEYS if type(top.get(k)) is dict]
    tensors = [k for k in found if _problem(top[k]) is None]
    if len(tensors) > 1 and any(top[k] is not top[tensors[0]] for k in tensors):
        raise SpecError(where, f"holds several state_dicts ({_keys(tensors)}); its keys are {_keys(list(top))}; "
                               "gru-params cannot tell which to read: save one with torch.save")
    if tensors:
        return top[tensors[0]], tensors[0]
    if len(found) == 1:
        problem = _problem(top[found[0]])
        raise SpecError(where, f"holds a checkpoint whose `{found[0]}` is not a state_dict: {problem}")
    raise SpecError(where, f"holds a dict that is not a state_dict ({_problem(top)}) and none of its keys "
                           f"({_keys(list(top))}) is one of {_keys(MODEL_KEYS)} holding one")


def _problem(state: dict) -> str | None:
    """Why `state` is not a state_dict (a flat dict of tensors named by strings), or None."""
    for key, value in state.items():
        if type(key) is not str:
            return f"its key {shown(key)} is not a string"
        if type(value) is not _Tensor:
            return f"`{_name(key)}` holds {_what(value)}, not a tensor"
    return None


def _tensors(state: dict, entry: str | None, storage_bytes, where: Where) -> list[Tensor]:
    """The state_dict's tensors in its order; a tied weight (two names, one view of one storage:
    the same offset, shape and stride) is the same tensor as the name it first had."""
    first: dict[tuple, str] = {}
    out = []
    for name, tensor in state.items():
        t = _checked(name, tensor, entry, storage_bytes, where)
        if tensor.storage is not None:
            view = (tensor.storage.key, tensor.offset, tensor.shape, tensor.stride, tensor.dtype)
            owner = first.setdefault(view, name)
            t = t._replace(same_as=owner if owner != name else "")
        out.append(t)
    return out


def _checked(name: str, tensor: _Tensor, entry, storage_bytes, where: Where) -> Tensor:
    """The tensor, once its dtype is known and its storage holds every value it views."""
    label = _name(f"{entry}.{name}" if entry else name)
    itemsize = DTYPES.get(tensor.dtype)
    if itemsize is None:
        raise SpecError(where, f"holds tensor `{label}` of dtype {_name(tensor.dtype)}, which gru-params does not know "
                               f"(it knows {', '.join(DTYPES)})")
    storage = tensor.storage
    if storage is not None:
        _check_storage(label, tensor, itemsize, storage_bytes(storage.key), where)
    return Tensor(name, tensor.shape, tensor.dtype)


def _check_storage(label: str, tensor: _Tensor, itemsize: int, held: int, where: Where) -> None:
    storage = tensor.storage
    storage_itemsize = DTYPES.get(storage.dtype, itemsize)
    claimed = (storage.offset + storage.numel) * storage_itemsize
    if claimed > held:
        raise SpecError(where, f"says tensor `{label}` has {storage.numel:,} values of {storage.dtype} in its storage "
                               f"`{_name(storage.key)}`, but the storage holds {held:,} bytes")
    if 0 in tensor.shape:
        return
    last = tensor.offset + sum((size - 1) * stride for size, stride in zip(tensor.shape, tensor.stride))
    end = (last + 1) * itemsize
    if end > storage.numel * storage_itemsize:
        raise SpecError(where, f"says tensor `{label}` of shape {fmt(tensor.shape)} (offset {tensor.offset:,}, "
                               f"stride {fmt(tensor.stride)}) reaches byte {end:,} of its storage "
                               f"`{_name(storage.key)}`, which holds {storage.numel * storage_itemsize:,}")


def _what(value) -> str:
    """A value as a message names it: `a dict of 3 entries`, `an integer`."""
    kind = type(value)
    if kind is _Tensor:
        return f"a tensor of shape {fmt(value.shape)}"
    if kind is dict:
        return f"a dict of {_plural(len(value), 'entry', 'entries')}"
    if kind in (list, tuple):
        return f"a {kind.__name__} of {_plural(len(value), 'item', 'items')}"
    if isinstance(value, _Global):
        return f"`{value.name}`"
    names = {str: "a string", bytes: "bytes", bool: "a boolean", int: "an integer", float: "a number",
             type(None): "None", _Storage: "a storage (a tensor's raw data)"}
    return names.get(kind, kind.__name__)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _keys(keys) -> str:
    shown_keys = ", ".join(f"`{_name(k)}`" if type(k) is str else shown(k) for k in keys[:12])
    return shown_keys + (f" and {len(keys) - 12:,} more" if len(keys) > 12 else "")


def _name(text: str) -> str:
    """A name from the file, short enough for a one-line message."""
    return text if len(text) <= 120 else text[:117] + "..."
