"""``python -m benchmarks.lstm_step [--quick]``: the LSTM act step (forward,
sample, log_prob of the sample, value; the carry kept between calls) of
``rlmodels_torch`` against hand-written CleanRL-style agents, at the batch
sizes around ``STEP_CELL_ROWS``, where the step switches kernels.

Baseline: stepping ``nn.LSTMCell``, the fastest idiomatic single step.
Information rows: ``nn.LSTM`` over a one-step sequence (``(1, B, H)`` state),
and the port with its step forced onto the fused one-step kernel at every
batch (``torch.lstm`` over a length-1 sequence), which is how it stepped
before ``torch.lstm_cell`` took the small batches.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

import numpy as np

from .machine import describe
from .timing import Timing, interleaved

OBS, ACT, HIDDEN, LSTM = 32, 4, 64, 128


def lstm_act_step(port: Any, batch: int, rounds: int, seconds: float, fused_row: bool = False) -> dict[str, Timing]:
    """Time the act step of ``port`` (an ``LSTMActorCritic``) and the hand-written
    agents at ``batch``, after checking they compute the same carry and value."""
    import copy

    import torch

    from .handwritten_torch import LSTMAgent, LSTMCellAgent
    from .run import _close

    cell_agent, seq_agent = LSTMCellAgent(port), LSTMAgent(port)
    x = torch.as_tensor(np.random.default_rng(batch).standard_normal((batch, port.obs_dim)), dtype=torch.float32)
    H = port.lstm_features
    cell_state = [(torch.zeros(batch, H), torch.zeros(batch, H))]
    seq_state = [(torch.zeros(1, batch, H), torch.zeros(1, batch, H))]

    def cell() -> tuple[torch.Tensor, ...]:
        a, lp, v, cell_state[0] = cell_agent.act(x, cell_state[0])
        return a, lp, v

    def sequence() -> tuple[torch.Tensor, ...]:
        a, lp, v, seq_state[0] = seq_agent.act(x, seq_state[0])
        return a, lp, v

    def stepper(model: Any) -> Callable[[], tuple[torch.Tensor, ...]]:
        def act() -> tuple[torch.Tensor, ...]:
            pi, value = model(x)
            a = pi.sample()
            return a, pi.log_prob(a), value

        return act

    impls = {"hand-written nn.LSTMCell": cell, "hand-written nn.LSTM, one-step sequence (information)": sequence}
    impls["rlmodels_torch"] = stepper(port)
    if fused_row:
        fused = copy.deepcopy(port)
        fused.cell.step = lambda x, carry: fused.cell._fused(x[None], carry)[1]
        impls["rlmodels_torch, fused one-step kernel at every batch (information)"] = stepper(fused)
    with torch.inference_mode():
        models = [port] + ([fused] if fused_row else [])
        for model in models:
            model.reset((batch, port.obs_dim))
            _, value = model(x)
            _close(f"LSTM step b{batch} carry", model.carry[1], cell_agent.act(x, (torch.zeros(batch, H),) * 2)[3][0])
            _close(f"LSTM step b{batch} value", value, cell_agent.act(x, (torch.zeros(batch, H),) * 2)[2])
        return interleaved(impls, rounds, seconds)


def main(argv: list[str] | None = None) -> int:
    import torch

    import rlmodels_torch as rt
    from rlmodels_torch.models.lstm import STEP_CELL_ROWS

    from .run import WITHIN_10_PERCENT, Table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.lstm_step", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rounds, seconds = (5, 0.02) if args.quick else (31, 0.1)
    port = rt.LSTMActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, lstm_features=LSTM)
    table = Table(
        f"LSTM act step (obs {OBS}, hidden {HIDDEN}, LSTM {LSTM}, Free actions; STEP_CELL_ROWS = {STEP_CELL_ROWS}), "
        f"eager, inference_mode, {torch.get_num_threads()} thread(s)"
    )
    for batch in (1, 16, STEP_CELL_ROWS, 256):
        table.add(f"batch {batch}", lstm_act_step(port, batch, rounds, seconds, fused_row=True),
                  "hand-written nn.LSTMCell", {"rlmodels_torch": WITHIN_10_PERCENT})  # fmt: skip
    print("\n".join(f"- {line}" for line in describe()) + "\n\n" + table.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
