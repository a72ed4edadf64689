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
# # Park analysis for an industry chain
#
# Where does the chain cluster, who sits in those parks, which of them already bank with us, and
# which segments does the best park lack? Everything comes from the public query modules:
# `strategies.rank_parks` / `park_strategy` ("industry + park"), `peers.peers` (co-tenants),
# `gaps.chain_gaps` (补链) and `coverage.park_coverage`.
#
# Runs on the configured store (`CHAINSCOUT_STORE`, `CHAINSCOUT_DATA_DIR`); on an empty embedded
# store it first generates and loads a small demo data set. The map needs no tile server
# (`folium.Map(tiles=None)`): parks and tenants are drawn on a blank background.

# %%
import datetime as dt
from dataclasses import asdict

import folium
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from chainscout.graph.stores.base import GraphNode
from chainscout.notebook_setup import open_store_with_demo, use_cjk_fonts
from chainscout.queries import coverage, gaps, peers, strategies

use_cjk_fonts()  # Chinese names draw as boxes without a CJK font

CHAIN_ID = "ic"  # integrated circuits; any chain id of loaders/reference/chains.yaml works
TOP_PARKS = 5

store = open_store_with_demo()

# %% [markdown]
# ## Parks where the chain clusters
#
# `members` (chain enterprises in the park vs the most in any park), `coverage` (segments present)
# and `growth` (members with an event in the year before the latest event) make the park score.

# %%
latest = store.read("MATCH (e:Event) RETURN max(e.date) AS day")[0]["day"] or dt.date.today().isoformat()
since = (dt.date.fromisoformat(latest) - dt.timedelta(days=365)).isoformat()
ranked = strategies.rank_parks(store, chain_id=CHAIN_ID, since=since, limit=TOP_PARKS)
parks_df = pd.DataFrame([
    {"park_id": c.park_id, "park": c.park.properties.get("name"), "members": c.members,
     "segments": f"{len(c.segments)}/{c.segment_count}", "score": c.score.total,
     "strength": c.strength,
     **{p.name: round(p.contribution, 2) for p in c.score.parts}}
    for c in ranked.items
])
print(f"{ranked.total} parks hold {CHAIN_ID} enterprises; top {len(ranked.items)}:")
parks_df

# %% [markdown]
# ## Prospects in the top parks
#
# Non-customer chain enterprises in those parks, ranked; every prospect carries the paths that
# explain its score (enterprise → park, enterprise → segment → chain).

# %%
strategy = strategies.park_strategy(store, chain_id=CHAIN_ID, since=since, parks=TOP_PARKS,
                                    limit=30)
prospects_df = pd.DataFrame([
    {"uscc": p.uscc, "name": p.enterprise.properties.get("name"), "park_id": p.facts["park_id"],
     "segments": ", ".join(p.facts["segments"]), "score": p.score.total,
     "why": "; ".join(part.explanation for part in p.score.parts if part.explanation)}
    for p in strategy.prospects.items
])
print(f"{strategy.prospects.total} prospects; first {len(prospects_df)}")
prospects_df.head(15)

# %% [markdown]
# ## Tenants of each top park
#
# All active tenants of a park are the peers (`kind="park"`) of any one tenant, plus that tenant.

# %%
def park_tenants(park_id: str) -> list[tuple[GraphNode, bool]]:
    anchor = next((p for p in strategy.prospects.items if p.facts["park_id"] == park_id), None)
    if anchor is None:
        return []
    page = peers.peers(store, anchor.uscc, "park", limit=500)
    tenants = [(anchor.enterprise, False)]
    tenants += [(p.enterprise, bool(p.facts["is_customer"])) for p in page.items
                if p.facts.get("via") == park_id]
    return tenants


tenants = {c.park_id: park_tenants(c.park_id) for c in ranked.items}
pd.DataFrame([{"park_id": pid, "tenants": len(t), "customers": sum(1 for _, c in t if c)}
              for pid, t in tenants.items()])

# %% [markdown]
# ## Map: parks and tenants
#
# Parks are large circles (size by chain members), tenants small dots: green for existing
# customers, red for prospects. No tiles: `tiles=None` keeps the map offline.

# %%
points = [(c.park.properties.get("lat"), c.park.properties.get("lng")) for c in ranked.items]
points = [(float(a), float(b)) for a, b in points if a is not None and b is not None]
centre = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)) \
    if points else (31.2, 121.5)
fmap = folium.Map(location=centre, zoom_start=5, tiles=None, control_scale=True)
for c in ranked.items:
    lat, lng = c.park.properties.get("lat"), c.park.properties.get("lng")
    if lat is None or lng is None:
        continue
    folium.CircleMarker(
        (float(lat), float(lng)), radius=6 + 2 * c.members ** 0.5, color="#1f4e79", fill=True,
        fill_opacity=0.25,
        tooltip=f"{c.park.properties.get('name')} ({c.park_id}): {c.members} members",
    ).add_to(fmap)
    for node, is_customer in tenants.get(c.park_id, []):
        tlat, tlng = node.properties.get("lat"), node.properties.get("lng")
        if tlat is None or tlng is None:
            continue
        folium.CircleMarker(
            (float(tlat), float(tlng)), radius=3, color="#2e7d32" if is_customer else "#c62828",
            fill=True, fill_opacity=0.9,
            tooltip=f"{node.properties.get('name')} ({'customer' if is_customer else 'prospect'})",
        ).add_to(fmap)
if points:
    fmap.fit_bounds([[min(p[0] for p in points) - 0.5, min(p[1] for p in points) - 0.5],
                     [max(p[0] for p in points) + 0.5, max(p[1] for p in points) + 0.5]])
fmap

# %% [markdown]
# The same points as a static picture (the interactive map above loads the Leaflet script from its
# CDN when the page is viewed; this one needs nothing).

# %%
fig, ax = plt.subplots(figsize=(8, 6))
for c in ranked.items:
    lat, lng = c.park.properties.get("lat"), c.park.properties.get("lng")
    if lat is None or lng is None:
        continue
    ax.scatter([float(lng)], [float(lat)], s=80 + 40 * c.members, facecolors="none",
               edgecolors="#1f4e79", linewidths=1.5)
    ax.annotate(str(c.park.properties.get("name")), (float(lng), float(lat)), fontsize=8,
                xytext=(6, 6), textcoords="offset points")
    dots = [(n.properties.get("lng"), n.properties.get("lat"), cust)
            for n, cust in tenants.get(c.park_id, [])
            if n.properties.get("lat") is not None and n.properties.get("lng") is not None]
    ax.scatter([float(x) for x, _, _ in dots], [float(y) for _, y, _ in dots], s=10,
               c=["#2e7d32" if cust else "#c62828" for _, _, cust in dots])
ax.set_xlabel("longitude")
ax.set_ylabel("latitude")
ax.set_title(f"Top parks for {CHAIN_ID}: tenants (green customers, red prospects)")
ax.set_aspect("equal", adjustable="datalim")
plt.show()

# %% [markdown]
# ## Chain gaps of the best park (补链)
#
# Segments the park lacks or holds thinly, and the enterprises nearby that would fill them.

# %%
best = ranked.items[0].park_id if ranked.items else None
if best is not None:
    report = gaps.chain_gaps(store, best, CHAIN_ID, max_km=None, limit=10)
    display(pd.DataFrame([
        {"segment": s.segment_id, "name": s.segment.properties.get("name"), "members": s.members,
         "status": s.status.value, "gap": s.gap, "adjacency": s.adjacency}
        for s in report.segments]))
    display(pd.DataFrame([
        {"uscc": p.uscc, "name": p.enterprise.properties.get("name"),
         "segment": p.facts["segment_id"], "status": p.facts["segment_status"],
         "km": p.facts["km"], "customer": p.facts["is_customer"], "score": p.score.total}
        for p in report.fillers.items]))

# %% [markdown]
# ## Coverage of the best park's chain enterprises

# %%
if best is not None:
    cov = coverage.park_coverage(store, best, chain_id=CHAIN_ID)
    print(f"{cov.scope}: {cov.customers}/{cov.enterprises} customers ({cov.share:.0%})")
    display(pd.DataFrame([{**asdict(g), "share": g.share} for g in cov.segments]))

# %%
store.close()
