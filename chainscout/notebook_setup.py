"""The first cell of every analysis notebook: Chinese names that draw, and a store with data in it.

A notebook opened on a fresh machine should run top to bottom, so an empty store gets a small
generated demo data set. matplotlib is a notebook (dev) dependency, imported only when asked for.
"""

from __future__ import annotations

import logging
import warnings

from chainscout.graph.stores.base import GraphStore
from chainscout.settings import get_settings
from chainscout.stores import open_store

#: Fonts with CJK glyphs, best first (Debian: fonts-noto-cjk, fonts-wqy-zenhei).
CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC")


def use_cjk_fonts() -> list[str]:
    """Make matplotlib draw Chinese names; returns the CJK fonts found (none: names draw as boxes).

    The warnings about missing glyphs are silenced: without a CJK font there would be one per
    character drawn.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Glyph .* missing")
    installed = {f.name for f in matplotlib.font_manager.fontManager.ttflist}
    found = [f for f in CJK_FONTS if f in installed]
    plt.rcParams["font.sans-serif"] = [*found, "DejaVu Sans"]
    return found


def open_store_with_demo(enterprises: int = 2000) -> GraphStore:
    """The configured store; when it holds no enterprise, first generate and load a demo data set
    of ``enterprises`` (in ``<data dir>/demo-input``)."""
    store = open_store()
    if not store.read("MATCH (e:Enterprise) RETURN e.uscc AS uscc LIMIT 1"):
        from chainscout.loaders.demo import generate
        from chainscout.loaders.pipeline import LoadOptions, load_directory

        demo_dir = get_settings().data_dir / "demo-input"
        generate(demo_dir, enterprises)
        load_directory(store, demo_dir, LoadOptions(progress=False))
    print(f"store: {store.name}, data dir: {get_settings().data_dir}")
    return store
