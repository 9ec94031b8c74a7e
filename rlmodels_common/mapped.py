"""What every importer's result shares (``rlmodels_common.jaxdem.Imported``,
``rlmodels_common.brax.Imported``): our configuration, and the mapping from
the upstream's entries to our canonical names, as a table."""

from __future__ import annotations

from typing import Any

from .configs import ModelConfig

__all__ = ["Mapped"]


class Mapped:
    """Mixed into an importer's result, which holds ``config``, ``mapped``
    ``((upstream entry, canonical name), ...)`` and ``dropped`` ``((upstream
    entry, why), ...)``."""

    config: ModelConfig
    mapped: tuple[tuple[str, str], ...]
    dropped: tuple[tuple[str, str], ...]

    @property
    def model_type(self) -> str:
        return self.config.model_type

    @property
    def metadata(self) -> dict[str, Any]:
        return self.config.metadata()

    def mapping_table(self, head: str, upstream: str) -> str:
        """``head``, then every ``upstream`` entry and where it went or why it was dropped."""
        rows = [(src, dst) for src, dst in self.mapped] + [(src, f"(dropped: {why})") for src, why in self.dropped]
        width = max(len(src) for src, _ in rows)
        title = f"{upstream} entry"
        return "\n".join([head, f"  {title:<{width}}  rlmodels name", *(f"  {s:<{width}}  {d}" for s, d in rows)])
