"""The command line: parse, call the library, print, choose the exit code. Nothing else."""

import enum
import gc
import os
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from . import formulas, render
from .conventions import CONVENTIONS
from .errors import ArgumentError, GruParamsError, SpecError, contained, positive_int, shown

EXIT_OK, EXIT_SHORT, EXIT_BAD_INPUT = 0, 1, 2

# Click's base class for usage errors. Typer vendors click and exports only a subclass,
# so take the base from that subclass rather than from a private module.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    svg = "svg"  # the table as Rich draws it on a terminal, as a picture
    html = "html"


def _echo(items: list, format: Format, title: str) -> None:
    """The table (plain text, or Rich renderables on a terminal), or its picture for svg/html."""
    if format in (Format.svg, Format.html):
        from .render.picture import picture

        typer.echo(picture(items, format.value, title), nl=False)
        return
    for item in items:
        if isinstance(item, str):
            typer.echo(item, nl=False)
        else:
            from rich.console import Console

            Console(highlight=False).print(item)


class CheckFormat(str, enum.Enum):
    table = "table"
    json = "json"
    junit = "junit"
    github = "github"
    markdown = "markdown"


# --framework choices: the conventions' keys (keras, pytorch, onnx, keras2-cudnn, flax)
Framework = enum.Enum("Framework", {key.replace("-", "_"): key for key in CONVENTIONS}, type=str)


class MergeMode(str, enum.Enum):
    concat = "concat"
    sum = "sum"
    mul = "mul"
    ave = "ave"
    none = "none"


class _OneLineErrors(TyperGroup):
    """Usage errors as one `Error: ...` line on stderr with exit 2, not Rich panels."""

    def main(self, args=None, prog_name=None, **extra):
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except _ClickException as e:
            # As typer itself checks: this "error" is the help text, already printed.
            if type(e).__name__ != "NoArgsIsHelpError":
                ctx = getattr(e, "ctx", None)
                hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
                typer.echo(f"Error: {e.format_message()}{hint}", err=True)
            sys.exit(e.exit_code)
        except typer.Abort:
            typer.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=True,
    no_args_is_help=True,
)


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"gru-params {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Exact parameter counts for SimpleRNN, LSTM and GRU layers and models, as the frameworks count them."""


def _fail(error: GruParamsError) -> typer.Exit:
    _echo_error(error)
    return typer.Exit(EXIT_BAD_INPUT)


def _echo_error(error: GruParamsError) -> None:
    """One line an error; a saved file whose stored weights disagree with its config has one
    for each layer."""
    for line in str(error).splitlines():
        typer.echo(f"Error: {line}", err=True)


@app.command()
def layer(
    kind: Annotated[str, typer.Argument(
        metavar="KIND", help="simplernn (or rnn), lstm, gru; optimizedlstm, mgu, convlstm for Flax.")],
    units: Annotated[int, typer.Option(help="Keras `units`.")],
    input_dim: Annotated[int, typer.Option(help="Features per time step (convlstm: channels).")],
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Keras `use_bias`.")] = True,
    reset_after: Annotated[
        Optional[bool],
        typer.Option(
            "--reset-after/--reset-before",
            help="GRU only (default: after, as tf.keras).",
            show_default=False,
        ),
    ] = None,
    bidirectional: Annotated[bool, typer.Option("--bidirectional", help="Wrap in Bidirectional.")] = False,
    merge_mode: Annotated[
        Optional[MergeMode],
        typer.Option(
            case_sensitive=False,
            help="With --bidirectional (default: concat).",
            show_default=False,
        ),
    ] = None,
    framework: Annotated[
        Framework, typer.Option("--framework", case_sensitive=False, help="Whose storage convention.")
    ] = Framework.keras,
    num_layers: Annotated[int, typer.Option(help="PyTorch / ONNX: stacked layers.")] = 1,
    proj_size: Annotated[int, typer.Option(help="PyTorch LSTM: projection size.")] = 0,
    peepholes: Annotated[bool, typer.Option("--peepholes", help="ONNX LSTM: peephole weights P.")] = False,
    kernel_size: Annotated[Optional[str], typer.Option(
        metavar="K[,K...]", help="Flax convlstm: the window, one size per spatial axis: 3,3.")] = None,
    reset_gate: Annotated[Optional[bool], typer.Option(
        "--reset-gate/--no-reset-gate", help="Flax mgu (default: on, as MGUCell).", show_default=False)] = None,
    seq_len: Annotated[Optional[int], typer.Option(
        help="Also the MACs and FLOPs of a forward pass over this many steps.", show_default=False)] = None,
    batch: Annotated[int, typer.Option(help="With --seq-len: the samples a forward pass takes.")] = 1,
    format: Annotated[Format, typer.Option("--format", "-f", case_sensitive=False)] = Format.table,
) -> None:
    """One recurrent layer: per gate, per weight tensor, and the formula; with --seq-len, its
    multiply-accumulates over a sequence."""
    if merge_mode is not None and not bidirectional:
        raise _fail(GruParamsError("--merge-mode applies only with --bidirectional"))
    try:
        count = formulas.count_layer(
            kind,
            units,
            input_dim,
            framework=framework.value,
            reset_after=reset_after,
            use_bias=bias,
            bidirectional=bidirectional,
            merge_mode=_merge_mode(merge_mode),
            num_layers=num_layers,
            proj_size=proj_size,
            peepholes=peepholes,
            kernel_size=_kernel_size(kernel_size),
            reset_gate=reset_gate,
        )
        cost = _layer_cost(count, seq_len, batch)
    except GruParamsError as e:
        raise _fail(_as_cli_error(e)) from None
    if format is Format.json:
        typer.echo(render.layer_json(count, cost))
    elif format is Format.markdown:
        typer.echo(render.layer_markdown(count, cost), nl=False)
    else:
        _echo([render.layer_text(count, cost)], format, f"gru-params layer {kind}")


def _layer_cost(count, seq_len: int | None, batch: int):
    """The MACs over --seq-len steps of --batch samples, or None without --seq-len."""
    if seq_len is None:
        if batch != 1:
            raise ArgumentError("`batch` applies only with `seq_len` (the MACs of a forward pass)")
        return None
    from .cost.macs import layer_macs

    return layer_macs(count, seq_len, batch)


# What a saved model's config cannot say: a Lambda's or custom layer's output shape, a custom
# layer's count (summary, check, convert)
OutputShapes = Annotated[Optional[list[str]], typer.Option(
    "--output-shape", metavar="NAME=SHAPE",
    help="A saved model's Lambda or custom layer's per-sample output shape, which Keras computed by running its "
         "code: lambda_1=160,320,3. Repeat for several.")]
Params = Annotated[Optional[list[str]], typer.Option(
    "--params", metavar="NAME=COUNT",
    help="A saved model's custom layer's parameter count, or TRAINABLE+NON_TRAINABLE. Repeat for several.")]


@app.command()
def summary(
    specs: Annotated[list[str], typer.Argument(metavar="SPEC...", help="Model specs (YAML), saved Keras models (.keras, .json, .h5), torch checkpoints (.pt, .pth, .bin, .ckpt), .safetensors or .onnx files.")],
    show_trainable: Annotated[bool, typer.Option("--show-trainable", help="Add Keras's Trainable column.")] = False,
    expand: Annotated[bool, typer.Option("--expand", help="Show wrapped layers and each recurrent gate.")] = False,
    format: Annotated[Format, typer.Option("--format", "-f", case_sensitive=False)] = Format.table,
    output_shape: OutputShapes = None,
    params: Params = None,
    seq_len: Annotated[Optional[int], typer.Option(
        help="Add the MACs of a forward pass and the memory to train: the length of the input's free (null) "
             "time axis (default: the spec's own).", show_default=False)] = None,
    batch: Annotated[Optional[int], typer.Option(
        help="Add the cost, for a batch of this many samples (default 1).", show_default=False)] = None,
    dtype: Annotated[Optional[str], typer.Option(
        help="Add the cost, every weight in float32|float16|bfloat16|float64|int8 (default: float32, or a "
             "checkpoint's own dtypes).", show_default=False)] = None,
    optimizer: Annotated[Optional[str], typer.Option(
        help="Add the cost, training with none|sgd|momentum|adam|adamw|rmsprop|adagrad (default: adam; none for "
             "int8).", show_default=False)] = None,
) -> None:
    """A Keras-style summary of each model spec or saved model, as model.summary() prints it; a
    checkpoint's modules (or an ONNX model's nodes) with their counts, types and dtypes. Any of
    --seq-len, --batch, --dtype, --optimizer adds each layer's MACs and the memory to train."""
    from . import api

    shapes, counts = _output_shapes(output_shape), _params(params)
    costing = any(x is not None for x in (seq_len, batch, dtype, optimizer))
    results, failed = [], False
    for path in specs:
        def work(path=path):
            spec = _warned(api.load_spec(path, shapes, counts))
            if not costing:
                return api.summarize(spec), None
            from .cost.model import model_cost

            return model_cost(spec, seq_len, 1 if batch is None else batch, dtype, optimizer)

        try:
            results.append(contained(path, work) if len(specs) > 1 else work())
        except GruParamsError as e:
            _echo_error(e)
            failed = True
    if any(s.kind != "model" for s, _ in results):  # read from a checkpoint's tensors
        from .render import checkpoint as tensors
    if format is Format.json:
        data = [tensors.checkpoint_dict(s, expand, cost) if s.kind != "model" else
                render.summary_dict(s, expand=expand, cost=cost) for s, cost in results]
        if data:
            typer.echo(render.dumps(data[0] if len(specs) == 1 else data))
    elif format is Format.markdown:
        typer.echo("\n".join(tensors.checkpoint_markdown(s, expand, cost) if s.kind != "model" else
                             render.summary_markdown(s, show_trainable=show_trainable, expand=expand, cost=cost)
                             for s, cost in results), nl=False)
    else:
        import shutil

        picture = format in (Format.svg, Format.html)
        columns = 80 if picture else shutil.get_terminal_size().columns  # as Keras sizes its summary
        items = []
        for s, cost in results:
            if s.kind != "model":
                items.append(tensors.checkpoint_text(s, expand, cost))
            elif (picture or sys.stdout.isatty()) and s.framework == "keras":  # Keras's colours, drawn by Rich
                items.append(render.summary_renderable(
                    s, columns=columns, show_trainable=show_trainable, expand=expand, cost=cost))
            else:
                items.append(render.summary_text(s, columns=columns, show_trainable=show_trainable, expand=expand,
                                                 cost=cost))
        _echo(items, format, "gru-params summary " + " ".join(specs))
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def convert(
    model: Annotated[str, typer.Argument(metavar="MODEL", help="A saved Keras model: .keras, .json (model.to_json()) or .h5.")],
    # Paths are taken as str, not Path: Path("new/") drops the slash that says a folder was
    # meant, and Typer's Path stats the file before the readers can refuse it in their words
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the spec to this new file (never overwrites one).")] = None,
    output_shape: OutputShapes = None,
    params: Params = None,
) -> None:
    """Print the YAML spec of a saved Keras model, ready for `expect` and `budget` blocks."""
    from . import api
    from .convert import to_yaml
    from .files import write_new
    from .sources import kind

    try:
        if kind(model) != "keras":
            why = ("a YAML spec is already a spec" if kind(model) == "yaml" else
                   "a checkpoint holds tensors, not layers: `summary` and `check` read it, or a spec with `source:`")
            raise ArgumentError(f"{model}: expected a saved Keras model (.keras, .json or .h5); {why}")
        spec = _warned(api.load_spec(model, _output_shapes(output_shape), _params(params)))
        text = to_yaml(spec, api.summarize(spec), os.path.basename(model))
        if output is not None:
            write_new(output, text)
    except GruParamsError as e:
        raise _fail(e) from None
    if output is None:
        typer.echo(text, nl=False)


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Specs, saved Keras models, checkpoints (.pt, .safetensors, .onnx), or folders of *.yaml / *.yml.")],
    format: Annotated[CheckFormat, typer.Option("--format", "-f", case_sensitive=False)] = CheckFormat.table,
    output_shape: OutputShapes = None,
    params: Params = None,
) -> None:
    """Check specs against their `expect` and `budget` blocks. Exit 0 all pass, 1 a check
    falls short, 2 a file is invalid. Never writes to the specs."""
    from . import check as checks

    files = checks.spec_files(paths)
    if not files:
        raise _fail(checks.no_specs_error(paths))
    shapes, counts = _output_shapes(output_shape), _params(params)
    results = _with_progress(files, lambda f: checks.check_file(f, shapes, counts))
    for warning in (w for r in results for w in r.warnings):
        typer.echo(f"Warning: {warning}", err=True)
    if format is CheckFormat.json:
        typer.echo(render.dumps(render.check_dict(results)))
    elif format is CheckFormat.junit:
        typer.echo(render.check_junit(results), nl=False)
    elif format is CheckFormat.github:
        typer.echo(render.check_github(results), nl=False)
    elif format is CheckFormat.markdown:
        typer.echo(render.check_markdown(results), nl=False)
    elif sys.stdout.isatty():
        from rich.console import Console

        Console(highlight=False).print(render.check_renderable(results))
    else:  # a log: widths from the content, nothing cut or wrapped
        typer.echo(render.check_text(results), nl=False)
    counts = render.check_counts(results)
    raise typer.Exit(EXIT_BAD_INPUT if counts["errors"] else EXIT_SHORT if counts["failed"] else EXIT_OK)


def _warned(spec):
    """The spec, once what its reader took as given is said on stderr."""
    for warning in spec.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    return spec


def _output_shapes(given: list[str] | None) -> dict:
    """--output-shape NAME=SHAPE options, by name; a bad one ends the command (exit 2)."""
    from .sources.keras_legacy import output_shape_option

    return _named(given, output_shape_option)


def _params(given: list[str] | None) -> dict:
    """--params NAME=COUNT options, by name, as (trainable, non-trainable)."""
    from .sources.keras_legacy import params_option

    return _named(given, params_option)


def _named(given: list[str] | None, parse) -> dict:
    try:
        return dict(parse(text) for text in given or ())
    except GruParamsError as e:
        raise _fail(e) from None


PROGRESS_FROM = 50  # files; fewer finish before a bar would be worth drawing


def _with_progress(files: list[str], work) -> list:
    """`work` on each file, with a progress bar on stderr when there are many and a terminal."""
    if len(files) < PROGRESS_FROM or not sys.stderr.isatty():
        return [work(f) for f in files]
    from rich.console import Console
    from rich.progress import track

    return list(track((work(f) for f in files), total=len(files), description="Checking specs",
                      console=Console(stderr=True), transient=True))


@app.command()
def compare(
    units: Annotated[str, typer.Option(help="Units, or several to sweep: 16,32,64,128.")],
    input_dim: Annotated[int, typer.Option(help="Features per time step.")],
    framework: Annotated[
        Framework, typer.Option("--framework", case_sensitive=False, help="The framework a sweep shows.")
    ] = Framework.keras,
    format: Annotated[Format, typer.Option("--format", "-f", case_sensitive=False)] = Format.table,
    macs: Annotated[bool, typer.Option("--macs", help="One PyTorch layer's MACs beside torchinfo's, thop's, "
                                       "ptflops's and fvcore's figures for it.")] = False,
    seq_len: Annotated[Optional[int], typer.Option(help="With --macs: steps a forward pass takes.",
                                                   show_default=False)] = None,
    batch: Annotated[int, typer.Option(help="With --macs: samples a forward pass takes.")] = 1,
    kind: Annotated[Optional[str], typer.Option(
        help="With --macs: simplernn (nn.RNN), lstm (nn.LSTM), gru (nn.GRU) [default: lstm].",
        show_default=False)] = None,
    num_layers: Annotated[int, typer.Option(help="With --macs: stacked layers.")] = 1,
    bidirectional: Annotated[bool, typer.Option("--bidirectional", help="With --macs: both directions.")] = False,
    proj_size: Annotated[int, typer.Option(help="With --macs, LSTM: projection size.")] = 0,
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="With --macs: the layer's biases.")] = True,
) -> None:
    """SimpleRNN, LSTM and GRU side by side in every framework's convention; with --macs, one
    PyTorch layer's multiply-accumulates as gru-params and other tools count them."""
    from . import compare as comparing

    if not macs and (seq_len is not None or batch != 1 or kind is not None or num_layers != 1 or bidirectional
                     or proj_size or not bias):
        raise _fail(GruParamsError("--seq-len, --batch, --kind, --num-layers, --bidirectional, --proj-size and "
                                   "--no-bias apply only with --macs"))
    if macs:
        _compare_macs(units, input_dim, seq_len, batch, kind or "lstm", num_layers, bidirectional, proj_size,
                      bias, format)
        return
    try:
        sizes = [_size(part) for part in units.split(",")]
        result = comparing.compare(sizes, input_dim)
    except GruParamsError as e:
        raise _fail(_as_cli_error(e)) from None
    if format is Format.json:
        typer.echo(render.dumps(render.compare_dict(result)))
    elif format is Format.markdown:
        typer.echo(render.compare_markdown(result, framework.value), nl=False)
    else:
        _echo([render.compare_text(result, framework.value)], format, "gru-params compare")


def _compare_macs(units: str, input_dim: int, seq_len: int | None, batch: int, kind: str, num_layers: int,
                  bidirectional: bool, proj_size: int, bias: bool, format: Format) -> None:
    from .cost.peers import compare_macs

    if seq_len is None:
        raise _fail(GruParamsError("--macs needs --seq-len, the steps of the forward pass"))
    try:
        if "," in units:
            raise ArgumentError(f"--macs compares one layer: expected one size for `units`, got {units}")
        count = formulas.count_layer(kind, _size(units), input_dim, framework="pytorch", use_bias=bias,
                                     bidirectional=bidirectional, num_layers=num_layers, proj_size=proj_size)
        result = compare_macs(count, seq_len, batch)
    except GruParamsError as e:
        raise _fail(_as_cli_error(e)) from None
    if format is Format.json:
        typer.echo(render.dumps(render.compare_macs_dict(result)))
    elif format is Format.markdown:
        typer.echo(render.compare_macs_markdown(result), nl=False)
    else:
        _echo([render.compare_macs_text(result)], format, "gru-params compare --macs")


def _size(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ArgumentError(f"expected positive integers separated by commas for `units`, got {text.strip()!r}") from None
    return positive_int("units", value)


def _kernel_size(text: str | None) -> tuple[int, ...] | None:
    """--kernel-size 3,3 as (3, 3); the library checks each size."""
    if text is None:
        return None
    try:
        return tuple(int(part.strip()) for part in text.split(","))
    except ValueError:
        raise ArgumentError("expected positive integers separated by commas for `kernel_size`, such as 3,3, "
                            f"got {shown(text)}") from None


@app.command()
def solve(
    kind: Annotated[str, typer.Argument(
        metavar="KIND|SPEC", help="simplernn (or rnn), lstm, gru (optimizedlstm, mgu for Flax); or a YAML spec, with --vary.")],
    input_dim: Annotated[Optional[int], typer.Option(help="A layer's features per time step.", show_default=False)] = None,
    vary: Annotated[Optional[str], typer.Option(
        metavar="KEY.PATH", help="A spec's integer argument to solve for, as errors name it: layers[1].LSTM.units.",
        show_default=False)] = None,
    max_params: Annotated[Optional[int], typer.Option(help="The most parameters the layer may have.",
                                                      show_default=False)] = None,
    max_macs: Annotated[Optional[int], typer.Option(help="The most MACs of a forward pass (needs --seq-len).",
                                                    show_default=False)] = None,
    seq_len: Annotated[Optional[int], typer.Option(help="With --max-macs: steps a forward pass takes.",
                                                   show_default=False)] = None,
    batch: Annotated[int, typer.Option(help="With --seq-len: samples a forward pass takes.")] = 1,
    multiple_of: Annotated[int, typer.Option(help="Only units that are a multiple of this (hardware-friendly sizes).")] = 1,
    bias: Annotated[bool, typer.Option("--bias/--no-bias", help="Keras `use_bias`.")] = True,
    reset_after: Annotated[Optional[bool], typer.Option(
        "--reset-after/--reset-before", help="GRU only (default: after, as tf.keras).", show_default=False)] = None,
    bidirectional: Annotated[bool, typer.Option("--bidirectional", help="Wrap in Bidirectional.")] = False,
    framework: Annotated[
        Framework, typer.Option("--framework", case_sensitive=False, help="Whose storage convention.")
    ] = Framework.keras,
    num_layers: Annotated[int, typer.Option(help="PyTorch / ONNX: stacked layers.")] = 1,
    proj_size: Annotated[int, typer.Option(help="PyTorch LSTM: projection size.")] = 0,
    format: Annotated[Format, typer.Option("--format", "-f", case_sensitive=False)] = Format.table,
) -> None:
    """The largest units of a layer within a budget of parameters (--max-params) or of compute
    (--max-macs over --seq-len steps), the count there and at the next size; or, with --vary, the
    largest value of one integer argument of a spec. Exit 1 if not even the smallest size fits."""
    from .render import solve as render_solve
    from .solve import solve_layer, solve_spec

    budgets = {k: v for k, v in (("max_params", max_params), ("max_macs", max_macs), ("seq_len", seq_len),
                                  ("batch", batch)) if v is not None}
    if vary is not None:
        given = [o for o, v in (("--input-dim", input_dim), ("--bidirectional", bidirectional),
                                ("--num-layers", num_layers != 1), ("--proj-size", proj_size), ("--no-bias", not bias),
                                ("--reset-after/--reset-before", reset_after is not None)) if v]
        if given:
            raise _fail(GruParamsError(f"{', '.join(given)}: options of a layer; with --vary the spec says what the model is"))
        try:
            found = solve_spec(kind, vary, max_params=max_params, max_macs=max_macs, seq_len=seq_len, batch=batch,
                               multiple_of=multiple_of)
        except GruParamsError as e:
            raise _fail(_as_cli_error(e)) from None
        if format is Format.json:
            typer.echo(render.dumps(render_solve.spec_solve_dict(found, vary)))
        else:
            lines = render_solve.spec_solve_lines(found, vary, budgets)
            _echo(["\n".join(lines) + "\n"], format, f"gru-params solve {kind}")
        if found.value is None:
            raise typer.Exit(EXIT_SHORT)
        return
    if input_dim is None:
        raise _fail(GruParamsError("--input-dim is needed for a layer (or give a spec and --vary)"))
    try:
        s = solve_layer(kind, input_dim, max_params=max_params, max_macs=max_macs, seq_len=seq_len, batch=batch,
                        multiple_of=multiple_of, framework=framework.value, reset_after=reset_after, use_bias=bias,
                        bidirectional=bidirectional, num_layers=num_layers, proj_size=proj_size)
    except GruParamsError as e:
        raise _fail(_as_cli_error(e)) from None
    if format is Format.json:
        typer.echo(render.dumps(render_solve.solve_dict(s)))
    elif format is Format.markdown:
        typer.echo(render_solve.solve_markdown(s, budgets), nl=False)
    else:
        _echo([render_solve.solve_text(s, budgets)], format, f"gru-params solve {kind}")
    if s.units is None:
        raise typer.Exit(EXIT_SHORT)


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the spec format, for editors and check-jsonschema."""
    import json

    from .schema import spec_schema

    typer.echo(json.dumps(spec_schema(), indent=1))


def _merge_mode(mode: MergeMode | None) -> str | None:
    if mode is None:
        return "concat"
    return None if mode is MergeMode.none else mode.value


def _as_cli_error(error: GruParamsError) -> GruParamsError:
    """The API names arguments as Python does (`input_dim`); the CLI as options (`--input-dim`)."""
    if isinstance(error, SpecError):  # names a file and a spec's key path, not options
        return error
    text = str(error)
    for key, option in _OPTION_NAMES.items():
        text = text.replace(f"`{key}`", option)
    return type(error)(text)


_OPTION_NAMES = {"units": "--units", "input_dim": "--input-dim", "reset_after": "--reset-after/--reset-before",
                 "use_bias": "--no-bias", "merge_mode": "--merge-mode", "num_layers": "--num-layers",
                 "proj_size": "--proj-size", "peepholes": "--peepholes", "seq_len": "--seq-len", "batch": "--batch",
                 "kernel_size": "--kernel-size", "max_params": "--max-params", "max_macs": "--max-macs",
                 "multiple_of": "--multiple-of", "vary": "--vary",
                 "reset_gate": "--reset-gate/--no-reset-gate", "framework": "--framework"}


def main() -> None:
    # A command builds large acyclic trees (a spec's nodes, a model's rows), then exits: the
    # cycle collector would walk them over and over for nothing, a third of the time on a
    # 10,000-layer model. Reference counting still frees them. (The entry point only: the
    # library, and tests that invoke `app`, keep the collector.)
    gc.disable()
    app()
