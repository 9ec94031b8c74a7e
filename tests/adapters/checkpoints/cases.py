"""Checkpoints sized for Gymnasium classic-control tasks, written by
rlmodels_jax (``make_checkpoints.py``) so the adapter tests, which run without
JAX, start from what a JAX user would hand over. Framework-free."""

from pathlib import Path

HERE = Path(__file__).parent

PENDULUM_BOX = {"type": "Box", "kwargs": {"x_min": -2.0, "x_max": 2.0}}
"""Pendulum-v1: observation 3, one torque in [-2, 2]."""

CASES = {
    "pendulum_mlp": ("ActorCritic", {
        "observation_space_size": 3, "action_space_size": 1, "actor_architecture": [32, 32],
        "critic_architecture": [32, 32], "activation": "tanh", "action_space": PENDULUM_BOX,
    }),
    "pendulum_lstm": ("LSTMActorCritic", {
        "observation_space_size": 3, "action_space_size": 1, "hidden_features": 16, "lstm_features": 16,
        "action_space": PENDULUM_BOX,
    }),
    "cartpole_mlp": ("SharedActorCritic", {
        "observation_space_size": 4, "action_space_size": 2, "architecture": [32, 32], "discrete": True,
    }),
    "cartpole_lstm": ("LSTMActorCritic", {
        "observation_space_size": 4, "action_space_size": 2, "hidden_features": 16, "lstm_features": 16,
        "discrete": True,
    }),
    "pendulum_mingru": ("MinGRUActorCritic", {
        "observation_space_size": 3, "action_space_size": 1, "hidden_features": 16, "gru_features": 16,
        "num_layers": 2, "action_space": PENDULUM_BOX,
    }),
    "cartpole_mingru": ("MinGRUActorCritic", {
        "observation_space_size": 4, "action_space_size": 2, "hidden_features": 16, "gru_features": 12,
        "discrete": True,
    }),
}  # fmt: skip


def checkpoint(name: str) -> Path:
    """The checkpoint directory of case ``name``."""
    return HERE / name
