"""Seeded, realistic demo data in the input-file contract (see docs/demo-data.md)."""

from chainscout.loaders.demo.generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
