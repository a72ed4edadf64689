"""Render the graph model as markdown so analysts read the same model the code uses."""

from __future__ import annotations

from .model import GraphModel, Property


def _props(props: tuple[Property, ...], key: str | None = None) -> list[str]:
    lines = ["| property | type | required | description |", "|---|---|---|---|"]
    for p in props:
        name = f"**{p.name}** (key)" if p.name == key else p.name
        if p.indexed:
            name += " (indexed)"
        unit = f" [{p.unit}]" if p.unit else ""
        lines.append(
            f"| {name} | {p.type.value} | {'yes' if p.required else ''} | {p.description}{unit} |"
        )
    return lines


def model_markdown(model: GraphModel) -> str:
    out = [
        "# chainscout graph model",
        "",
        "Generated from `graph/model.py` by `chainscout model --format markdown`; do not edit.",
        "",
        "```mermaid",
        "graph LR",
    ]
    for rel in model.relationships:
        out.append(f"  {rel.source} -->|{rel.type}| {rel.target}")
    out += ["```", "", "## Nodes", ""]
    for node in model.nodes:
        out += [f"### {node.label}", "", node.description, "", *_props(node.properties, node.key),
                ""]
        if node.derived:
            out += ["Derived after every load (`loaders/derive.py`), never loaded from input:", "",
                    *_props(node.derived), ""]
    out += ["## Relationships", "", "| type | from | to | description | properties |",
            "|---|---|---|---|---|"]
    for rel in model.relationships:
        props = ", ".join(
            f"{p.name}{' (merge key)' if p.name in rel.merge_keys else ''}: {p.type.value}"
            for p in rel.properties
        )
        out.append(f"| {rel.type} | {rel.source} | {rel.target} | {rel.description} | {props} |")
    out += ["", "## Bookkeeping on every loaded node and relationship", "",
            *_props(model.bookkeeping), ""]
    return "\n".join(out)
