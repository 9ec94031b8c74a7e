"""The configurations the parity suite runs, and a JAX model with its torch twin
in either conversion direction.

Under the ``ci`` profile every test cell has one fixed configuration (sizes,
bounds and activations vary from cell to cell) and the default input layout,
and hypothesis draws weights and inputs: the JAX probe compiles once per cell
and each example reuses it. Tests on one configuration share an
``xdist_group``, so one worker compiles it. The ``fuzz`` profile draws the
configuration and the layout too, from a pool of :data:`POOL` per cell that
changes with every run (``RLMODELS_FUZZ_SEED`` repeats one), so that each
compilation serves several examples.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import zlib
from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import strategies as st

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels import strategies
from rlmodels.parity.inputs import DEFAULT_LAYOUT, Layout
from rlmodels_common.activations import ACTIVATIONS
from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
"""Vary configurations and input layouts as well as weights and inputs."""

POOL = 3
"""Configurations per test cell under ``fuzz``."""

FUZZ_SEED = int(os.environ.get("RLMODELS_FUZZ_SEED", random.randrange(2**32)))
"""Seeds the ``fuzz`` pools (reported at the end of the run)."""

DIRECTIONS = ("jax->torch", "torch->jax")
DTYPES = ("float32", "float64")

POLICIES = (
    ("discrete", False), ("Free", False), ("Free", True), ("Box", False), ("Box", True),
    ("MaxNorm", False), ("MaxNorm", True),
)  # fmt: skip
"""(policy kind, actor_sigma_head)."""

CASES = tuple(
    (model_type, kind, sigma, cell)
    for model_type in ("SharedActorCritic", "ActorCritic", "LSTMActorCritic", "MinGRUActorCritic")
    for kind, sigma in POLICIES
    for cell in (("OptimizedLSTMCell", "LSTMCell") if model_type == "LSTMActorCritic" else (None,))
)
"""Every model type x policy kind x sigma head x cell type."""

CI_CASES = tuple(CASES[i] for i in (0, 2, 3, 6, 7, 8, 11, 13, 14, 15, 16, 17, 22, 23, 24, 25, 28, 29, 32, 33))
"""The cases the ``ci`` profile runs (``fuzz`` runs all): every model type with
every policy kind, each model with and without a sigma head, each policy kind
with and without one somewhere, both LSTM cells; and the cases the other
parity tests pick, so that their compiled probes are shared. Their fixed
configurations still use every activation."""

RUN_CASES = CASES if FUZZ else CI_CASES

RECURRENT = ("LSTMActorCritic", "MinGRUActorCritic")


def case_id(case: tuple) -> str:
    model_type, kind, sigma, cell = case
    return "-".join(filter(None, (model_type, kind, "sigma_head" if sigma else "", cell)))


def group(*key: Any) -> pytest.MarkDecorator:
    """The xdist group of the tests on one configuration (``--dist loadgroup``)."""
    return pytest.mark.xdist_group("-".join(map(str, key)))


def cells(dtypes: tuple[str, ...] = DTYPES) -> list:
    """``(case, dtype)`` parameters, each marked with its configuration's group."""
    return [
        pytest.param(case, dtype, id=f"{case_id(case)}-{dtype}", marks=group(case_id(case)))
        for case in RUN_CASES
        for dtype in dtypes
    ]


def directed_cells() -> list:
    """``(case, dtype, direction)`` parameters. Under ``fuzz`` each cell in both
    conversion directions; under ``ci`` in one, alternating, so that each case
    still runs both (one per dtype) and each dtype both: the two directions
    compare the same computations on the same compiled probe, only the
    conversion differs, which the conversion tests cover both ways."""
    return [
        pytest.param(case, dtype, direction, id=f"{case_id(case)}-{dtype}-{direction}", marks=group(case_id(case)))
        for i, case in enumerate(RUN_CASES)
        for d, dtype in enumerate(DTYPES)
        for direction in (DIRECTIONS if FUZZ else (DIRECTIONS[(i + d) % 2],))
    ]


def fixed_config(case: tuple, dtype: str) -> tuple[str, dict[str, Any]]:
    """The ``ci`` configuration of ``case``: sizes, layers, activation and bounds
    chosen by the case's position, so that between them the cells cover what
    ``strategies.model_configs`` draws from (every activation at least twice).
    The float32 and float64 cells of a case differ in dtype only: the float32
    cell's float64 truth is then the float64 cell's compiled probe."""
    model_type, kind, sigma, cell = case
    i = CASES.index(case)
    actions = 1 + i % 3
    meta: dict[str, Any] = {
        "observation_space_size": (3, 5, 4)[i % 3],
        "action_space_size": actions,
        "activation": sorted(ACTIVATIONS)[(3 * i) % len(ACTIVATIONS)],
        "action_space": None,
        "actor_sigma_head": sigma,
        "discrete": kind == "discrete",
        "dtype": dtype,
    }
    if kind == "Box":
        lo = [-1.0 - 0.5 * k for k in range(actions)]
        meta["action_space"] = {"type": "Box", "kwargs": {
            "x_min": lo, "x_max": [low + 0.5 + k for k, low in enumerate(lo)], "width": (1.0, 0.5, 2.0)[i % 3], "eps": 1e-6,
        }}  # fmt: skip
    elif kind == "MaxNorm":
        meta["action_space"] = {"type": "MaxNorm", "kwargs": {"max_norm": (0.5, 2.0, 4.0)[i % 3], "eps": 1e-6}}
    elif kind == "Free":
        meta["action_space"] = {"type": "Free", "kwargs": {}}
    layers = ([], [7], [4, 7], [5])[i % 4]
    scales = {"in_scale": IN_SCALE, "actor_scale": ACTOR_SCALE, "critic_scale": CRITIC_SCALE}
    if model_type == "SharedActorCritic":
        meta |= {"architecture": layers, **scales}
    elif model_type == "ActorCritic":
        meta |= {"actor_architecture": layers, "critic_architecture": ([4], [], [7, 4])[i % 3], **scales}
    elif model_type == "LSTMActorCritic":
        meta |= {"hidden_features": (4, 7)[i % 2], "lstm_features": (5, 8, 6)[i % 3], "cell_type": cell,
                 "remat": False, "carry_leading_shape": []}  # fmt: skip
    else:  # every third without proj_in (hidden == gru), one to three layers
        hidden = (4, 7)[i % 2]
        meta |= {"hidden_features": hidden, "gru_features": (hidden, 5, 6)[i % 3], "num_layers": 1 + i % 3,
                 "remat": False, "carry_leading_shape": []}  # fmt: skip
    return model_type, meta


def configs(
    case: tuple, dtype: str, activations: tuple[str, ...] | None = None
) -> st.SearchStrategy[tuple[str, dict[str, Any], Layout]]:
    """A test cell's ``(model_type, metadata, layout)``: fixed under ``ci``, from
    the cell's pool under ``fuzz``."""
    if not FUZZ:
        return st.just((*fixed_config(case, dtype), DEFAULT_LAYOUT))
    return st.sampled_from(_pool(case, dtype, activations))


@functools.lru_cache(maxsize=None)
def _pool(case: tuple, dtype: str, activations: tuple[str, ...] | None) -> list[tuple[str, dict[str, Any], Layout]]:
    model_type, kind, sigma, cell = case
    return strategies.random_configs(
        POOL,
        seed=zlib.crc32(f"{FUZZ_SEED} {case_id(case)} {dtype} {activations}".encode()),
        model_types=[model_type],
        discrete=kind == "discrete",
        action_space_kinds=[kind] if kind != "discrete" else strategies.ACTION_SPACES,
        actor_sigma_head=sigma,
        cell_types=[cell] if cell else ("OptimizedLSTMCell",),
        activations=activations,
        dtype=dtype,
    )


def case_with(activation: str) -> tuple:
    """The first case whose ``ci`` configuration uses ``activation``."""
    return next(c for c in RUN_CASES if fixed_config(c, "float32")[1]["activation"] == activation)


def x64(dtype: str) -> contextlib.AbstractContextManager:
    """64-bit JAX for float64 cases only, so float32 runs as JAX users run it."""
    return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()


@functools.lru_cache(maxsize=128)
def _source(model_type: str, metadata: str, backend: str) -> tuple[Any, dict[str, np.ndarray]]:
    """A model built once per configuration, and its initial parameters. The
    torch initialisation serves both backends (the same distributions): JAX's,
    run eagerly, would compile every initializer for a few examples' sake."""
    torch_model = rt.Model.from_metadata(model_type, json.loads(metadata), key=0)
    if backend == "torch":
        return torch_model, torch_model.canonical_params()
    return rj.from_torch(torch_model), torch_model.canonical_params()


def initial_params(model_type: str, metadata: dict[str, Any], direction: str) -> dict[str, np.ndarray]:
    """The initial parameters of the source model (call under :func:`x64`)."""
    return _source(model_type, json.dumps(metadata, sort_keys=True), direction.split("->")[0])[1]


def build_pair(model_type: str, metadata: dict[str, Any], params: dict[str, np.ndarray], direction: str):
    """A model with ``params`` in the source backend of ``direction`` and its
    conversion to the other, ``(jax_model, torch_model)`` (call under :func:`x64`)."""
    backend = direction.split("->")[0]
    source = _source(model_type, json.dumps(metadata, sort_keys=True), backend)[0]
    source.load_canonical_params(params)
    source.reset((metadata["observation_space_size"],))  # a fresh carry, whatever the last test did
    if backend == "jax":
        return source, rt.from_jax(source)
    return rj.from_torch(source), source


@st.composite
def pairs(
    draw: st.DrawFn, case: tuple, dtype: str, direction: str, activations: tuple[str, ...] | None = None
) -> tuple[str, dict[str, Any], dict[str, np.ndarray], Layout]:
    """``(model_type, metadata, params, layout)`` for a cell: its configuration,
    drawn weights and the layout to draw inputs in."""
    model_type, metadata, layout = draw(configs(case, dtype, activations), label="config")
    with x64(dtype):
        base = initial_params(model_type, metadata, direction)
    return model_type, metadata, draw(strategies.weights(base), label="weights"), layout
