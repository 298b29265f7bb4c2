"""The bytes a model's parameters need to run and to train: the weights, their gradients and
the optimizer's state, from the parameter counts alone (pure).

The convention, checked against real torch optimizers in tests/test_cost_memory.py:

- weights: every parameter, in its dtype.
- gradients: every trainable parameter, in the parameters' dtype (`p.grad` is the
  parameter's dtype in torch; a frozen parameter's `grad` stays None).
- optimizer: the per-parameter state tensors the PyTorch optimizer keeps after one `step()`,
  each the parameter's shape (the scalar `step` counters are not counted): `OPTIMIZERS`.
  A frozen parameter has none, as when only the trainable parameters are given to the
  optimizer (the usual recipe; torch's Adagrad, unlike the others, allocates its `sum` at
  construction for every parameter it is given, frozen or not).
  The states are in the parameters' dtype, except under float16 and bfloat16, where they are
  counted in float32, as mixed-precision training keeps them (the optimizer steps fp32 master
  copies of the parameters). Plain torch does not: `torch.optim.Adam` on a float16 parameter
  keeps float16 `exp_avg` and `exp_avg_sq` (`torch.zeros_like(p)`). The fp32 master weights
  themselves (4 bytes a parameter) are not counted.
- int8: the memory to run a quantized model. torch gives no gradient to an integer tensor
  (`requires_grad` needs a floating or complex dtype), so int8 weights
  have no gradient and no optimizer state, and asking for an optimizer with trainable int8
  weights is an ArgumentError (use `none`, or train in a float dtype).

- activations: the tensors a training step keeps for backward, an estimate from the layers'
  shapes (cost/model.py, the rules in layers/costs.py), given by the caller; None (not known,
  and not in the total) for a checkpoint, which has no shapes.
"""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple

from ..checkpoint import DTYPES, FLOATING
from ..errors import ArgumentError, closest, shown

# Per-parameter state tensors each torch optimizer keeps after one step() (torch/optim/*.py;
# every optimizer also keeps a scalar `step` but SGD):
#   adam, adamw: exp_avg, exp_avg_sq (amsgrad=True adds max_exp_avg_sq)
#   momentum (SGD, momentum > 0): momentum_buffer
#   rmsprop: square_avg (centered=True adds grad_avg; momentum > 0 adds a momentum_buffer,
#            which is not modelled)
#   adagrad: sum
#   sgd (momentum 0) and none: nothing
OPTIMIZERS = {"none": 0, "sgd": 0, "momentum": 1, "adam": 2, "adamw": 2, "rmsprop": 1, "adagrad": 1}

# The options that add one state tensor, and the optimizers that have them
OPTIONS = {"amsgrad": ("adam", "adamw"), "centered": ("rmsprop",)}

# The dtypes to ask for (a checkpoint's weights may also be in its other floating dtypes)
CHOICES = ("float32", "float16", "bfloat16", "float64", "int8")
MIXED = frozenset({"float16", "bfloat16"})  # optimizer state counted in float32


class Memory(NamedTuple):
    """Bytes, in the order of the JSON `memory` object."""

    weights: int
    gradients: int
    optimizer: int
    activations: int | None  # None: not known, and not in the total
    total: int


def memory(weights: Iterable[tuple[int, bool]], dtype: str = "float32", optimizer: str = "adam",
           *, amsgrad: bool = False, centered: bool = False) -> Memory:
    """The bytes of `weights`, given as (number of values, trainable) pairs, all in `dtype`,
    trained with `optimizer` (a name in OPTIMIZERS; `amsgrad` for adam/adamw and `centered`
    for rmsprop each add one state tensor, as in torch).

    Raises `ArgumentError` for an unknown dtype or optimizer (naming the closest choice), an
    option the optimizer does not have, and an optimizer with trainable int8 weights.
    """
    checked_dtype(dtype)
    return _memory(((numel, trainable, dtype) for numel, trainable in weights),
                   optimizer, amsgrad=amsgrad, centered=centered)


def checked_dtype(dtype) -> str:
    """`dtype` if it is one of CHOICES; else an ArgumentError naming the closest."""
    if not isinstance(dtype, str) or dtype not in CHOICES:
        raise ArgumentError(f"expected one of {', '.join(CHOICES)} for `dtype`, got {shown(dtype)}"
                            f"{closest(dtype, CHOICES)}")
    return dtype


def memory_of_summary(summary, dtype: str | None = None, optimizer: str = "adam",
                      *, amsgrad: bool = False, centered: bool = False, activations: int | None = None) -> Memory:
    """The bytes of a `Summary`'s weights (each counted once, trainable as the summary says).
    With `dtype` None, each weight is in its stored dtype where it has one (a checkpoint's),
    else in float32; otherwise every weight is in `dtype`. `activations` (bytes) is added
    as given."""
    weights = [(w, math.prod(w.shape)) for r in summary.rows for w in r.weights]
    if dtype is not None:
        m = memory(((n, w.trainable) for w, n in weights), dtype, optimizer, amsgrad=amsgrad, centered=centered)
    else:
        m = _memory(((n, w.trainable, w.dtype or "float32") for w, n in weights),
                    optimizer, amsgrad=amsgrad, centered=centered)
    return m if activations is None else m._replace(activations=activations, total=m.total + activations)


def _memory(weights, optimizer: str, *, amsgrad: bool, centered: bool) -> Memory:
    """`weights` as (number of values, trainable, dtype) triples, the dtype a torch name."""
    states = _states(optimizer, amsgrad=amsgrad, centered=centered)
    stored = trained = state = 0
    for numel, trainable, dtype in weights:
        if isinstance(numel, bool) or not isinstance(numel, int) or numel < 0:
            raise ArgumentError(f"expected a number of values >= 0 for a weight, got {shown(numel)}")
        itemsize = DTYPES[dtype]
        stored += numel * itemsize
        if not trainable:
            continue
        if dtype not in FLOATING:
            if optimizer != "none":
                raise ArgumentError(f"{dtype} weights cannot be trained with `{optimizer}`: torch gives no "
                                    "gradient to an integer tensor; use the optimizer `none` for the memory "
                                    "to run the model, or a float dtype (float32, float16, bfloat16) to train it")
            continue  # no gradient either
        trained += numel * itemsize
        state += states * numel * _state_itemsize(dtype)
    return Memory(weights=stored, gradients=trained, optimizer=state, activations=None,
                  total=stored + trained + state)


def _states(optimizer: str, *, amsgrad: bool, centered: bool) -> int:
    """The number of per-parameter state tensors `optimizer` keeps with these options."""
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ArgumentError(f"expected one of {', '.join(OPTIMIZERS)} for `optimizer`, got {shown(optimizer)}"
                            f"{closest(optimizer, OPTIMIZERS)}")
    states = OPTIMIZERS[optimizer]
    for option, value in (("amsgrad", amsgrad), ("centered", centered)):
        if not isinstance(value, bool):
            raise ArgumentError(f"expected true or false for `{option}`, got {shown(value)}")
        if value and optimizer not in OPTIONS[option]:
            raise ArgumentError(f"`{option}` is an option of {' and '.join(OPTIONS[option])}, "
                                f"not of `{optimizer}`")
        states += value
    return states


def _state_itemsize(dtype: str) -> int:
    """Bytes a value of optimizer state: float32 under float16 and bfloat16 (and a checkpoint's
    narrower floats, float8), complex64 under complex32, else the parameters' own dtype."""
    if dtype in MIXED or dtype.startswith("float8"):
        return 4
    return max(DTYPES[dtype], 8) if dtype.startswith("complex") else DTYPES[dtype]
