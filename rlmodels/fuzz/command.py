"""``rlmodels fuzz``: its options and what it runs (the CLI only hooks this in).

Importing this module imports neither framework, so ``rlmodels --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exit_codes import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK

__all__ = ["add_arguments", "run"]

DEFAULT_WORKDIR = ".rlmodels-fuzz"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", nargs="?", help="checkpoint directory (default: fuzz the built-in model configurations)")
    parser.add_argument("--minutes", type=float, default=3.0, help="how long to fuzz (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--export", choices=("onnx", "pt2"), help="also compare the exported program with eager torch")
    parser.add_argument(
        "--database",
        help=f"hypothesis example database: a directory (default {DEFAULT_WORKDIR}/examples) or redis://host:port[/db]",
    )
    parser.add_argument("--seed", type=int, default=0, help="picks the built-in configurations (default 0); examples are drawn afresh each campaign")
    parser.add_argument("--workdir", default=DEFAULT_WORKDIR, help=f"failing and crash examples, exports (default {DEFAULT_WORKDIR})")
    parser.add_argument("--steps", type=int, default=24, help="rollout steps per recurrent example (default 24)")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure (once it is shrunk)")
    parser.add_argument(
        "--replay", metavar="FILE_OR_DB", nargs="?", const="",
        help="replay a saved example file, or (no value) only the database's examples for these targets",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Run the campaign (or a replay); print the summary; return the exit status."""
    if args.workers < 1 or args.minutes <= 0 or args.steps < 4:
        print("rlmodels fuzz: error: expected --workers >= 1, --minutes > 0 and --steps >= 4", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.replay:
        return _replay_file(args.replay)
    try:
        targets = _targets(args)
        from .database import describe, open_database

        database = args.database or str(Path(args.workdir) / "examples")
        open_database(database)  # an unreachable server fails here, once, not in every worker
    except (ImportError, OSError, ValueError) as e:
        print(f"rlmodels fuzz: error: {' '.join(str(e).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from .campaign import CampaignConfig, run_campaign

    config = CampaignConfig(
        tuple(targets), args.workers, args.minutes, database, args.workdir, args.seed,
        export=args.export, replay_only=args.replay == "", exitfirst=args.exitfirst,
    )  # fmt: skip
    what = args.checkpoint or "the built-in configurations"
    print(f"fuzzing {what}: {len(targets)} targets on {min(args.workers, len(targets))} workers for {args.minutes:g} min", file=sys.stderr)
    progress = run_campaign(config)
    print(progress.closing(describe(database), args.seed))
    return EXIT_OK if progress.ok else EXIT_DISAGREE


def _targets(args: argparse.Namespace) -> list:
    from .targets import builtin_targets, checkpoint_targets

    if args.checkpoint is None:
        return builtin_targets(args.seed, steps=args.steps)
    from rlmodels_common.checkpoint_format import read_checkpoint

    checkpoint = read_checkpoint(args.checkpoint)
    return checkpoint_targets(str(Path(args.checkpoint).resolve()), checkpoint.model_type, checkpoint.metadata, steps=args.steps)


def _replay_file(path: str) -> int:
    """Compare the example in ``path`` again and print its report."""
    from .examples import Models, load_example, run as compare_example

    try:
        target, example, note = load_example(path)
    except (OSError, ValueError, KeyError) as e:
        print(f"rlmodels fuzz: error: cannot read the example file {path}: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"replaying {path}: {target.label()}")
    report = compare_example(target, Models(), example)
    print(report)
    return EXIT_OK if report.ok else EXIT_DISAGREE
