"""The notebooks run top to bottom on demo data, and their HTML goes to artifacts/notebooks/.

A 2k-enterprise demo data set is generated and loaded into a temporary embedded store; each
notebook (the jupytext percent-format script, the source of truth) is executed in a fresh kernel
pointed at that store through ``CHAINSCOUT_DATA_DIR`` and exported with nbconvert's HTML exporter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chainscout.graph.stores.base import GraphStore
from chainscout.settings import Settings
from chainscout.stores import open_store

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "artifacts" / "notebooks"
SCRIPTS = sorted(NOTEBOOKS.glob("*.py"))

pytestmark = [pytest.mark.falkordb, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """A loaded embedded store; its server stays up while the kernels attach to it."""
    from chainscout.loaders.demo import generate
    from chainscout.loaders.pipeline import LoadOptions, load_directory

    tmp = tmp_path_factory.mktemp("notebooks")
    generate(tmp / "input", 2000, seed=7)
    settings = Settings(store="falkordb", data_dir=tmp / "store")
    store = open_store(settings)
    try:
        load_directory(store, tmp / "input", LoadOptions(progress=False,
                                                         rejects=tmp / "rejects.csv"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CHAINSCOUT_STORE", "falkordb")
            patch.setenv("CHAINSCOUT_DATA_DIR", str(settings.data_dir))
            patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
            yield store
    finally:
        store.close()


def test_there_are_four_notebooks() -> None:
    assert [p.stem for p in SCRIPTS] == [
        "customer_coverage", "event_prospects", "ownership_penetration", "park_analysis"]


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_notebook_runs_on_demo_data(script: Path, demo_store: GraphStore) -> None:
    import jupytext
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = jupytext.read(script)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError with the failing cell's traceback
    outputs = [o for cell in notebook.cells if cell.cell_type == "code"
               for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(o.get("output_type") in {"display_data", "execute_result"} for o in outputs)
    body, _ = HTMLExporter().from_notebook_node(notebook)  # type: ignore[no-untyped-call]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{script.stem}.html"
    target.write_text(body, encoding="utf-8")
    print(f"\nnotebook HTML: {target}")
    assert target.stat().st_size > 10_000
