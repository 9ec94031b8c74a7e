"""A name registry for model and action-space classes, shared by both backends.

Each direct subclass of :class:`Factory` (``Model``, ``ActionSpace``) roots its
own registry, so a model and an action space may share a name.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, ClassVar, Iterable, TypeVar

from .errors import UnknownNameError

__all__ = ["Factory", "UnknownNameError", "normalize_key", "unknown_name_message"]

T = TypeVar("T", bound=type)


def normalize_key(name: str) -> str:
    """Registry key of ``name``: lower case, with spaces, ``_`` and ``-`` dropped."""
    if not isinstance(name, str):
        raise TypeError(f"registry names are strings, got {type(name).__name__}")
    return "".join(ch for ch in name.lower() if ch not in " _-")


def unknown_name_message(kind: str, name: object, registered: Iterable[str]) -> str:
    """``unknown Model 'LSTMActorCritc'; registered: ...; did you mean 'LSTMActorCritic'?``"""
    names = sorted(registered)
    guess = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return f"unknown {kind} {name!r}; registered: {', '.join(names) or '(none)'}{hint}"


class Factory:
    """Mixin giving a class family ``register``, ``create`` and name look-up."""

    _registry: ClassVar[dict[str, type]]
    _registry_name: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if Factory in cls.__bases__:
            cls._registry = {}
        # A subclass of a registered class is not registered until it says so.
        cls._registry_name = None

    @classmethod
    def register(cls, name: str) -> Callable[[T], T]:
        """Class decorator registering the class under ``name`` (normalised)."""
        key = normalize_key(name)

        def decorator(klass: T) -> T:
            if not (isinstance(klass, type) and issubclass(klass, cls)):
                raise TypeError(f"{klass!r} is not a subclass of {cls.__name__}")
            taken = cls._registry.get(key)
            if taken is not None and taken is not klass:
                raise ValueError(
                    f"{cls.__name__} name {name!r} is already registered to "
                    f"{taken.__module__}.{taken.__qualname__}; choose another name"
                )
            klass._registry_name = name
            cls._registry[key] = klass
            return klass

        return decorator

    @classmethod
    def lookup(cls, name: str) -> type:
        """The class registered under ``name``; ``UnknownNameError`` if none."""
        try:
            return cls._registry[normalize_key(name)]
        except KeyError:
            raise UnknownNameError(unknown_name_message(cls.__name__, name, cls.registered_names())) from None

    @classmethod
    def create(cls, name: str, /, **kwargs: Any) -> Any:
        """Build the class registered under ``name`` with ``kwargs``."""
        return cls.lookup(name)(**kwargs)

    @classmethod
    def registered_names(cls) -> list[str]:
        """The names registered in this family, sorted."""
        return sorted(k._registry_name for k in cls._registry.values())  # type: ignore[misc]

    @classmethod
    def registry_name(cls) -> str:
        """The name this class was registered under."""
        if cls._registry_name is None:
            raise UnknownNameError(f"{cls.__qualname__} is not registered")
        return cls._registry_name

    @property
    def type_name(self) -> str:
        """The registered name of this object's class."""
        return type(self).registry_name()
