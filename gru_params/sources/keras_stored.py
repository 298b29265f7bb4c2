"""The weights a saved file stores beside its config, as shapes (their data is never read), and
the check that the config agrees with them, layer by layer.

An .h5 file and a .keras archive hold the weights themselves: a count of their config that
the stored tensors contradict would be a wrong number, so a disagreement is an error with one
line per layer. HDF5 is read by h5child.py in a child process, bounded in memory and time.

Where each Keras keeps them:
- legacy .h5 (Keras 1, 2 and 3, save_weights_to_hdf5_group): `model_weights/<layer name>`,
  with `layer_names` and each layer's `weight_names`;
- .keras (Keras 3 and tf_keras's saving_lib): `layers/<group>/...` in model.weights.h5, a
  group per layer of `model.layers`, named after its class and numbered by
  _save_container_state (`dense`, `dense_1`, ...), its sublayers' below it; Keras 3.6 and later
  also keep the layer's name on its `vars` group.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys

from .. import layers as registry
from ..conventions import keras_name
from .keras_legacy import numbers
from ..errors import GruParamsError, SpecError, Where, one_line
from ..files import open_regular
from ..limits import H5_MEMORY, H5_SECONDS, MAX_INT, MAX_LAYERS, MAX_PACKED_WEIGHTS, MAX_RANK, MAX_TENSORS

_CHILD = os.path.join(os.path.dirname(__file__), "h5child.py")
_SHOWN = 8  # shapes a message lists for one layer


class StoredWeightsError(SpecError):
    """A file whose config and stored weights disagree: one line for each layer they disagree on."""

    def __init__(self, path: str, lines: list[str]):
        super().__init__(Where(path), lines[0])
        self.lines = tuple(one_line(line) for line in lines)
        self.message = "\n".join(self.lines)

    def __str__(self) -> str:
        return "\n".join(f"{self.where}: {line}" for line in self.lines)


def run_child(mode: str, path: str, f, limit: int, damaged: str) -> dict:
    """h5child.py's answer on the file `f` opened at `path`; a SpecError, which `damaged` begins,
    where the child crashes, hangs or reports an error of HDF5's."""
    posix = os.name == "posix"
    command = [sys.executable, _CHILD, mode, f"fd:{f.fileno()}" if posix else path,
               *map(str, (limit, H5_MEMORY, MAX_LAYERS, MAX_TENSORS, MAX_RANK))]
    try:
        done = subprocess.run(command, capture_output=True, timeout=H5_SECONDS, pass_fds=(f.fileno(),) if posix
                              else (), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SpecError(Where(path), f"{damaged} (reading it did not end in {H5_SECONDS} s)") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if done.returncode != 0 or not isinstance(answer, dict):
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
        raise SpecError(Where(path), f"{damaged} (the HDF5 library stopped with {how} reading it)")
    if "error" in answer:
        text = str(answer["error"])
        raise SpecError(Where(path), f"{damaged} ({text if len(text) < 100 else text[:100] + '...'})")
    return answer


def cross_check(spec, path: str, version: str | None, h5: dict | None = None):
    """`spec`, the config of the file at `path`, once the weights the file stores agree with it:
    an .h5 file's, as h5child.py read them with its config (`h5`), or a .keras archive's, read
    here when h5py is installed (reading a .keras archive needs nothing more without it).
    Raises `StoredWeightsError`, a line a layer, where they disagree."""
    if h5 is not None:
        groups = _h5_layers(h5, path)
    elif path.lower().endswith(".keras") and importlib.util.find_spec("h5py") is not None:
        groups = _archive_groups(path)
    else:
        return spec
    if not any(shapes for _, _, shapes in groups):
        return spec  # saved without weights: nothing to check
    from ..infer import summarize

    try:
        rows = summarize(spec).rows
    except GruParamsError:
        return spec  # the summary says what is wrong, where the caller asks for it
    # Keras 1 stored some weights in other shapes (a GRU's nine tensors, Theano's kernels) that
    # Keras 2 converted as it loaded them: only their counts compare
    exact = h5 is None or _major(version) >= 2
    problems = disagreements(rows, _named(groups, rows), exact, _keras3_saves if h5 is None else _weights_of)
    if problems:
        raise StoredWeightsError(path, problems)
    return spec


def _major(version: str | None) -> int:
    return (numbers(version) or (1,))[0]  # Keras 1.0 and 1.1 wrote no version


# ---- what the child read, checked -----------------------------------------------------------

def _h5_layers(answer: dict, path: str) -> list:
    """[(layer name, label, shapes)] of an .h5 file's model_weights; [] where it has none."""
    if "weights_error" in answer:
        raise SpecError(Where(path), f"stores weights that Keras cannot have written ({answer['weights_error']})")
    return [(name, name, shapes) for name, shapes in _checked(answer.get("weights", []), 2, path)]


def _archive_groups(path: str) -> list:
    """[(layer name or None, group path, shapes)] of a .keras archive's model.weights.h5; [] where
    it has none, is compressed past MAX_PACKED_WEIGHTS, or h5py cannot be imported."""
    damaged = "has a damaged model.weights.h5"
    with open_regular(path) as f:
        answer = run_child("archive", path, f, MAX_PACKED_WEIGHTS, damaged)
    if "weights_error" in answer:
        raise SpecError(Where(path), f"{damaged} ({answer['weights_error']})")
    return [(name, group, shapes) for group, name, shapes in _checked(answer.get("layers", []), 3, path)]


def _checked(items, width: int, path: str) -> list:
    """The child's lists, each item's last member a list of shapes of int64 sizes."""
    def shape(s) -> bool:
        return isinstance(s, list) and all(isinstance(d, int) and 0 <= d <= MAX_INT for d in s)

    if not isinstance(items, list) or not all(
            isinstance(i, list) and len(i) == width and isinstance(i[-1], list) and all(map(shape, i[-1]))
            for i in items):
        raise SpecError(Where(path), "stores weights whose sizes are not 64-bit integers")
    return [(*i[:-1], [tuple(s) for s in i[-1]]) for i in items]


def _named(groups: list, rows) -> list:
    """[(layer name or None, label, shapes)]: a .keras group's layer is the name Keras 3.6 and
    later keep on it, else the one its group's name stands for in `model.layers`' order."""
    if all(name is not None for name, _, _ in groups):
        return groups
    by_group = _group_names(rows)
    return [(by_group.get(label.rpartition("/")[2]), label, shapes) for _, label, shapes in groups]


def _group_names(rows) -> dict:
    """Group -> layer name, as saving_lib's _save_container_state names the groups of
    `model.layers`: the class name in snake case, numbered from the second of a class on."""
    used: dict[str, int] = {}
    names = {}
    for row in rows:
        base = keras_name(row.class_name)
        n = used[base] = used.get(base, -1) + 1
        names[f"{base}_{n}" if n else base] = row.name
    return names


# ---- the comparison ---------------------------------------------------------------------------

def _weights_of(row) -> list:
    """The shapes of a layer's weights, as Keras 1, 2 and 3 store them in an .h5 file."""
    return [w.shape for w in row.weights]


def _keras3_saves(row) -> list:
    """The shapes of a layer's variables in a .keras archive: its weights, less the LoRA factors
    that Dense, EinsumDense and Embedding merge into their kernel as they save it (and set to
    zero as they load it: save_own_variables in keras/src/layers/core/dense.py, einsum_dense.py,
    embedding.py), and for each SpectralNormalization the kernel of the layer it wraps once more,
    which it keeps as its own variable too (normalization/spectral_normalization.py, build)."""
    shapes = [w.shape for w in row.weights if not w.name.rpartition("/")[2].startswith("lora_")]
    todo = [row]
    while todo:
        layer = todo.pop()
        if layer.class_name == "SpectralNormalization" and layer.children:
            shapes += [w.shape for w in layer.children[0].weights if w.name in ("kernel", "embeddings")]
        todo += layer.children
    return shapes


def _counted(row) -> bool:
    """Whether `row` holds a layer whose count its user gave (a custom layer, `--params`): its
    weights are that count, not shapes, so only counts compare."""
    todo = [row]
    while todo:
        layer = todo.pop()
        if layer.weights and layer.class_name not in _KNOWN:
            return True
        todo += layer.children
    return False


_KNOWN = {*registry.KINDS, *registry.KERAS2_KINDS}


def disagreements(rows, stored: list, exact: bool = True, saved=_weights_of) -> list[str]:
    """One line for each layer whose stored weights (`stored`: [(layer name, label, shapes)])
    differ from those of the config (the summary's `rows`, each stored as `saved` says): as
    multisets of shapes if `exact`, else in their count. Where stored weights belong to no layer
    of the config, the whole model is compared instead, in one line."""
    by_name = {row.name: row for row in rows}
    orphans = [label for name, label, shapes in stored if shapes and name not in by_name]
    if orphans:
        file_shapes = [s for _, _, shapes in stored for s in shapes]
        config_shapes = [s for row in rows for s in saved(row)]
        if _agree(file_shapes, config_shapes, exact and not any(map(_counted, rows))):
            return []  # the same weights, under names that cannot be matched to the config's
        return [f"the file stores weights under names that are not layers of the config ({_listed(orphans)}): "
                f"{_weights(file_shapes)} in all, the config gives {_weights(config_shapes)}"]
    kept: dict[str, list] = {}
    for name, _, shapes in stored:
        kept.setdefault(name, []).extend(shapes)
    problems = []
    for row in rows:
        file_shapes, config_shapes = kept.get(row.name, []), saved(row)
        if not _agree(file_shapes, config_shapes, exact and not _counted(row)):
            problems.append(f"layer {row.name}: the file stores {_weights(file_shapes)}, the config gives "
                            f"{_weights(config_shapes)}")
    return problems


def _agree(stored: list, config: list, exact: bool) -> bool:
    if exact:
        return sorted(map(tuple, stored)) == sorted(map(tuple, config))
    return _params(stored) == _params(config)


def _params(shapes) -> int:
    return sum(math.prod(s) for s in shapes)


def _weights(shapes: list) -> str:
    """`weights (28, 225), (75, 225), (2, 225) (23,625 params)`, or `no weights`."""
    if not shapes:
        return "no weights"
    shown = ", ".join(str(tuple(s)) for s in shapes[:_SHOWN])
    more = f" and {len(shapes) - _SHOWN:,} more" if len(shapes) > _SHOWN else ""
    params = _params(shapes)
    return f"weights {shown}{more} ({params:,} param{'' if params == 1 else 's'})"


def _listed(labels: list) -> str:
    return ", ".join(labels[:_SHOWN]) + (f" and {len(labels) - _SHOWN:,} more" if len(labels) > _SHOWN else "")
