"""``rlmodels import-jaxdem`` and ``rlmodels import-brax``: their arguments and runs."""

from __future__ import annotations

import argparse
from typing import Callable

__all__ = ["IMPORTS", "add_import_commands", "run_import"]

IMPORTS = ("import-jaxdem", "import-brax")


def add_import_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add the import commands through the parser's ``command(name, summary)``."""
    p = command(
        "import-jaxdem",
        "import a JaxDEM (Orbax) checkpoint as a portable checkpoint, checked against the numpy reference forward",
    )
    p.add_argument("directory", help="the JaxDEM checkpoint directory (holding numbered step folders) or one step folder")
    p.add_argument("--step", type=int, help="step to import (default: the latest)")
    _common(p)
    p.add_argument("--activation", help="registered activation name, for metadata naming a callable outside the allow-list")
    p = command(
        "import-brax",
        "import a Brax or MuJoCo Playground PPO policy as a portable checkpoint, checked against Brax's formulas in numpy",
    )
    p.add_argument("source", help="Brax's run folder (numbered step folders), one step folder, or a save_params pickle")
    p.add_argument("--step", type=int, help="step to import from a run folder (default: the latest)")
    p.add_argument("--config", help="ppo_network_config.json (needed with a pickle, which holds only the parameters)")
    _common(p)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, help="portable checkpoint directory to write")
    p.add_argument("--force", action="store_true", help="replace what is at the output")
    p.add_argument("--backend", choices=("jax", "torch"), help="framework to check the import in (default: jax if installed)")


def run_import(args: argparse.Namespace) -> tuple[bool, str]:
    """Run the import ``args.command`` names; whether it agrees, and its report."""
    if args.command == "import-brax":
        from .brax import import_brax

        report = import_brax(args.source, args.output, args.step, args.config, args.backend, args.force)
    else:
        from .jaxdem import import_jaxdem

        report = import_jaxdem(args.directory, args.output, args.step, args.activation, args.backend, args.force)
    return report.ok, report.text()
