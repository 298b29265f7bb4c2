"""What a model costs to run and to train, from the same shapes as its count (pure): the
multiply-accumulates of a forward pass over a batch and a sequence (`macs`), and the bytes of
weights, gradients, optimizer state and activations (`memory`). Issue 13; not yet on the CLI."""
