"""Hypothesis profiles for the parity suite.

``ci`` (default): derandomized, a few examples for each of the parametrized
configuration kinds, so every model type x policy kind x sigma head x cell
type x dtype x conversion direction is covered on every run. ``fuzz``
(``tox -e fuzz``): many more examples per kind, randomized.
"""

import os

from hypothesis import HealthCheck, settings

suppress = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=3, print_blob=True, suppress_health_check=suppress)
settings.register_profile("fuzz", deadline=None, max_examples=40, print_blob=True, suppress_health_check=suppress)
settings.register_profile("dev", deadline=None, max_examples=1, suppress_health_check=suppress)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- the largest errors seen, per output and dtype, printed after the run ------

import pytest  # noqa: E402

import rlmodels.parity  # noqa: E402

_largest: dict[tuple[str, str], tuple[float, float, float]] = {}
_reports = {"within": 0, "outside": 0}


@pytest.fixture(autouse=True, scope="session")
def _record_reports():
    compare_probes = rlmodels.parity.compare_probes

    def recording(*args, **kwargs):
        report = compare_probes(*args, **kwargs)
        # Comparisons outside tolerance are deliberate breaks (test_sanity,
        # test_cli's perturbed model; any other fails its test): count them, keep them out of the maxima.
        _reports["within" if report.ok else "outside"] += 1
        if not report.ok:
            return report
        for o in report.outputs:
            key = (o.name, report.dtype)
            ratio, max_abs, max_rel = _largest.get(key, (0.0, 0.0, 0.0))
            _largest[key] = (max(ratio, o.ratio), max(max_abs, o.max_abs), max(max_rel, o.max_rel))
        return report

    rlmodels.parity.compare_probes = recording
    yield
    rlmodels.parity.compare_probes = compare_probes


def _merge(largest: dict, reports: dict) -> None:
    for key, (ratio, max_abs, max_rel) in largest.items():
        old = _largest.get(key, (0.0, 0.0, 0.0))
        _largest[key] = (max(old[0], ratio), max(old[1], max_abs), max(old[2], max_rel))
    for k in _reports:
        _reports[k] += reports[k]


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
    if data:
        _merge({tuple(k.split("|")): tuple(v) for k, v in data["largest"].items()}, data["reports"])


def pytest_terminal_summary(terminalreporter):
    if not _largest:
        return
    write = terminalreporter.write_line
    write(
        f"\nparity: {_reports['within']} comparisons within tolerance ({_reports['outside']} outside, "
        "models broken on purpose); largest error per output and dtype "
        "(x tolerance = error / (atol + rtol * scale)):"
    )
    write(f"{'output':<14}{'dtype':<9}{'x tolerance':>12}{'max abs err':>14}{'max rel err':>14}")
    for (name, dtype), (ratio, max_abs, max_rel) in sorted(_largest.items()):
        write(f"{name:<14}{dtype:<9}{ratio:>12.3g}{max_abs:>14.3e}{max_rel:>14.3e}")
