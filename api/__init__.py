"""The HTTP API and the managers' web page (``create_app``; run with ``chainscout serve``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so `chainscout api-key …` does not import FastAPI.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
