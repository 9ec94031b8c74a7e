"""``python -m benchmarks.mingru [--quick] [--threads N]``: MinGRUActorCritic
against hand-written code with the same weights, in one process, interleaved.

- PyTorch (eager, inference_mode): the act step (forward, sample, log_prob of
  the sample, value; the carry kept between calls) and sequence mode
  (log_prob and value over T=64, B=256, with and without resets) against
  ``benchmarks.handwritten_torch.MinGRUAgent``. The sequence baseline is the
  faster of two hand-written forms: the step looped (CleanRL's loop, which
  takes resets); the log-space ``logcumsumexp`` form of the MinGRU paper
  (no resets) is an information row.
- JAX (one ``jax.jit``, parameters and carry passed as pure dicts, as a
  training loop runs it): the act step and sequence mode with resets against
  ``benchmarks.handwritten_jax``'s ``jax.numpy`` functions (JaxDEM's log-space
  associative scan).

JaxDEM's default sizes: obs 32, 4 Free actions, hidden 64, gru 128, one layer.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

import numpy as np

from .machine import describe
from .run import T, WITHIN_10_PERCENT, Table, _close, _merge_pure
from .timing import interleaved

OBS, ACT, HIDDEN, GRU = 32, 4, 64, 128
B_SEQ = 256
RESET_RATE = 0.05
"""Share of steps that end an episode in the ``with done`` sequences."""


def torch_table(rounds: int, seconds: float, layers: int = 1) -> Table:
    import torch

    import rlmodels_torch as rt

    from .handwritten_torch import MinGRUAgent

    table = Table(
        f"MinGRU, PyTorch port vs hand-written PyTorch (eager, inference_mode, {torch.get_num_threads()} thread(s))",
        "Hand-written: `MinGRUAgent` in `benchmarks/handwritten_torch.py`, JaxDEM's math with the port's "
        "weights; sequences: the step looped (CleanRL's loop), and as information the MinGRU paper's "
        "log-space `logcumsumexp` form (no resets).",
    )
    port = rt.MinGRUActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, gru_features=GRU, num_layers=layers)
    with torch.no_grad():  # a trained-looking policy: gates away from 1/2
        for p in port.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(p.numel())))
    agent = MinGRUAgent(port)
    rng = np.random.default_rng(0)
    with torch.inference_mode():
        for b in (1, 256):
            x = torch.as_tensor(rng.standard_normal((b, OBS)), dtype=torch.float32)
            held = [torch.zeros(b, layers, GRU)]
            port.reset((b, OBS))
            _, value = port(x)
            _close(f"MinGRU step b{b} value", value, agent.act(x, held[0])[2])
            _close(f"MinGRU step b{b} carry", port.carry, agent.act(x, held[0])[3])

            def hand(x=x) -> tuple[torch.Tensor, ...]:
                a, lp, v, held[0] = agent.act(x, held[0])
                return a, lp, v

            def ours(x=x) -> tuple[torch.Tensor, ...]:
                pi, v = port(x)
                a = pi.sample()
                return a, pi.log_prob(a), v

            table.add(f"act step, batch {b}, {layers} layer(s)", interleaved({"hand-written": hand, "rlmodels_torch": ours}, rounds, seconds),
                      "hand-written", {"rlmodels_torch": WITHIN_10_PERCENT})  # fmt: skip

        x = torch.as_tensor(rng.standard_normal((T, B_SEQ, OBS)), dtype=torch.float32)
        actions = torch.as_tensor(rng.standard_normal((T, B_SEQ, ACT)), dtype=torch.float32)
        for label, done in (("without done", None), ("with done", torch.as_tensor(rng.random((T, B_SEQ)) < RESET_RATE))):

            def ours_seq(done=done) -> tuple[torch.Tensor, torch.Tensor]:
                pi, value = port(x, sequence=True, done=done)
                return pi.log_prob(actions), value

            log_prob, value = ours_seq()
            want_log_prob, want_value = agent.evaluate(x, actions, done)
            _close(f"MinGRU sequence {label} value", value, want_value)
            _close(f"MinGRU sequence {label} log_prob", log_prob, want_log_prob, rtol=1e-4, atol=1e-4)
            impls: dict[str, Callable[[], Any]] = {
                "hand-written, step looped": lambda done=done: agent.evaluate(x, actions, done),
                "rlmodels_torch": ours_seq,
            }
            if done is None:
                # Same function, less precise in float32: its cumulative sum of log a grows
                # with T, and exp turns that sum's rounding into relative error.
                drift = float((agent.evaluate_log_space(x, actions)[1] - want_value).abs().max())
                _close("MinGRU log-space value", agent.evaluate_log_space(x, actions)[1], want_value, rtol=1e-2, atol=1e-2)
                name = f"hand-written, log-space logcumsumexp (information; values off by up to {drift:.1g})"
                impls[name] = lambda: agent.evaluate_log_space(x, actions)
            table.add(f"sequence T={T} B={B_SEQ} {label}, {layers} layer(s)", interleaved(impls, rounds, seconds),
                      "hand-written, step looped", {"rlmodels_torch": WITHIN_10_PERCENT})  # fmt: skip
    return table


def jax_table(rounds: int, seconds: float) -> Table:
    import jax
    import jax.numpy as jnp
    from flax import nnx

    import rlmodels_jax as rj

    from . import handwritten_jax as hj

    table = Table(
        "MinGRU, JAX port under one jax.jit vs hand-written jax.numpy",
        "The port jitted whole with `nnx.split` once and its parameters (and carry) passed as pure "
        "dicts, as in the LSTM rows of `python -m benchmarks`; hand-written: "
        "`benchmarks/handwritten_jax.py` (`mingru_act`, and `mingru_evaluate`: JaxDEM's log-space "
        "associative scan), jitted the same way.",
    )
    model = rj.MinGRUActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, gru_features=GRU)
    rng = np.random.default_rng(0)
    model.load_canonical_params({k: v + 0.05 * rng.standard_normal(v.shape).astype(v.dtype) for k, v in model.canonical_params().items()})
    params = {k: jnp.asarray(v) for k, v in model.canonical_params().items()}
    key = jax.random.key(0)
    hand_step = jax.jit(hj.mingru_act)
    for b in (1, 256):
        model.reset((b, OBS))
        graph, weights, carry_state = nnx.split(model, nnx.Param, ...)
        template = nnx.State.merge(weights, carry_state)

        @jax.jit
        def port_step(weights, carry, x, key):
            m = _merge_pure(graph, template, {**weights, **carry})
            pi, value = m(x)
            a = pi.sample(seed=key)
            return (a, pi.log_prob(a), value), nnx.to_pure_dict(nnx.split(m, nnx.Param, ...)[2])

        x = jnp.asarray(rng.standard_normal((b, OBS)), jnp.float32)
        zeros = jnp.zeros((b, 1, GRU))
        held = {"port": nnx.to_pure_dict(carry_state), "hand": zeros}
        w = nnx.to_pure_dict(weights)
        (_, _, value), _ = port_step(w, held["port"], x, key)
        _close(f"JAX MinGRU b{b} value", value, hand_step(params, zeros, x, key)[2])

        def port(x=x):
            out, held["port"] = port_step(w, held["port"], x, key)
            return jax.block_until_ready(out)

        def hand(x=x):
            *out, held["hand"] = hand_step(params, held["hand"], x, key)
            return jax.block_until_ready(out)

        table.add(f"act step, batch {b}", interleaved({"hand-written jnp, jax.jit": hand, "rlmodels_jax, jax.jit": port}, rounds, seconds),
                  "hand-written jnp, jax.jit", {"rlmodels_jax, jax.jit": WITHIN_10_PERCENT})  # fmt: skip

    model.reset((B_SEQ, OBS))
    graph, weights, rest = nnx.split(model, nnx.Param, ...)
    template = nnx.State.merge(weights, rest)
    x = jnp.asarray(rng.standard_normal((T, B_SEQ, OBS)), jnp.float32)
    actions = jnp.asarray(rng.standard_normal((T, B_SEQ, ACT)), jnp.float32)
    done = jnp.asarray(rng.random((T, B_SEQ)) < RESET_RATE)

    @jax.jit
    def port_sequence(weights, x, actions, done):
        m = _merge_pure(graph, template, weights)
        pi, value = m(x, sequence=True, done=done)
        return pi.log_prob(actions), value

    hand_sequence = jax.jit(hj.mingru_evaluate)
    w = {**nnx.to_pure_dict(weights), **nnx.to_pure_dict(rest)}
    _close("JAX MinGRU sequence value", port_sequence(w, x, actions, done)[1], hand_sequence(params, x, actions, done)[1])
    table.add(f"sequence T={T} B={B_SEQ} with done", interleaved({
        "hand-written jnp, jax.jit": lambda: jax.block_until_ready(hand_sequence(params, x, actions, done)),
        "rlmodels_jax, jax.jit": lambda: jax.block_until_ready(port_sequence(w, x, actions, done)),
    }, rounds, seconds), "hand-written jnp, jax.jit", {"rlmodels_jax, jax.jit": WITHIN_10_PERCENT})  # fmt: skip
    return table


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(prog="python -m benchmarks.mingru", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rounds, seconds = (5, 0.05) if args.quick else (21, 0.2)
    print("\n".join(f"- {line}" for line in describe()) + "\n\n" + markdown(rounds, seconds))
    return 0


def markdown(rounds: int, seconds: float) -> str:
    """Every MinGRU table (torch with one and two layers, JAX) as markdown."""
    tables = [torch_table(rounds, seconds), torch_table(rounds, seconds, layers=2), jax_table(rounds, seconds)]
    return "\n\n".join(t.markdown() for t in tables)


if __name__ == "__main__":
    raise SystemExit(main())
