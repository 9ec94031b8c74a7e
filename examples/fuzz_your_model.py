"""Fuzz a port: every configuration hypothesis can draw must agree across
frameworks. Run with ``pytest examples/fuzz_your_model.py``."""

from hypothesis import given, settings

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels import compare, strategies


@settings(max_examples=10, deadline=None)
@given(config=strategies.model_configs(model_types=["ActorCritic"]), seed=strategies.seeds())
def test_port_agrees(config, seed):
    model_type, metadata = config                        # a (type, metadata) pair; any model registered in both
    jax_model = rj.Model.from_metadata(model_type, metadata, key=seed % 2**31)
    jax_model.load_canonical_params(strategies.perturbed(jax_model.canonical_params(), seed))
    report = compare(jax_model, rt.from_jax(jax_model), seed=seed % 2**31)
    assert report.ok, report                             # the table says which output drifted
