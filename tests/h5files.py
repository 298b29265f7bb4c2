"""Legacy .h5 files written for the tests, laid out as Keras saves them."""


def write_model_weights(f, layers: dict) -> None:
    """`layers` (name -> [(weight name, shape)]) as the `model_weights` group of Keras's
    save_weights_to_hdf5_group (Keras 1.2.2 engine/topology.py, tf_keras saving/legacy):
    layer_names, each layer's weight_names, one float32 dataset a weight (its data unread)."""
    group = f.create_group("model_weights")
    group.attrs["layer_names"] = [name.encode() for name in layers]
    for name, weights in layers.items():
        layer = group.create_group(name)
        layer.attrs["weight_names"] = [w.encode() for w, _ in weights]
        for w, shape in weights:
            layer.create_dataset(w, shape, "f4")
