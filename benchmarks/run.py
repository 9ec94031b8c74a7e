"""``python -m benchmarks [--quick] [--out FILE]``: time the ports against hand-written
code (SPEC section 9) and write a results table with the machine it ran on.

An *act step* is forward + sample + log_prob of the sample + value. Every
implementation of a workload is timed in one process, interleaved round by
round, each call blocking on its outputs; before timing, the port's outputs are
checked against the baseline's on the same inputs, so the two compute the same
thing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .machine import describe
from .timing import Timing, interleaved, once

VALIDATION_BEGIN = "<!-- validation: written by python -m benchmarks.validation -->"
KEPT = (
    ("<!-- export: written by python -m benchmarks.export -->", "<!-- end export -->"),
    (VALIDATION_BEGIN, "<!-- end validation -->"),
)
"""Sections of results.md written by other runs, kept when this one rewrites the file."""

OBS, ACT = 32, 4
MLP = [64, 64]
HIDDEN, LSTM = 64, 128
T, B_SEQ = 64, 256
WITHIN_10_PERCENT = ("<= 1.10x", 1.10)
"""(label, largest ratio that meets it): the issue's target for the ports."""
NO_WORSE = ("no worse (<= 1.00x)", 1.00)
"""Sequence mode with done against stepping nn.LSTM by hand."""


@dataclass
class Table:
    title: str
    note: str = ""
    rows: list[tuple[str, str, Timing, float | None, tuple[str, float] | None]] = field(default_factory=list)
    """(workload, implementation, timing, ratio to the baseline, (target, limit) or None)."""

    def add(
        self, workload: str, timings: dict[str, Timing], baseline: str, targets: dict[str, tuple[str, float]]
    ) -> None:
        base = timings[baseline].median_us
        for name, t in timings.items():
            ratio = None if name == baseline else t.median_us / base
            self.rows.append((workload, name, t, ratio, targets.get(name)))

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.note:
            lines += [self.note, ""]
        lines += ["| workload | implementation | median µs/call | IQR µs | ratio | target |", "|---|---|---:|---:|---:|---|"]
        for workload, name, t, ratio, target in self.rows:
            r = "baseline" if ratio is None else f"{ratio:.2f}x"
            verdict = ""
            if target and ratio is not None:
                label, limit = target
                verdict = f"{label}: {'met' if ratio <= limit else 'MISSED'}"
            lines.append(f"| {workload} | {name} | {t.median_us:,.1f} | {t.spread_us:,.1f} | {r} | {verdict} |")
        return "\n".join(lines)


def _close(name: str, got: Any, want: Any, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Refuse to time two implementations that do not compute the same thing."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        raise AssertionError(f"{name}: the port and the baseline disagree (max diff {np.max(np.abs(got - want)):.3g})")


# -- torch ------------------------------------------------------------------------


def torch_tables(rounds: int, seconds: float, batches: list[int]) -> Table:
    import torch

    import rlmodels_torch as rt

    from .handwritten_torch import BareLSTM, LSTMAgent, MLPAgent
    from .lstm_step import lstm_act_step

    table = Table(
        "PyTorch port vs hand-written PyTorch (eager, inference_mode)",
        "Hand-written: CleanRL-style modules with the same weights and math "
        "(`benchmarks/handwritten_torch.py`), `Normal(..., validate_args=False)`.",
    )
    rng = np.random.default_rng(0)
    mlp = rt.ActorCritic(OBS, ACT, key=0, actor_architecture=MLP, critic_architecture=MLP, action_space=rt.Box(-1.0, 1.0))
    agent = MLPAgent(mlp)
    lstm = rt.LSTMActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, lstm_features=LSTM)
    lstm_agent = LSTMAgent(lstm)
    with torch.inference_mode():
        for b in batches:
            x = torch.as_tensor(rng.standard_normal((b, OBS)), dtype=torch.float32)
            pi, value = mlp(x)
            # Fixed actions away from the bounds: float32 samples near a bound amplify
            # rounding through artanh (the parity suite covers those).
            a = torch.as_tensor(rng.uniform(-0.9, 0.9, (b, ACT)), dtype=torch.float32)
            _close(f"MLP b{b} log_prob", pi.log_prob(a), agent.log_prob(a, agent.actor_mean(x)))
            _close(f"MLP b{b} value", value, agent.critic(x))

            def port(x=x):
                pi, value = mlp(x)
                a = pi.sample()
                return a, pi.log_prob(a), value

            table.add(f"MLP act, batch {b}", interleaved(
                {"hand-written": lambda x=x: agent.act(x), "rlmodels_torch": port}, rounds, seconds,
            ), "hand-written", {"rlmodels_torch": WITHIN_10_PERCENT})  # fmt: skip

        for b in [b for b in batches if b <= 256]:
            table.add(f"LSTM act step, batch {b}", lstm_act_step(lstm, b, rounds, seconds), "hand-written nn.LSTMCell",
                      {"rlmodels_torch": WITHIN_10_PERCENT})  # fmt: skip

        x = torch.as_tensor(rng.standard_normal((T, B_SEQ, OBS)), dtype=torch.float32)
        actions = torch.as_tensor(rng.standard_normal((T, B_SEQ, ACT)), dtype=torch.float32)
        done = torch.as_tensor(rng.random((T, B_SEQ)) < 0.05)
        for d, label in ((None, "without done"), (done, "with done")):
            pi, value = lstm(x, sequence=True, done=d)
            lp, v = lstm_agent.evaluate(x, actions, d)
            _close(f"LSTM sequence {label} log_prob", pi.log_prob(actions), lp, rtol=1e-4, atol=1e-4)
            _close(f"LSTM sequence {label} value", value, v)

            def port(d=d):
                pi, value = lstm(x, sequence=True, done=d)
                return pi.log_prob(actions), value

            impls = {"hand-written": lambda d=d: lstm_agent.evaluate(x, actions, d), "rlmodels_torch": port}
            if d is None:
                features = lstm_agent.encoder(x)
                impls["bare nn.LSTM only (no encoder, no heads)"] = lambda: BareLSTM(lstm_agent)(features)
            baseline_note = "nn.LSTM" if d is None else "nn.LSTM stepped, CleanRL loop"
            table.add(f"LSTM sequence T={T} B={B_SEQ} {label} ({baseline_note})", interleaved(
                impls, rounds, seconds), "hand-written", {"rlmodels_torch": NO_WORSE if d is not None else WITHIN_10_PERCENT})  # fmt: skip
    return table


# -- JAX ----------------------------------------------------------------------------


def jax_table(rounds: int, seconds: float, batches: list[int]) -> Table:
    import jax
    import jax.numpy as jnp
    from flax import nnx

    import rlmodels_jax as rj
    from rlmodels_common.action_spaces import box_constants

    from . import handwritten_jax as hj

    table = Table(
        "JAX port under one jax.jit vs hand-written jax.numpy",
        "The port's act step is jitted whole with the model state split from the graph, as a "
        "training loop runs it: `nnx.split` once, the parameters (and LSTM carry) passed as pure "
        "dicts (`nnx.to_pure_dict`) and merged back inside the jitted function. The hand-written "
        "function (`benchmarks/handwritten_jax.py`) is jitted the same way. Information rows at "
        "batch 1: passing the `nnx.State` itself (its Variable wrappers cost per call), and "
        "`nnx.jit` on the module (convenient, but it re-traverses the module graph every call).",
    )
    rng = np.random.default_rng(0)
    key = jax.random.key(0)
    box = box_constants(-1.0, 1.0)
    mlp = rj.ActorCritic(OBS, ACT, key=0, actor_architecture=MLP, critic_architecture=MLP, action_space=rj.Box(-1.0, 1.0))
    graphdef, state = nnx.split(mlp)
    pure = nnx.to_pure_dict(state)
    params = {k: jnp.asarray(v) for k, v in mlp.canonical_params().items()}

    def act(model, x, key):
        pi, value = model(x)
        a = pi.sample(seed=key)
        return a, pi.log_prob(a), value

    port_act = jax.jit(lambda pure, x, key: act(_merge_pure(graphdef, state, pure), x, key))
    state_act = jax.jit(lambda state, x, key: act(nnx.merge(graphdef, state), x, key))
    nnx_act = nnx.jit(act)
    hand_act = jax.jit(lambda p, x, key: hj.mlp_act(p, x, key, box, len(MLP)))
    for b in batches:
        x = jnp.asarray(rng.standard_normal((b, OBS)), jnp.float32)
        got, want = port_act(pure, x, key), hand_act(params, x, key)
        _close(f"JAX MLP b{b} value", got[2], want[2])
        _close(f"JAX MLP b{b} log_prob", mlp(x)[0].log_prob(want[0]), want[1], rtol=1e-3, atol=1e-3)  # see MLP log_prob above
        impls: dict[str, Callable[[], Any]] = {
            "hand-written jnp, jax.jit": lambda x=x: jax.block_until_ready(hand_act(params, x, key)),
            "rlmodels_jax, jax.jit": lambda x=x: jax.block_until_ready(port_act(pure, x, key)),
        }
        if b == batches[0]:
            impls["rlmodels_jax, jax.jit on nnx.State (information)"] = lambda x=x: jax.block_until_ready(state_act(state, x, key))
            impls["rlmodels_jax, nnx.jit (information)"] = lambda x=x: jax.block_until_ready(nnx_act(mlp, x, key))
        table.add(f"MLP act, batch {b}", interleaved(impls, rounds, seconds), "hand-written jnp, jax.jit",
                  {"rlmodels_jax, jax.jit": WITHIN_10_PERCENT})  # fmt: skip

    lstm = rj.LSTMActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, lstm_features=LSTM)
    lstm_params = {k: jnp.asarray(v) for k, v in lstm.canonical_params().items()}
    hand_step = jax.jit(hj.lstm_act)
    for b in [b for b in batches if b <= 256]:
        lstm.reset((b, OBS))
        lstm_graph, weights, carry_state = nnx.split(lstm, nnx.Param, ...)
        template = nnx.State.merge(weights, carry_state)

        @jax.jit
        def port_step(weights, carry, x, key):
            model = _merge_pure(lstm_graph, template, {**weights, **carry})
            out = act(model, x, key)
            return out, nnx.to_pure_dict(nnx.split(model, nnx.Param, ...)[2])

        x = jnp.asarray(rng.standard_normal((b, OBS)), jnp.float32)
        zeros = (jnp.zeros((b, LSTM)), jnp.zeros((b, LSTM)))
        held = {"port": nnx.to_pure_dict(carry_state), "hand": zeros}
        w = nnx.to_pure_dict(weights)
        (_, _, value), _ = port_step(w, held["port"], x, key)
        _close(f"JAX LSTM b{b} value", value, hand_step(lstm_params, zeros, x, key)[2])

        def port(x=x):
            out, held["port"] = port_step(w, held["port"], x, key)
            return jax.block_until_ready(out)

        def hand(x=x):
            *out, held["hand"] = hand_step(lstm_params, held["hand"], x, key)
            return jax.block_until_ready(out)

        table.add(f"LSTM act step, batch {b}", interleaved(
            {"hand-written jnp, jax.jit": hand, "rlmodels_jax, jax.jit": port}, rounds, seconds,
        ), "hand-written jnp, jax.jit", {"rlmodels_jax, jax.jit": WITHIN_10_PERCENT})  # fmt: skip
    return table


def _merge_pure(graphdef: Any, template: Any, pure: dict) -> Any:
    """The module of ``graphdef`` with the values of the pure dict ``pure`` (inside a
    jitted function: the template's own arrays are replaced, so they are dead code)."""
    from flax import nnx

    state = nnx.state(nnx.merge(graphdef, template))  # fresh Variables: the template is not touched
    nnx.replace_by_pure_dict(state, pure)
    return nnx.merge(graphdef, state)


# -- conversion, checkpoints, import --------------------------------------------------


def conversion_lines(repeats: int) -> list[str]:
    import jax

    import rlmodels_jax as rj
    import rlmodels_torch as rt

    big = dict(actor_architecture=[512, 512, 512], critic_architecture=[512, 512, 512])
    # Built in torch and converted: JAX's eager initializers would compile each
    # one (seconds) before anything is timed.
    torch_model = rt.ActorCritic(OBS, ACT, key=0, **big)
    jax_model = rj.from_torch(torch_model)
    count = sum(v.size for v in jax_model.canonical_params().values())
    rows: list[tuple[str, Timing]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("rlmodels_torch.from_jax", once(lambda: rt.from_jax(jax_model), repeats)))
        rows.append(("rlmodels_jax.from_torch", once(lambda: jax.block_until_ready(
            nnx_leaves(rj.from_torch(torch_model))), repeats)))  # fmt: skip
        rows.append(("rlmodels_torch.save", once(lambda: rt.save(torch_model, Path(tmp) / "t"), repeats)))
        rows.append(("rlmodels_torch.load", once(lambda: rt.load(Path(tmp) / "t"), repeats)))
        rows.append(("rlmodels_jax.save", once(lambda: rj.save(jax_model, Path(tmp) / "j"), repeats)))
        rows.append(("rlmodels_jax.load", once(lambda: jax.block_until_ready(nnx_leaves(rj.load(Path(tmp) / "j"))), repeats)))
    lines = [
        f"### Conversion and checkpoints, ActorCritic with {count:,} parameters (float32)",
        "",
        "| operation | median ms | IQR ms | target |",
        "|---|---:|---:|---|",
    ]
    for name, t in rows:
        verdict = "< 500 ms: " + ("met" if t.median_us < 5e5 else "MISSED")
        lines.append(f"| {name} | {t.median_us / 1e3:,.1f} | {t.spread_us / 1e3:,.1f} | {verdict} |")
    return lines


def nnx_leaves(model: Any) -> list[Any]:
    from flax import nnx

    return jax_leaves(nnx.state(model))


def jax_leaves(tree: Any) -> list[Any]:
    import jax

    return jax.tree_util.tree_leaves(tree)


IMPORT_PROBE = """
import sys, time
import torch
start = time.perf_counter()
import rlmodels_torch
took = time.perf_counter() - start
jax = sorted({m.split('.')[0] for m in sys.modules} & {'jax', 'jaxlib', 'flax', 'distrax'})
print(took, ','.join(jax) or '-')
"""


def import_lines(repeats: int) -> list[str]:
    times, leaked = [], set()
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True).stdout
        took, jax = out.split()
        times.append(float(took))
        if jax != "-":
            leaked.update(jax.split(","))
    median = float(np.median(times))
    return [
        "### Import",
        "",
        f"`import rlmodels_torch` after `import torch`, fresh process, median of {repeats}: "
        f"{median * 1e3:.0f} ms (target < 200 ms: {'met' if median < 0.2 else 'MISSED'}); "
        f"JAX modules imported: {', '.join(sorted(leaked)) or 'none'}.",
    ]


def main(argv: list[str] | None = None) -> int:
    from . import mingru, shortcuts

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a one-minute pass: fewer, shorter rounds")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results.md"), help="markdown file to write")
    args = parser.parse_args(argv)
    rounds, seconds, repeats = (5, 0.02, 3) if args.quick else (31, 0.1, 9)
    batches = [1, 256, 4096]
    started = time.perf_counter()
    sections: list[str] = []
    for build in (
        lambda: torch_tables(rounds, seconds, batches).markdown(),
        lambda: jax_table(rounds, seconds, batches).markdown(),
        lambda: mingru.markdown(rounds, seconds),
        lambda: shortcuts.markdown(rounds, seconds),
        lambda: "\n".join(conversion_lines(repeats)),
        lambda: "\n".join(import_lines(repeats)),
    ):
        sections.append(build())
        print(sections[-1] + "\n", flush=True)
    mode = "quick pass (--quick)" if args.quick else "full run"
    header = [
        "## Benchmark results",
        "",
        f"`python -m benchmarks{' --quick' if args.quick else ''}`, {mode}: {rounds} interleaved rounds of "
        f"~{seconds * 1e3:.0f} ms per implementation; median and interquartile range of the per-call time; "
        f"ratio = median / baseline median. Took {time.perf_counter() - started:.0f} s.",
        "",
        *[f"- {line}" for line in describe()],
        "",
    ]
    # Keep the sections other runs write: the exports' (python -m benchmarks.export)
    # and the validation path's (python -m benchmarks.validation), each to its end marker.
    old = Path(args.out).read_text(encoding="utf-8") if Path(args.out).exists() else ""
    kept = "\n".join(old[old.index(begin) : old.index(end) + len(end)] + "\n" for begin, end in KEPT if begin in old)
    text = "\n".join(header) + "\n" + "\n\n".join(sections) + "\n"
    Path(args.out).write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0
