"""Optional extras: import a third-party library or say which extra brings it."""

from __future__ import annotations

import importlib.util

__all__ = ["require_extra"]


def require_extra(extra: str, packages: tuple[str, ...], caller: str) -> None:
    """Raise an ImportError naming ``extra`` if any of ``packages`` (import names)
    is not installed; ``caller`` is what needs them."""
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        raise ImportError(
            f"{caller} needs {' and '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not installed; "
            f"install it with pip install 'rlmodels-parity[{extra}]' torch==<your torch version> "
            f"(naming your torch keeps pip from replacing it)"
        )
