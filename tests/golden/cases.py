"""The golden cases: small models of every type, continuous (Box, MaxNorm, Free)
and discrete, built with rlmodels_jax by ``make_golden.py``, and the rule both
backends' golden tests hold their outputs to. Framework-free, so the torch
tests can read them."""

from typing import Mapping

import numpy as np

from rlmodels.parity.oracle import choice_excess, distance, excess
from rlmodels.parity.records import SCALARS
from rlmodels_common.tolerances import tolerance

CASES = {
    "shared_box": ("SharedActorCritic", {
        "observation_space_size": 5, "action_space_size": 3, "architecture": [16, 16], "activation": "tanh",
        "action_space": {"type": "Box", "kwargs": {"x_min": [-1.0, -2.0, 0.0], "x_max": [1.0, 0.0, 3.0]}},
    }),
    "actor_critic_max_norm_sigma_head": ("ActorCritic", {
        "observation_space_size": 5, "action_space_size": 2, "actor_architecture": [16],
        "critic_architecture": [8, 8], "activation": "silu", "actor_sigma_head": True,
        "action_space": {"type": "MaxNorm", "kwargs": {"max_norm": 1.5}},
    }),
    "actor_critic_discrete": ("ActorCritic", {
        "observation_space_size": 5, "action_space_size": 4, "actor_architecture": [16, 8],
        "critic_architecture": [], "activation": "relu", "discrete": True,
    }),
    "shared_free_float64": ("SharedActorCritic", {
        "observation_space_size": 5, "action_space_size": 2, "architecture": [12], "activation": "gelu_exact",
        "actor_sigma_head": True, "dtype": "float64",
    }),
    "lstm_box": ("LSTMActorCritic", {
        "observation_space_size": 5, "action_space_size": 2, "hidden_features": 8, "lstm_features": 16,
        "action_space": {"type": "Box", "kwargs": {"x_min": -1.0, "x_max": 1.0}},
    }),
    "lstm_cell_discrete": ("LSTMActorCritic", {
        "observation_space_size": 5, "action_space_size": 3, "hidden_features": 8, "lstm_features": 6,
        "cell_type": "LSTMCell", "activation": "elu", "discrete": True,
    }),
    "mingru_box": ("MinGRUActorCritic", {
        "observation_space_size": 5, "action_space_size": 2, "hidden_features": 8, "gru_features": 6,
        "action_space": {"type": "Box", "kwargs": {"x_min": [-1.0, 0.0], "x_max": [1.0, 2.0]}},
    }),
    "mingru_discrete_2_layers": ("MinGRUActorCritic", {
        "observation_space_size": 5, "action_space_size": 3, "hidden_features": 6, "gru_features": 6,
        "num_layers": 2, "activation": "tanh", "discrete": True,
    }),
    "mingru_max_norm_sigma_head_3_layers": ("MinGRUActorCritic", {
        "observation_space_size": 5, "action_space_size": 2, "hidden_features": 4, "gru_features": 7,
        "num_layers": 3, "activation": "silu", "actor_sigma_head": True,
        "action_space": {"type": "MaxNorm", "kwargs": {"max_norm": 1.5}},
    }),
}  # fmt: skip

BATCH = 4
STEPS = 6


def check(got: Mapping[str, np.ndarray], want: Mapping[str, np.ndarray], prefix: str, dtype: str) -> None:
    """Each of ``got`` within the parity rule: against the stored float64 truth
    (``truth.<key>``), with the stored JAX output as the float32 reference;
    a deterministic discrete action by the truth's logits (ties allowed)."""
    tol = tolerance(dtype)
    for key, value in got.items():
        name = f"{prefix}{key}"
        truth = want[f"truth.{name}"]
        if key == "deterministic" and f"{prefix}logits" in want:
            truth_logits = want[f"truth.{prefix}logits"]
            ratio = choice_excess(value, truth_logits, distance(want[f"{prefix}logits"], truth_logits), tol)
        else:
            ratio = excess(value, truth, distance(want[name], truth), tol, vector=None if key in SCALARS else 1)
        worst = float(np.max(ratio)) if np.size(ratio) else 0.0
        assert worst <= 1, f"{name}: {worst:.3g} times what the rule allows; got {value}, want {want[name]} (truth {truth})"
