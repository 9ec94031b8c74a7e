"""``python -m benchmarks.shortcuts [--quick]``: each speed shortcut
the torch models could take, timed on and off in one process, interleaved.

A shortcut bypasses the framework for speed (``Module.__setattr__``,
``Module.__call__``, ``TransformedDistribution.__init__``) or spells a formula
less plainly; the models keep one only where it saves more than 5% of the
workload it serves (STYLE.md). "plain" is the readable form, "shortcut" the
bypass; ratio = shortcut / plain, so 0.95 or less would justify keeping it.
Each row names which form the models use now. ``python -m benchmarks``
includes this table in ``results.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any, Callable

import numpy as np

from .machine import describe
from .timing import Timing, interleaved

OBS, ACT, MLP, HIDDEN, LSTM, T, B = 32, 4, [64, 64], 64, 128, 64, 256
KEEP_BELOW = 0.95


def _act(model: Any, x: Any) -> Callable[[], Any]:
    def act() -> Any:
        pi, value = model(x)
        a = pi.sample()
        return a, pi.log_prob(a), value

    return act


def _patched(target: Any, name: str, value: Any, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run with ``target.name`` replaced by ``value``."""
    original = getattr(target, name)

    def run() -> Any:
        setattr(target, name, value)
        try:
            return fn()
        finally:
            setattr(target, name, original)

    return run


def measure(rounds: int, seconds: float) -> list[tuple[str, str, str, dict[str, Timing]]]:
    """``(shortcut, workload, form in use, timings of "plain" and "shortcut")``."""
    import torch

    import rlmodels_torch as rt
    from rlmodels_torch import distributions
    from rlmodels_torch.models import layers, recurrent

    rng = np.random.default_rng(0)
    x1 = torch.as_tensor(rng.standard_normal((1, OBS)), dtype=torch.float32)
    mlp = rt.ActorCritic(OBS, ACT, key=0, actor_architecture=MLP, critic_architecture=MLP, action_space=rt.Box(-1.0, 1.0))
    lstm = rt.LSTMActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, lstm_features=LSTM)
    rows = []

    def pair(plain: Callable[[], Any], shortcut: Callable[[], Any]) -> dict[str, Timing]:
        with torch.inference_mode():
            return interleaved({"plain": plain, "shortcut": shortcut}, rounds, seconds)

    # Module.__call__'s hook dispatch skipped for parameterless activations
    act = _act(mlp, x1)
    rows.append(("activations called as `__call__ = forward`", "MLP act step, batch 1", "plain",
                 pair(act, _patched(layers.Activation, "__call__", layers.Activation.forward, act))))  # fmt: skip

    # the carry written into Module._buffers, skipping Module.__setattr__
    def store_direct(self: Any, carry: Any) -> None:
        for (name, _), tensor in zip(self._carry_shapes, recurrent.entries(carry)):
            self._buffers[name] = tensor

    step = _act(lstm, x1)
    rows.append(("carry written into `self._buffers[...]`", "LSTM act step, batch 1", "plain",
                 pair(step, _patched(recurrent.Recurrent, "_store", store_direct, step))))  # fmt: skip

    # TransformedDistribution.__init__ (shape inference) skipped when building the policy
    def init_plain(self: Any, distribution: Any, bijector: Any) -> None:
        torch.distributions.TransformedDistribution.__init__(self, distribution, [bijector], validate_args=False)

    rows.append(("`Transformed` skipping `TransformedDistribution.__init__`", "MLP act step, batch 1", "shortcut",
                 pair(_patched(distributions.Transformed, "__init__", init_plain, act), act)))  # fmt: skip

    # Box's constants as cached tensors of the input's dtype, not Python floats
    # (Box(-1, 1): scalar bounds, so the Python-float formulas apply)
    box, k = mlp.action_space, mlp.action_space.const

    def call_floats(x: torch.Tensor) -> torch.Tensor:
        return k.center + k.half * torch.tanh(x * k.inv_width)

    def inverse_floats(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u = torch.clamp((y - k.center) * k.inv_half, -1.0 + k.eps, 1.0 - k.eps)
        return torch.atanh(u) * k.width, -(k.log_scale + torch.log1p(-u) + torch.log1p(u))

    floats = _patched(box, "_call", call_floats, _patched(box, "inverse_and_log_det", inverse_floats, act))
    rows.append(("Box constants as cached tensors", "MLP act step, batch 1", "shortcut", pair(floats, act)))

    # sequence mode with done: torch.where every step against the earlier
    # nonzero / bincount / index_fill loop that touched only the steps where a row ends
    x = torch.as_tensor(rng.standard_normal((T, B, OBS)), dtype=torch.float32)
    done = torch.as_tensor(rng.random((T, B)) < 0.05)

    def index_fill_scan(self: Any, x: torch.Tensor, carry: Any, done: Any) -> Any:
        features = self.encoder(x)
        if done is None:
            return self.cell.sequence(features, carry)
        steps, ended = torch.nonzero(done, as_tuple=True)
        counts = torch.bincount(steps, minlength=x.shape[0]).tolist()
        outputs = []
        for t, resets in enumerate(torch.split(ended, counts)):
            carry = self.cell.step(features[t], carry)
            outputs.append(carry[1])
            if counts[t]:
                carry = tuple(a.index_fill(0, resets, 0.0) for a in carry)
        return torch.stack(outputs), carry

    sequence = lambda: lstm(x, sequence=True, done=done)[1]  # noqa: E731
    rows.append(("done loop with nonzero/bincount/index_fill", f"LSTM sequence T={T} B={B} with done", "plain",
                 pair(sequence, _patched(type(lstm), "_scan", index_fill_scan, sequence))))  # fmt: skip
    return rows


def import_costs() -> dict[str, float]:
    """Seconds, in fresh processes (median of 5): ``import rlmodels_torch`` after
    torch, and what wrapping one function in ``torch.compiler.disable`` adds
    (it imports dynamo), which ``outside_compile`` defers until dynamo is loaded."""
    code = {
        "import rlmodels_torch": "import torch, time; t = time.perf_counter(); import rlmodels_torch; print(time.perf_counter() - t)",
        "torch.compiler.disable(f)": "import torch, time; t = time.perf_counter(); torch.compiler.disable(lambda: 0); print(time.perf_counter() - t)",
    }
    out = {}
    for label, source in code.items():
        runs = [float(subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True).stdout) for _ in range(5)]
        out[label] = float(np.median(runs))
    return out


def markdown(rounds: int, seconds: float) -> str:
    """The table ``python -m benchmarks`` writes into ``results.md``."""
    rows, imports = measure(rounds, seconds), import_costs()
    lines = [
        "### Torch speed shortcuts, on and off", "",
        f"`python -m benchmarks.shortcuts`: {rounds} interleaved rounds per pair; ratio = shortcut / plain "
        f"(a shortcut is kept only at <= {KEEP_BELOW:.2f}x, more than 5% saved).", "",
        "| shortcut | workload | plain µs | shortcut µs | ratio | the models use |", "|---|---|---:|---:|---:|---|",
    ]  # fmt: skip
    for name, workload, used, t in rows:
        ratio = t["shortcut"].median_us / t["plain"].median_us
        lines.append(f"| {name} | {workload} | {t['plain'].median_us:,.1f} | {t['shortcut'].median_us:,.1f} | {ratio:.3f}x | {used} |")
    lines += ["", "Import (fresh process, median of 5): " + "; ".join(f"{k}: {v * 1e3:,.0f} ms" for k, v in imports.items()), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few short rounds (a smoke run)")
    args = parser.parse_args(argv)
    print("\n".join(f"- {line}" for line in describe()) + "\n")
    print(markdown(*((3, 0.05) if args.quick else (21, 0.1))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
