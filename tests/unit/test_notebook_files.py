"""The notebooks are jupytext pairs: a percent-format script (the source of truth) and an .ipynb
with the same cells and no outputs; they use the public query modules, not private helpers."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SCRIPTS = sorted(NOTEBOOKS.glob("*.py"))


def test_four_notebooks() -> None:
    assert {p.stem for p in SCRIPTS} == {"park_analysis", "event_prospects",
                                         "ownership_penetration", "customer_coverage"}


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_paired_and_in_sync(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    assert "formats: ipynb,py:percent" in text and "# %%" in text
    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"run: jupytext --sync {script.relative_to(NOTEBOOKS.parent)}"
    from_script = jupytext.read(script)
    from_ipynb = nbformat.read(paired, as_version=4)  # type: ignore[no-untyped-call]
    assert [(c.cell_type, c.source) for c in from_script.cells] == [
        (c.cell_type, c.source) for c in from_ipynb.cells
    ], f"out of sync: jupytext --sync {script.relative_to(NOTEBOOKS.parent)}"
    assert all(not c.get("outputs") for c in from_ipynb.cells if c.cell_type == "code")


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_uses_public_query_api(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    assert re.search(r"^from chainscout\.queries import ", text, flags=re.M)
    assert not re.search(r"\b(?:coverage|expansion|gaps|ownership|peers|strategies|enterprises)"
                         r"\._[a-z]", text), "private query-module helpers"
    assert "tiles=None" in text or "folium" not in text
