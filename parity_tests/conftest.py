"""Hypothesis profiles for the parity suite, and the largest errors seen.

``ci`` (default): derandomized, a few examples for each test cell, so every
model type x policy kind x sigma head x cell type x dtype x conversion
direction is covered on every run; each cell has one configuration, and its
examples draw weights and inputs. ``fuzz`` (``tox -e fuzz``): many more
examples, configurations drawn too (``parity_tests.pairs``).
"""

import os
import random

from hypothesis import HealthCheck, settings

# One seed for the fuzz pools of every xdist worker (they inherit the environment).
os.environ.setdefault("RLMODELS_FUZZ_SEED", str(random.randrange(2**32)))

suppress = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=3, print_blob=True, suppress_health_check=suppress)
settings.register_profile("fuzz", deadline=None, max_examples=40, print_blob=True, suppress_health_check=suppress)
settings.register_profile("dev", deadline=None, max_examples=1, suppress_health_check=suppress)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- the largest errors seen, per output and dtype, printed after the run ------

import pytest  # noqa: E402

from rlmodels.parity import assess  # noqa: E402

_largest: dict[tuple[str, str], tuple[float, float, float]] = {}
_reports = {"within": 0, "outside": 0}


@pytest.fixture(autouse=True, scope="session")
def _record_reports():
    build = assess.build

    def recording(*args, **kwargs):
        report = build(*args, **kwargs)
        # Comparisons outside the rule are deliberate breaks (test_sanity, the
        # CLI's perturbed model; any other fails its test): count them, keep
        # them out of the maxima.
        _reports["within" if report.ok else "outside"] += 1
        if report.ok:
            for o in report.outputs:
                key = (o.name, report.dtype)
                ratio, torch_abs, jax_abs = _largest.get(key, (0.0, 0.0, 0.0))
                _largest[key] = (max(ratio, o.ratio), max(torch_abs, o.max_abs), max(jax_abs, o.reference_abs))
        return report

    assess.build = recording
    yield
    assess.build = build


def pytest_sessionfinish(session):
    # Under pytest-xdist, hand this worker's figures to the controller.
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["parity"] = {
            "largest": {f"{n}|{d}": v for (n, d), v in _largest.items()},
            "reports": dict(_reports),
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    data = getattr(node, "workeroutput", {}).get("parity")
    if not data:
        return
    for key, (ratio, torch_abs, jax_abs) in data["largest"].items():
        key = tuple(key.split("|"))
        old = _largest.get(key, (0.0, 0.0, 0.0))
        _largest[key] = (max(old[0], ratio), max(old[1], torch_abs), max(old[2], jax_abs))
    for k in _reports:
        _reports[k] += data["reports"][k]


def pytest_terminal_summary(terminalreporter):
    if not _largest:
        return
    write = terminalreporter.write_line
    from parity_tests.pairs import FUZZ, FUZZ_SEED

    if FUZZ:
        write(f"\nfuzz: configuration pools seeded with RLMODELS_FUZZ_SEED={FUZZ_SEED}")
    write(
        f"\nparity: {_reports['within']} comparisons within the rule ({_reports['outside']} outside, "
        "models broken on purpose); largest distance from the float64 truth per output and dtype "
        "(x allowed: torch's distance / what the rule allows):"
    )
    write(f"{'output':<14}{'dtype':<9}{'x allowed':>10}{'|torch-truth|':>15}{'|jax-truth|':>13}")
    for (name, dtype), (ratio, torch_abs, jax_abs) in sorted(_largest.items()):
        write(f"{name:<14}{dtype:<9}{ratio:>10.3g}{torch_abs:>15.3e}{jax_abs:>13.3e}")
