"""The ``rlmodels`` command: inspect, check, export a checkpoint; import a
JaxDEM or Brax policy; run the demo.

Exit status: 0 on success, 1 when the backends or an exported file disagree,
2 for bad input (paths, checkpoints, options, a missing optional package),
each reported as one line on stderr. A reader closing stdout early
(``rlmodels inspect DIR | head -1``) is none of these: the rest of the output
is dropped and the status is the command's own.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO

from rlmodels_common import __version__
from rlmodels_common.checkpoint_format import read_checkpoint
from rlmodels_common.contract import check_checkpoint

from .cli_export import add_export_arguments, export
from .cli_import import IMPORTS, add_import_commands, run_import
from .exit_codes import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK


def inspect(path: str) -> str:
    """A readable summary of the checkpoint at ``path``: type, configuration,
    parameter count and every parameter's shape (needs no framework)."""
    checkpoint = read_checkpoint(path)
    check_checkpoint(path, checkpoint)  # as load checks it, with the built-in names
    tensors = checkpoint.tensors
    count = sum(int(t.size) for t in tensors.values())
    lines = [f"{path}: {checkpoint.model_type}, {count:,} parameters in {len(tensors)} tensors", "", "configuration"]
    width = max(map(len, checkpoint.metadata))
    lines += [f"  {k:<{width}}  {_plain(v)}" for k, v in sorted(checkpoint.metadata.items())]
    name_width = max(map(len, tensors), default=4)
    lines += ["", f"  {'parameter':<{name_width}}  {'shape':<14}{'dtype':<9}{'count':>9}"]
    for name in sorted(tensors):
        t = tensors[name]
        lines.append(f"  {name:<{name_width}}  {str(tuple(t.shape)):<14}{t.dtype.name:<9}{t.size:>9,}")
    return "\n".join(lines)


def check(path: str, examples: int, dtype: str | None, seed: int, err: TextIO) -> tuple[bool, str]:
    """Compare the checkpoint in both backends on ``examples`` generated inputs;
    return whether they agree and the error table."""
    from rlmodels_common.convert import require

    from .parity import compare_checkpoint

    check_checkpoint(path, read_checkpoint(path))  # a bad checkpoint or a missing framework fails before the progress bar shows
    require("jax", "rlmodels.compare_checkpoint"), require("torch", "rlmodels.compare_checkpoint")
    with _progress(err, examples) as advance:
        report = compare_checkpoint(path, dtype=dtype, seed=seed, examples=examples, progress=advance)
    return report.ok, report.table()


def demo(directory: str | None, out: TextIO, err: TextIO) -> bool:
    """Build a small JAX LSTM policy with a Box action space, save it, load it in
    torch, check parity, export to ONNX and verify the file."""
    from rlmodels_common.convert import require

    from .export import export as write, verify
    from .parity import compare_checkpoint

    rj = require("jax", "rlmodels demo")
    rt = require("torch", "rlmodels demo")
    import jax.numpy as jnp

    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="rlmodels-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    say = lambda text: print(text, file=out, flush=True)  # noqa: E731

    model = rj.LSTMActorCritic(
        observation_space_size=8, action_space_size=2, key=0, lstm_features=32, action_space=rj.Box(-1.0, 1.0)
    )
    pi, value = model(jnp.ones((4, 8)))
    say(f"1. built a JAX {model.type_name} (obs 8, act 2, Box(-1, 1), lstm 32) and stepped it on a batch of 4")
    checkpoint = rj.save(model, root / "policy")
    say(f"2. saved it: {checkpoint}")
    torch_model = rt.load(checkpoint)
    say(f"3. loaded it in torch: {type(torch_model).__module__}.{type(torch_model).__name__}")
    examples = 3
    with _progress(err, examples) as advance:
        report = compare_checkpoint(checkpoint, examples=examples, progress=advance)
    say(f"4. parity, torch against the float64 truth on {examples} rollouts of 52 steps with resets, float32:")
    say(_indent(report.table()))
    onnx_path = write(torch_model, root / "policy.onnx", "onnx")
    result = verify(torch_model, onnx_path, "onnx")
    errors = ", ".join(f"{k} {v:.2e}" for k, v in result.max_abs.items())
    say(f"5. exported {onnx_path} and ran it in onnxruntime: max abs error vs torch {errors}")
    ok = report.ok and result.ok
    if ok:
        worst = max(report.outputs, key=lambda o: o.ratio)
        say(
            f"all {len(report.outputs)} outputs agree (the closest call: {worst.name}, at {worst.ratio:.2g} of what "
            f"the rule allows), and the ONNX file computes what torch computes. Files in {root}"
        )
    else:
        say(f"FAILED: see the rows marked NO above. Files in {root}")
    say("next, try:")
    say(f"  rlmodels inspect {checkpoint}")
    say(f"  rlmodels check {checkpoint} --examples 10")
    say(f"  rlmodels export {checkpoint} --format torchscript -o {root / 'policy.pt'}")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    stdout, sys.stdout = sys.stdout, _ClosablePipe(sys.stdout)
    try:
        return _run(_parser().parse_args(argv))
    finally:  # flushed here, inside the guard, not at interpreter exit (--help and --version exit early)
        sys.stdout.flush()
        sys.stdout = stdout


def _run(args: argparse.Namespace) -> int:
    if args.command == "fuzz":  # its own options, summary and exit status: rlmodels.fuzz.command
        from .fuzz.command import run

        return run(args)
    try:
        if args.command == "inspect":
            if Path(args.checkpoint).is_file():  # an exported policy, not a checkpoint directory
                from .manifest import manifest_summary

                print(manifest_summary(args.checkpoint))
            else:
                print(inspect(args.checkpoint))
            return EXIT_OK
        if args.command == "check":
            ok, table = check(args.checkpoint, args.examples, args.dtype, args.seed, sys.stderr)
            print(table)
        elif args.command in IMPORTS:
            ok, text = run_import(args)
            print(text)
        elif args.command == "export":
            ok, summary = export(
                args.checkpoint, args.format, args.output, args.stochastic, args.io, args.check_finite, args.force,
                args.tune_batch or None,
            )
            print(summary)
        else:
            ok = demo(args.dir, sys.stdout, sys.stderr)
    except (ImportError, OSError, ValueError, RuntimeError) as e:  # CheckpointError is a ValueError; no C++ compiler: RuntimeError
        print(f"rlmodels {args.command}: error: {' '.join(str(e).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK if ok else EXIT_DISAGREE


class _ClosablePipe:
    """``stream`` (stdout), except that once its reader has gone (``| head -1``)
    output is dropped instead of raising: the Python docs' recipe for
    ``BrokenPipeError``, pointing the file descriptor at ``os.devnull`` so the
    flush at exit cannot fail again, while the command runs on to its status."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._to_devnull()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._to_devnull()

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)

    def _to_devnull(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.stream.fileno())
        os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rlmodels",
        description="Inspect, check and export rlmodels checkpoints (written by rlmodels_jax or rlmodels_torch).",
        epilog="exit status: 0 success, 1 the backends or an exported file disagree, 2 bad input",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")

    p = command(
        "inspect",
        "show and validate a checkpoint's model, configuration and parameters, or an exported file's manifest "
        "(no jax or torch needed)",
    )
    p.add_argument("checkpoint", help="checkpoint directory, or a file written by rlmodels export")
    p = command("check", "load a checkpoint in JAX and torch and compare their outputs on generated inputs")
    p.add_argument("checkpoint", help="checkpoint directory")
    p.add_argument("--examples", type=_positive, default=10, help="number of generated probes (default 10)")
    p.add_argument("--dtype", choices=("float32", "float64"), help="precision to compare in (default: the checkpoint's)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated inputs (default 0)")
    p = command("export", "export a checkpoint's deterministic policy and value to a file and verify it")
    add_export_arguments(p)
    add_import_commands(command)
    p = command("demo", "build, save, convert, check and export a small LSTM policy")
    p.add_argument("--dir", help="where to write the files (default: a new temporary directory)")
    from .fuzz.command import add_arguments

    add_arguments(command("fuzz", "fuzz JAX against torch under hypothesis on a checkpoint or the built-in models, for a set time"))
    return parser


def _version() -> str:
    """``rlmodels 0.2.0 (jax 0.10.2, torch not installed)``, without importing either."""
    found = []
    for framework in ("jax", "torch"):
        try:
            found.append(f"{framework} {importlib.metadata.version(framework)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{framework} not installed")
    return f"rlmodels {__version__} ({', '.join(found)})"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


@contextlib.contextmanager
def _progress(stream: TextIO, total: int) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar on ``stream`` for ``total`` comparisons, shown from the first
    call (once the checkpoint has loaded: a bad one is a one-line error); yields
    the ``progress(done, total)`` callback ``compare_checkpoint`` takes."""
    from tqdm import tqdm

    bars: list[tqdm] = []

    def advance(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc="comparing", unit="example", file=stream))
        bars[0].update(done - bars[0].n)

    try:
        yield advance
    finally:
        for bar in bars:
            bar.close()


def _plain(value: object) -> str:
    import json

    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
