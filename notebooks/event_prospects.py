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
# # Event-triggered prospects for one day's events
#
# "This company just won a bid — whom should we call?" Every event of the day is expanded over
# shareholders, subsidiaries, supply partners, park co-tenants, association co-members and
# officers (`expansion.expand_events`), and the best prospects are drawn with the path that
# explains each score (networkx + matplotlib).
#
# Runs on the configured store; on an empty embedded store it first loads a small demo data set.

# %%
import datetime as dt
from collections import Counter

import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
from IPython.display import display

from chainscout.loaders.reference_data import load_event_types
from chainscout.notebook_setup import open_store_with_demo, use_cjk_fonts
from chainscout.queries import expansion

use_cjk_fonts()  # Chinese names draw as boxes without a CJK font

store = open_store_with_demo()

# %% [markdown]
# ## The day
#
# The latest day with events in the graph (the demo data ends on 2025-06-30). Set `DAY` to any
# ISO date to look at another one.

# %%
DAY = store.read("MATCH (e:Event) RETURN max(e.date) AS day")[0]["day"] or dt.date.today().isoformat()
catalogue = load_event_types()
batch = expansion.expand_events(store, date_from=DAY, date_to=DAY, max_hops=2, per_event_limit=5,
                                as_of=dt.date.fromisoformat(DAY), event_types=catalogue)
events_df = pd.DataFrame([
    {"event_id": e.event_id, "type": e.type, "name": catalogue[e.type].name if e.type in catalogue
     else "", "subject": e.subject, "title": e.title, "value": round(e.value, 3)}
    for e in batch.events
])
print(f"{DAY}: {len(batch.events)} events expanded, {len(batch.skipped)} skipped, "
      f"{len(batch.hits)} (event, prospect) pairs")
events_df.sort_values("value", ascending=False).head(15)

# %% [markdown]
# ## The best prospects of the day
#
# Ranked together across events; each carries its score parts (`event_value`, `path_strength`,
# `product_fit`, `not_customer`), the relation families walked and the products to offer.

# %%
page = expansion.page(store, batch, limit=12)
prospects_df = pd.DataFrame([
    {"prospect": p.enterprise.properties.get("name"), "uscc": p.uscc,
     "event": p.facts["event_id"], "hops": p.facts["hops"],
     "via": " → ".join(p.facts["families"]), "offer": ", ".join(p.facts["offer"]),
     "score": p.score.total,
     **{part.name: round(part.contribution, 2) for part in p.score.parts}}
    for p in page.items
])
prospects_df

# %%
for p in page.items[:5]:
    print(f"{p.enterprise.properties.get('name')} ({p.score.total:.1f})")
    for part in p.score.parts:
        print(f"   {part.name:>14} {part.contribution:6.2f}  {part.explanation}")

# %% [markdown]
# ## Their paths, drawn
#
# Subject enterprises of the events (squares) to prospects (circles, green when already a bank
# customer), through people, parks and associations; edges carry the relationship type.

# %%
COLOURS = {"Enterprise": "#90caf9", "Person": "#ffcc80", "Park": "#a5d6a7",
           "Association": "#ce93d8", "Branch": "#eeeeee"}
graph = nx.DiGraph()
subjects = {p.facts["subject"] for p in page.items}
customers = {p.uscc for p in page.items if p.facts["is_customer"]}
for p in page.items:
    for path in p.paths:
        for node in path.nodes:
            name = str(node.properties.get("name") or node.key)
            graph.add_node(node.ref, label=node.label, text=name[:10])
        for rel in path.relationships:
            graph.add_edge(rel.start, rel.end, type=rel.type)

fig, ax = plt.subplots(figsize=(13, 9))
pos = nx.spring_layout(graph, seed=7, k=2.5 / max(1, len(graph)) ** 0.5)
for shape, selected in (("s", [n for n in graph if n.split(":", 1)[1] in subjects]),
                        ("o", [n for n in graph if n.split(":", 1)[1] not in subjects])):
    colours = ["#66bb6a" if n.split(":", 1)[1] in customers
               else COLOURS.get(graph.nodes[n]["label"], "#bdbdbd") for n in selected]
    nx.draw_networkx_nodes(graph, pos, nodelist=selected, node_shape=shape, node_color=colours,
                           node_size=420, edgecolors="#424242", ax=ax)
nx.draw_networkx_edges(graph, pos, arrows=True, arrowsize=12, edge_color="#757575", ax=ax)
nx.draw_networkx_edge_labels(graph, pos, edge_labels=nx.get_edge_attributes(graph, "type"),
                             font_size=6, ax=ax)
nx.draw_networkx_labels(graph, pos, labels={n: graph.nodes[n]["text"] for n in graph},
                        font_size=7, ax=ax)
ax.set_title(f"Prospects of {DAY}: paths from the events' subjects")
ax.axis("off")
plt.show()

# %% [markdown]
# ## Which relations found them

# %%
families = Counter(f for hit in batch.hits for f in hit.families)
display(pd.Series(families, name="hits").sort_values(ascending=False).to_frame())
store.close()
