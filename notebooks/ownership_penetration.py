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
# # Ownership penetration (股权穿透) of one corporate group
#
# Who ultimately owns and controls an enterprise, what its group holds down every level, with
# integrated (multiplied-through) shares — cycle-safe, so cross-holdings never inflate a share
# (`ownership.ultimate_owners`, `ultimate_controller`, `corporate_group`, `holdings`). The group
# is drawn as a graph with every holding's percentage.
#
# Runs on the configured store; on an empty embedded store it first loads a small demo data set.
# On the demo data the group is the flagship 申芯集成电路控股集团 (12 companies over five levels,
# with a cross-holding that closes an ownership cycle).

# %%

import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
from IPython.display import display

from chainscout.notebook_setup import open_store_with_demo, use_cjk_fonts
from chainscout.queries import enterprises, ownership

use_cjk_fonts()  # Chinese names draw as boxes without a CJK font

store = open_store_with_demo()

# %% [markdown]
# ## The enterprise
#
# Found by name (`enterprises.search_enterprises`; a USCC works too). Change `NAME` to look at
# another group.

# %%
NAME = "申芯集成电路控股集团"
found = enterprises.search_enterprises(store, NAME, limit=5)
if not found.items:  # not the demo data: take the enterprise with the most subsidiaries
    NAME = store.read("MATCH (e:Enterprise)-[:CONTROLS]->(s:Enterprise) "
                      "RETURN e.name AS name, count(s) AS n ORDER BY n DESC, name LIMIT 1")[0]["name"]
    found = enterprises.search_enterprises(store, NAME, limit=5)
subject = found.items[0]
USCC = subject.key
profile = enterprises.enterprise(store, USCC)
print(f"{subject.properties.get('name')} ({USCC}); parks {profile.parks if profile else ()}, "
      f"customer of {profile.branches if profile else ()}")

# %% [markdown]
# ## Upward: ultimate owners and the ultimate controller
#
# Top owners (natural persons, enterprises nobody holds, closed cross-holding cycles) with their
# integrated share, every path that makes it up, and the control chain to the ultimate controller.

# %%
owners = ownership.ultimate_owners(store, USCC, threshold=1.0)
display(pd.DataFrame([
    {"owner": s.owner.properties.get("name") or s.owner.key, "label": s.owner.label,
     "integrated %": round(s.percentage, 3), "paths": len(s.paths), "min hops": s.min_hops,
     "complete": s.complete}
    for s in owners.stakes]))
controller = ownership.ultimate_controller(store, USCC)
if controller is None:
    print("no one controls it: it heads its own group")
else:
    print("ultimate controller:", controller.controller.properties.get("name"),
          f"({controller.percentage:.1f} % integrated) via",
          " → ".join(str(n.properties.get("name") or n.key) for n in controller.path.nodes))
print("ownership cycles in the subgraph:", len(owners.cycles))

# %% [markdown]
# ## Downward: the corporate group and everything it holds

# %%
group = ownership.corporate_group(store, USCC)
print(f"group of {group.controller.properties.get('name')}: {len(group.members)} controlled "
      f"enterprises{' (truncated)' if group.truncated else ''}")
display(pd.DataFrame([
    {"member": m.controlled.properties.get("name"), "uscc": m.controlled.key,
     "levels": len(m.path.relationships), "integrated %": round(m.percentage, 2),
     "control chain": " → ".join(r.type for r in m.path.relationships)}
    for m in group.members]).sort_values(["levels", "member"]))

held = ownership.holdings(store, group.controller.key, min_percentage=0.0)
display(pd.DataFrame([
    {"held": s.held.properties.get("name"), "integrated %": round(s.percentage, 3),
     "paths": len(s.paths), "min hops": s.min_hops}
    for s in held.stakes]).head(20))

# %% [markdown]
# ## The group, drawn
#
# Every holding on the paths found above (owners above the group's controller, holdings below it,
# one level per hop of the shortest chain), labelled with its percentage; `CONTROLS` edges dashed,
# holdings that close an ownership cycle red; the subject in orange, natural persons in yellow.

# %%
graph = nx.DiGraph()


def add_path(path: object) -> None:
    for node in path.nodes:
        graph.add_node(node.ref, label=node.label,
                       text=str(node.properties.get("name") or node.key)[:12])
    for rel in path.relationships:
        if not graph.has_edge(rel.start, rel.end):
            pct = rel.properties.get("percentage")
            graph.add_edge(rel.start, rel.end, type=rel.type,
                           text=f"{pct:g}%" if pct is not None else "ctrl")


every_holder = ownership.shareholders(store, USCC, max_depth=2)  # direct and one level up
for report in (owners, held, every_holder):
    for stake in report.stakes:
        for opath in stake.paths:
            add_path(opath.path)
for member in group.members:
    add_path(member.path)

# levels: the group's controller at 0, what it holds below (shortest chain), its owners above
top = group.controller.ref
down = nx.single_source_shortest_path_length(graph, top)
up = nx.single_source_shortest_path_length(graph.reverse(copy=False), top)
for n in graph:
    graph.nodes[n]["layer"] = down[n] if n in down else -up.get(n, 1)
pos = nx.multipartite_layout(graph, subset_key="layer", align="horizontal", scale=2)
pos = {n: (x, -y) for n, (x, y) in pos.items()}
cycle_edges = {(a, b) for cycle in nx.simple_cycles(graph) for a, b in
               zip(cycle, cycle[1:] + cycle[:1], strict=True)}
print("holdings that close an ownership cycle:",
      [f"{graph.nodes[a]['text']} → {graph.nodes[b]['text']}" for a, b in sorted(cycle_edges)])

fig, ax = plt.subplots(figsize=(14, 10))
colours = ["#ffb74d" if n == subject.ref else "#fff59d" if graph.nodes[n].get("label") == "Person"
           else "#90caf9" for n in graph]
nx.draw_networkx_nodes(graph, pos, node_color=colours, node_size=520, edgecolors="#424242", ax=ax)
solid = [(a, b) for a, b, d in graph.edges(data=True)
         if d["type"] != "CONTROLS" and (a, b) not in cycle_edges]
dashed = [(a, b) for a, b, d in graph.edges(data=True) if d["type"] == "CONTROLS"]
nx.draw_networkx_edges(graph, pos, edgelist=solid, arrows=True, arrowsize=12,
                       edge_color="#616161", ax=ax)
nx.draw_networkx_edges(graph, pos, edgelist=sorted(cycle_edges), arrows=True, arrowsize=14,
                       edge_color="#d32f2f", width=2, connectionstyle="arc3,rad=0.25", ax=ax)
nx.draw_networkx_edges(graph, pos, edgelist=dashed, arrows=True, arrowsize=12, style="dashed",
                       edge_color="#9e9e9e", ax=ax)
labels = nx.get_edge_attributes(graph, "text")
nx.draw_networkx_edge_labels(graph, pos, font_size=7, ax=ax, edge_labels={
    e: t for e, t in labels.items() if e not in cycle_edges})
nx.draw_networkx_edge_labels(graph, pos, font_size=8, font_color="#d32f2f", ax=ax,
                             connectionstyle="arc3,rad=0.25",
                             edge_labels={e: t for e, t in labels.items() if e in cycle_edges})
nx.draw_networkx_labels(graph, pos, labels={n: graph.nodes[n].get("text", n) for n in graph},
                        font_size=7, ax=ax)
ax.set_title(f"Ownership of {subject.properties.get('name')}: {graph.number_of_nodes()} nodes, "
             f"{graph.number_of_edges()} holdings")
ax.axis("off")
plt.show()

# %%
store.close()
