"""``python -m benchmarks.validation [--ci] [--fuzz-minutes M]``: time the
validation path (SPEC section 9) and write it into ``benchmarks/results.md``.

- ``rlmodels check`` on the demo's LSTM checkpoint with 10 examples, in a
  fresh process, against a fresh process that only imports the frameworks;
- the demo end to end, and its comparison step (``compare_checkpoint`` with 3
  examples, after the imports, in a fresh process);
- with ``--ci``: ``bash .ci/run`` in a fresh clone of the current commit;
- with ``--fuzz``: the ``fuzz`` profile of the parity suite (``-k EXPR`` with
  ``--fuzz-select EXPR``, for a shorter run), counted in comparisons per
  minute and extrapolated to 10,000.

Each timing is the median of ``--repeats`` fresh processes. Not a test:
figures are measured and reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .machine import describe
from .run import VALIDATION_BEGIN

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.md"
BEGIN, END = VALIDATION_BEGIN, "<!-- end validation -->"

IMPORTS = "import jax, flax.nnx, distrax, torch, rlmodels_jax, rlmodels_torch, rlmodels.parity.run_jax, rlmodels.parity.run_torch"
COMPARE = f"""
import time; t0 = time.perf_counter()
{IMPORTS}
from rlmodels import compare_checkpoint
t1 = time.perf_counter()
report = compare_checkpoint({{path!r}}, examples=3)
t2 = time.perf_counter()
assert report.ok, report
print(t1 - t0, t2 - t1)
"""


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start, done


def rlmodels_script() -> str:
    script = shutil.which("rlmodels", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("the rlmodels console script is not installed next to this python")
    return script


def validation_lines(repeats: int) -> list[str]:
    script = rlmodels_script()
    work = Path(tempfile.mkdtemp(prefix="rlmodels-validation-"))
    demos, imports, checks, steps = [], [], [], []
    for i in range(repeats):
        seconds, done = timed([script, "demo", "--dir", str(work / f"demo{i}")])
        if done.returncode != 0:
            raise SystemExit(f"rlmodels demo failed:\n{done.stdout}\n{done.stderr}")
        demos.append(seconds)
    checkpoint = work / "demo0" / "policy"
    for _ in range(repeats):
        imports.append(timed([sys.executable, "-c", IMPORTS])[0])
        seconds, done = timed([script, "check", str(checkpoint), "--examples", "10"])
        if done.returncode != 0:
            raise SystemExit(f"rlmodels check failed:\n{done.stdout}\n{done.stderr}")
        checks.append(seconds)
        done = subprocess.run([sys.executable, "-c", COMPARE.format(path=str(checkpoint))], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the comparison step failed:\n{done.stderr}")
        steps.append(float(done.stdout.split()[1]))
    check, imported = statistics.median(checks), statistics.median(imports)
    return [
        "| measurement | median s | runs (s) | target |",
        "|---|---:|---|---|",
        f"| import jax, flax, distrax, torch and the packages (fresh process) | {imported:.1f} | {_runs(imports)} |  |",
        f"| `rlmodels check` demo LSTM, 10 examples (fresh process) | {check:.1f} | {_runs(checks)} | ~10 s |",
        f"| ... of which beyond the imports | {check - imported:.1f} |  | <= 5 s |",
        f"| demo comparison step (`compare_checkpoint`, 3 examples, after imports) | {statistics.median(steps):.1f} | {_runs(steps)} | <= 3 s |",
        f"| `rlmodels demo` end to end (fresh process, ONNX export included) | {statistics.median(demos):.1f} | {_runs(demos)} | <= 25 s |",
    ]


def ci_line() -> str:
    """``bash .ci/run`` in a fresh clone of HEAD: venv, tox and the README's tox line."""
    clone = Path(tempfile.mkdtemp(prefix="rlmodels-ci-")) / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    seconds, done = timed(["bash", ".ci/run"], cwd=clone)
    verdict = "passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
    return f"| `bash .ci/run` from a fresh clone (venv, tox, 3 envs) | {seconds / 60:.1f} min | {verdict} | <= 8 min |"


def fuzz_line(select: str | None) -> str:
    """The fuzz profile on the parity suite (or the tests ``select`` picks):
    comparisons counted by the suite's summary, per minute of wall time."""
    command = [sys.executable, "-m", "pytest", "parity_tests", "-q", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider"]
    command += ["-k", select] if select else []
    env = {**os.environ, "HYPOTHESIS_PROFILE": "fuzz", "JAX_PLATFORMS": "cpu"}
    seconds, done = timed(command, cwd=ROOT, env=env)
    found = re.search(r"parity: (\d+) comparisons within the rule \((\d+) outside", done.stdout)
    if found is None:
        raise SystemExit(f"the fuzz run printed no summary:\n{done.stdout[-3000:]}")
    count = int(found.group(1)) + int(found.group(2))
    per_minute = count / (seconds / 60)
    what = f"`-k {select}`" if select else "whole suite (`tox -e fuzz`)"
    return (
        f"| fuzz profile, {what}: {count:,} comparisons in {seconds / 60:.1f} min, {per_minute:,.0f}/min "
        f"(10,000 in {10_000 / per_minute:.1f} min) | {seconds / 60:.1f} min | {_summary(done.stdout)} | >= 10,000 in <= 20 min |"
    )


def _summary(output: str) -> str:
    tail = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return tail[-1].strip("= ") if tail else ""


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def write(lines: list[str], started: float) -> None:
    section = [
        BEGIN,
        "### Validation path",
        "",
        f"`python -m benchmarks.validation`, took {time.perf_counter() - started:.0f} s; fresh processes, wall time.",
        "",
        *[f"- {line}" for line in describe()],
        "",
        *lines,
        END,
    ]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + text[text.index(END) + len(END) :].lstrip("\n")
    RESULTS.write_text(text.rstrip("\n") + "\n\n" + "\n".join(section) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per timing (default 3)")
    parser.add_argument("--ci", action="store_true", help="also time bash .ci/run in a fresh clone (minutes)")
    parser.add_argument("--fuzz", action="store_true", help="also run the parity suite's fuzz profile (about 20 minutes)")
    parser.add_argument("--fuzz-select", help="with --fuzz: only the parity tests pytest -k selects")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lines = validation_lines(args.repeats)
    if args.ci:
        lines.append(ci_line())
    if args.fuzz:
        lines.append(fuzz_line(args.fuzz_select))
    print("\n".join(lines))
    write(lines, started)
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
