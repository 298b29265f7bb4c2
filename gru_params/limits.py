"""The bounds every input is held to, so that time and memory stay bounded whatever a file
holds. One place for each; the README's "Bounds" section states them, and a test holds the
two together."""

MAX_BYTES = 16 * 1024 * 1024  # a spec, a saved model's config (.json, config.json, model_config)
MAX_DEPTH = 64  # nesting of mappings and lists, in a spec and in a saved config
MAX_NODES = 2_000_000  # values in a spec, counting every use of an alias
MAX_LAYERS = 20_000  # layers in a model, those inside wrappers and nested models included
MAX_TENSORS = 200_000  # weight tensors in a model
MAX_RANK = 32  # axes of a shape, and items of a list of sizes (target_shape, dims)
MAX_INT = 2**63 - 1  # any integer: sizes and counts fit in int64, as in every framework
MAX_INT_DIGITS = 30  # an integer literal longer than this is refused before it is read
MAX_NUM_LAYERS = 1_000  # PyTorch's and ONNX's num_layers
MAX_SIZES = 1_000  # sizes in a `compare --units` sweep
MAX_ARCHIVE_ENTRIES = 100_000  # files in a .keras archive
H5_SECONDS = 10  # reading an .h5 file's attributes (in a child process: HDF5 can hang on a damaged file)
H5_MEMORY = 1024 * 2**20  # the address space of that child; HDF5 reads a string whole before its size is known
# A .keras archive's model.weights.h5 compressed (Keras stores it as it is, read in place): read into
# that child's memory to check the stored shapes up to this size, and not checked past it
MAX_PACKED_WEIGHTS = 64 * 2**20
MAX_SAFETENSORS_HEADER = 100_000_000  # a .safetensors header: the format's own bound (MAX_HEADER_SIZE in its crate)
MAX_ONNX_BYTES = 2 * 2**30  # an .onnx file: protobuf's limit (a larger model keeps its weights in external data files)
