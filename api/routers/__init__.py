"""One router per resource; ``ROUTERS`` is the order they are mounted in."""

from fastapi import APIRouter

from . import (
    analysis,
    cypher,
    enterprises,
    events,
    expansion,
    geo,
    introductions,
    leads,
    ownership,
    peers,
    strategies,
    system,
)

ROUTERS: list[APIRouter] = [
    system.router,
    enterprises.router,
    peers.router,
    strategies.router,
    ownership.router,
    introductions.router,
    expansion.router,
    geo.router,
    analysis.router,
    events.router,
    leads.router,
    cypher.router,
]
