"""The golden cases: small models of every type, continuous (Box, MaxNorm, Free)
and discrete, built with rlmodels_jax by ``make_golden.py``. Framework-free, so
the torch tests can read the list."""

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
