"""JaxDEM's recording protocol run by a model of either backend (the
outputs ``tests.jaxdem_cases`` compares with JaxDEM's record)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlmodels_common.carry import entries, map_carry
from rlmodels_common.contract import carry_shapes
from tests.backends.frameworks import Backend


def rollout(backend: Backend, model: Any, want: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """JaxDEM's recording protocol: from a zero carry at batch B, step t runs on
    ``obs[t]``, then the carry is reset where ``done[t]``."""
    out: dict[str, list] = {"value": [], "log_prob": [], "entropy": [], "deterministic": []}
    obs, done = backend.array(want["obs"]), backend.array(want["done"], "bool")
    names = list(carry_shapes(model.type_name, model.metadata))
    carry = model.initial_carry(obs.shape[1:2])
    out |= {f"carry_{n}": [] for n in names}
    with backend.no_grad():
        for t in range(obs.shape[0]):
            if names:
                pi, value, carry = model.step(obs[t], carry)
                for n, a in zip(names, entries(carry)):
                    out[f"carry_{n}"].append(backend.numpy(a))
                carry = map_carry(lambda a: backend.where(done[t].reshape(-1, *(1,) * (a.ndim - 1)), 0.0, a), carry)
            else:
                pi, value = model(obs[t])
            out["value"].append(backend.numpy(value))
            out["log_prob"].append(backend.numpy(pi.log_prob(backend.array(want["actions"][t], want["actions"].dtype.name))))
            out["entropy"].append(backend.numpy(pi.entropy()))
            out["deterministic"].append(backend.numpy(backend.rb.deterministic_action(pi)))
    return {k: np.stack(v) for k, v in out.items()}
