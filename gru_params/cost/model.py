"""What a whole model costs: the MACs of a forward pass over a batch (each row's, by the rule its
layer kind declares, layers/costs.py) and the memory to train it, at a sequence length, batch,
dtype and optimizer (pure)."""

from __future__ import annotations

from typing import NamedTuple

from ..checkpoint import DTYPES
from ..errors import ArgumentError, SpecError, positive_int
from ..infer import sequential_input, summarize
from .memory import Memory, checked_dtype, memory_of_summary


class ModelCost(NamedTuple):
    seq_len: int | None  # the length the MACs are for: given, or the input's own time axis
    batch: int
    macs: int | None  # None when a row's MACs are not known (`unknown` says which)
    unknown: tuple[str, ...]  # why the MACs are not known: the rows without them, "lambda (Lambda)", or the reason
    memory: Memory
    dtype: str | None  # None: each weight's stored dtype (a checkpoint's), float32 elsewhere
    optimizer: str

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else 2 * self.macs


def default_optimizer(dtype: str | None) -> str:
    """adam, or none for int8 (an integer weight has no gradient to train with)."""
    return "none" if dtype == "int8" else "adam"


def at_length(spec, seq_len: int | None):
    """`spec` with `seq_len` on the first axis of each input that leaves it free (null). An input
    whose first axis is fixed keeps it; a different `seq_len` is an error, as is one for a
    checkpoint, which has no input."""
    if seq_len is None:
        return spec
    seq_len = positive_int("seq_len", seq_len)
    if spec.summary is not None:
        raise ArgumentError(f"{spec.path} holds tensors, not layers: it has no input for --seq-len (MACs need a "
                            "model: a spec, or a saved Keras model)")

    def filled(shape: tuple, where) -> tuple:
        if not shape:
            raise SpecError(where, f"the input {list(shape)} has no time axis for --seq-len {seq_len}")
        if shape[0] is None:
            return (seq_len, *shape[1:])
        if shape[0] != seq_len:
            raise SpecError(where, f"the input {_shown(shape)} fixes the time axis at {shape[0]}, not --seq-len "
                                   f"{seq_len}; write `null` there to give the length on the command line")
        return shape

    if spec.inputs is not None:
        return spec._replace(inputs=tuple(i._replace(shape=filled(i.shape, i.where)) for i in spec.inputs))
    return spec._replace(input=filled(tuple(sequential_input(spec)), spec.where))


def _input_shapes(spec) -> list[tuple]:
    """Each input's per-sample shape (a Sequential model's, as its first layer may give it)."""
    return [i.shape for i in spec.inputs] if spec.inputs else [tuple(sequential_input(spec))]


def _free_length(spec) -> bool:
    return any(s and s[0] is None for s in _input_shapes(spec))


def _shown(shape) -> str:
    return "[" + ", ".join("null" if d is None else str(d) for d in shape) + "]"


TOKEN_READERS = frozenset({"Embedding", "ReversibleEmbedding", "TextVectorization"})


def time_axis(spec) -> int | None:
    """The input's own length: the first axis of the (first) input, fixed, when the input is
    plainly a sequence: of vectors (time, features), or of tokens that an embedding reads
    first. Not for more axes, which may as well be an image's (height, width, channels)."""
    shape = _input_shapes(spec)[0]
    tokens = not spec.inputs and spec.layers and spec.layers[0].kind.class_name in TOKEN_READERS
    return shape[0] if shape and (len(shape) == 2 or (len(shape) == 1 and tokens)) and shape[0] is not None else None


def model_cost(spec, seq_len: int | None = None, batch: int = 1, dtype: str | None = None,
               optimizer: str | None = None):
    """The summary of `spec` at `seq_len` with each row's MACs for `batch` samples, and its
    `ModelCost`. A checkpoint (no layers, no shapes) gets its memory only, its MACs unknown."""
    batch = positive_int("batch", batch)
    if dtype is not None:
        checked_dtype(dtype)
    optimizer = default_optimizer(dtype) if optimizer is None else optimizer
    spec = at_length(spec, seq_len)  # refuses --seq-len for a checkpoint
    if spec.summary is not None:  # a checkpoint: its weights in their stored dtypes, no shapes
        summary, length, kept = spec.summary, seq_len, None
        unknown = ("a checkpoint holds tensors, not layers and shapes: its MACs need the model as a spec",)
    else:
        dtype = dtype or "float32"  # a model's weights have no stored dtype
        summary = summarize(spec, batch)
        length = seq_len if seq_len is not None else time_axis(spec)
        kept = activation_bytes(summary, dtype)
        unknown = tuple(f"{r.name} ({r.class_name})" for r in summary.rows if r.macs is None)
        if unknown and _free_length(spec):
            unknown = ("the input's time axis is free (null): give its length with --seq-len (compute.seq_len in "
                       "a spec)",)
    macs = None if unknown else sum(r.macs for r in summary.rows)
    memory = memory_of_summary(summary, dtype, optimizer, activations=kept)
    return summary, ModelCost(length, batch, macs, unknown, memory, dtype, optimizer)


def activation_bytes(summary, dtype: str, from_first_trainable: bool = True) -> int | None:
    """The bytes a training step keeps for backward: what each layer keeps (its kind's rule), in
    `dtype`, its indices as int64, from the first layer with trainable weights on (before it,
    nothing needs a gradient, so nothing is kept). None if a layer's is not known; 0 for int8,
    which is not trained."""
    if dtype == "int8":
        return 0
    total, training = 0, not from_first_trainable
    for row in summary.rows:
        training = training or row.trainable_params > 0
        if not training:
            continue
        if row.kept is None:
            return None
        total += row.kept[0] * DTYPES[dtype] + row.kept[1] * 8
    return total
