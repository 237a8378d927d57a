"""Domain errors carry a message key and parameters; the chat layer renders them."""

from __future__ import annotations


class Key(str):
    """A parameter that is itself a message key, shown translated in the reader's language."""

    __slots__ = ()


class DomainError(Exception):
    """A rule said no. `key` names the catalog message that explains it to the user."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class NotAllowed(DomainError):
    """The actor's role or unit does not cover this action."""

    def __init__(self, key: str = "error.not_allowed", **params: object) -> None:
        super().__init__(key, **params)


class NotFound(DomainError):
    """The thing is gone or was never visible to this actor."""

    def __init__(self, key: str = "error.not_found", **params: object) -> None:
        super().__init__(key, **params)
