"""``rlmodels.parity.memory``: compiled programs are released when the process
nears its mapping limit, and the mappings are counted only after XLA compiled."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from rlmodels.parity import memory


def test_release_counts_only_after_a_compilation_and_then_clears_the_caches(monkeypatch):
    counted = []
    monkeypatch.setattr(memory, "mapping_count", lambda: counted.append(1) or 10)
    monkeypatch.setattr(memory, "mapping_limit", lambda: 100)
    square = jax.jit(lambda x: x * x)
    memory.release_compiled(share=0.0)  # whatever ran before this test is settled
    square(jnp.ones(3))
    assert square._cache_size() == 1
    counted.clear()
    assert memory.release_compiled(share=0.05)  # 10 mappings of 100: over 5%
    assert counted == [1] and square._cache_size() == 0  # dropped: jax.clear_caches()
    assert not memory.release_compiled(share=0.05)  # nothing compiled since: not even counted
    assert counted == [1]
    square(jnp.ones(4))
    assert not memory.release_compiled(share=0.5)  # counted, under the share: kept
    assert counted == [1, 1] and square._cache_size() == 1
    np.testing.assert_array_equal(square(jnp.ones(4)), np.ones(4))


def test_mapping_count_reads_this_process():
    count, limit = memory.mapping_count(), memory.mapping_limit()
    if count is None or limit is None:  # no /proc: nothing to count, nothing released
        assert not memory.release_compiled(share=0.0)
        return
    assert 0 < count < limit
