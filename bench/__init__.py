"""Benchmarks and scale: ``python -m bench`` (or ``chainscout bench``); see BENCHMARKS.md."""
