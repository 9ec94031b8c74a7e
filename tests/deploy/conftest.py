"""Compiled packages shared by the deploy tests: each AOTInductor compile takes
tens of seconds, so every package is compiled once per session."""

from pathlib import Path

import pytest

import rlmodels_torch as rt
from rlmodels import export as ex
from tests.broken_checkpoints import golden


@pytest.fixture(scope="session")
def packages(tmp_path_factory) -> dict[str, tuple[rt.Model, Path]]:
    """``{name: (model, compiled .pt2)}``: the golden LSTM (Box) in the rlmodels
    contract, tuned for batch 1 (the default); the golden 3-layer MinGRU
    (MaxNorm, sigma head) in the isaaclab contract and the golden discrete
    ActorCritic with the stochastic head and the finite check, written to an
    upper-case ``.PT2``, both untuned (AOTInductor's defaults compile faster)."""
    root = tmp_path_factory.mktemp("compiled")
    out = {}
    for name, case, path, options in [
        ("lstm", "lstm_box", "lstm.pt2", {}),
        ("mingru", "mingru_max_norm_sigma_head_3_layers", "mingru.pt2", {"contract": "isaaclab", "tune_batch": None}),
        ("discrete", "actor_critic_discrete", "DISCRETE.PT2", {"stochastic": True, "check_finite": True, "tune_batch": None}),
    ]:
        model = rt.load(golden(case))
        out[name] = (model, ex.export(model, root / path, **options))
    return out
