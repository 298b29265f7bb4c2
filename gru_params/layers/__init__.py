"""Every layer a spec may use, registered once: its arguments, output shape and weights,
laid out by family as keras/src/layers/ lays them out (one module a family; the argument
checks, shape rules and the declaration's parts in their own modules). Adding a layer
touches one family module.

Shapes include the batch axis as None, as Keras prints them: (None, 28, 75). Each
`build` gets the layer's checked arguments, its input shape and a `nested` callback
that builds a wrapped layer (so that names and `trainable` are handled in one place,
in `infer`), and returns a `Built`. Shape rules follow each class's
`compute_output_shape` in keras/src/layers/.
"""

from ..errors import fmt
from . import (activations, attention, convolutional, core, keras2, merging, models, normalization, pooling,
               preprocessing, recurrent, regularization, reshaping)
from .base import BASE, REQUIRED, TENSOR, TENSORS, Built, Kind, W, registry
from .checks import ACTIVATIONS
from .recurrent import RECURRENT
from .shapes import fits
from .torch import TORCH_KINDS

__all__ = ["ACTIVATIONS", "BASE", "KERAS2_KINDS", "KERAS2_RECURRENT", "KINDS", "RECURRENT", "REGISTRIES", "REQUIRED",
           "TENSOR", "TENSORS", "TORCH_KINDS", "Built", "Kind", "W", "fits", "fmt"]

KINDS: dict[str, Kind] = registry(
    *recurrent.KINDS, *core.KINDS, *regularization.KINDS, *activations.KINDS, *reshaping.KINDS,
    *normalization.KINDS, *convolutional.KINDS, *pooling.KINDS, *merging.KINDS, *attention.KINDS, *models.KINDS,
    *preprocessing.KINDS,
)
# Keras's other names for the same classes (MaxPool1D, Convolution1D, ...): a saved file or a
# spec may use them; the layer is named and printed by its class
KINDS.update({alias: KINDS[name] for family in (convolutional, pooling, attention) for alias, name in family.ALIASES.items()})
KERAS2_KINDS: dict[str, Kind] = keras2.kinds(KINDS)
KERAS2_RECURRENT = keras2.RECURRENT  # what Bidirectional wraps in Keras 2: CuDNNLSTM and CuDNNGRU too

REGISTRIES = {"keras": KINDS, "keras2": KERAS2_KINDS, "pytorch": TORCH_KINDS}
