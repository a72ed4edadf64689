# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Coverage of existing customers per chain and per park
#
# How much of each industry chain, and of each park, already banks with us — overall, per serving
# branch, per theme (listed, high-tech, 专精特新 …) and per segment — and where the largest
# uncovered groups are (`coverage.chain_coverage`, `coverage.park_coverage`).
#
# Runs on the configured store; on an empty embedded store it first loads a small demo data set.

# %%
from dataclasses import asdict

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from chainscout.loaders.reference_data import load_chains
from chainscout.notebook_setup import open_store_with_demo, use_cjk_fonts
from chainscout.queries import coverage

use_cjk_fonts()  # Chinese names draw as boxes without a CJK font

store = open_store_with_demo()

# %% [markdown]
# ## Per chain
#
# Active enterprises in any segment of the chain, and how many are customers of any branch.

# %%
chains = {c.id: c.name for c in load_chains()}
reports = {chain_id: coverage.chain_coverage(store, chain_id) for chain_id in chains}
chains_df = pd.DataFrame([
    {"chain": chain_id, "name": chains[chain_id], "enterprises": r.enterprises,
     "customers": r.customers, "share": r.share, "parks": len(r.parks)}
    for chain_id, r in reports.items()
]).sort_values("share", ascending=False)
chains_df

# %%
fig, ax = plt.subplots(figsize=(9, 4))
ax.barh(chains_df["name"], chains_df["enterprises"], color="#e0e0e0", label="enterprises")
ax.barh(chains_df["name"], chains_df["customers"], color="#1976d2", label="customers")
for y, (n, c) in enumerate(zip(chains_df["enterprises"], chains_df["customers"], strict=True)):
    ax.text(n, y, f"  {c / n:.0%}" if n else "", va="center", fontsize=8)
ax.invert_yaxis()
ax.set_xlabel("active enterprises")
ax.set_title("Customer coverage per industry chain")
ax.legend(loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## One chain in depth
#
# The chain with the most enterprises: coverage per segment, per park, per theme, and the largest
# groups not yet covered.

# %%
CHAIN_ID = chains_df.sort_values("enterprises", ascending=False)["chain"].iloc[0]
report = reports[CHAIN_ID]
print(f"{report.scope}: {report.customers}/{report.enterprises} customers ({report.share:.0%})")
frames = {kind: pd.DataFrame([{**asdict(g), "share": g.share} for g in groups])
          for kind, groups in (("segments", report.segments), ("parks", report.parks),
                               ("themes", report.themes), ("branches", report.branches),
                               ("largest uncovered groups", report.uncovered))}
for kind, frame in frames.items():
    print(kind)
    display(frame)

# %% [markdown]
# ## Per park
#
# Every park holding the chain, with all its enterprises (any chain) and the chain's share.

# %%
rows = []
for group in report.parks:
    whole = coverage.park_coverage(store, group.key)
    chain_part = coverage.park_coverage(store, group.key, chain_id=CHAIN_ID)
    rows.append({"park": group.name, "park_id": group.key,
                 "enterprises": whole.enterprises, "customers": whole.customers,
                 "share": whole.share, f"{CHAIN_ID} enterprises": chain_part.enterprises,
                 f"{CHAIN_ID} share": chain_part.share,
                 "top branch": whole.branches[0].name if whole.branches else ""})
parks_df = pd.DataFrame(rows).sort_values("enterprises", ascending=False)
parks_df

# %%
if not parks_df.empty:
    top = parks_df.head(12)
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(top) + 1.5))
    ax.barh(top["park"], top["enterprises"], color="#e0e0e0", label="enterprises")
    ax.barh(top["park"], top["customers"], color="#388e3c", label="customers")
    ax.invert_yaxis()
    ax.set_xlabel("active enterprises")
    ax.set_title(f"Customer coverage of the parks holding {CHAIN_ID}")
    ax.legend(loc="lower right")
    plt.tight_layout()
    plt.show()

# %%
store.close()
