"""Generated documents are current: docs/model.md, docs/settings.md (every setting and every
CHAINSCOUT_* variable the code reads is documented)."""

from __future__ import annotations

from pathlib import Path

from chainscout.docs_gen import (
    GENERATED,
    documented_env_names,
    env_name,
    env_names_in_code,
    model_doc,
    package_python_files,
    settings_markdown,
)
from chainscout.graph.docs import model_markdown
from chainscout.graph.model import graph_model
from chainscout.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_model_md_is_the_generated_model() -> None:
    committed = (DOCS / "model.md").read_text(encoding="utf-8")
    assert committed == model_markdown(graph_model()) + "\n", (
        "docs/model.md is out of date: chainscout model > docs/model.md")
    assert committed == model_doc()


def test_settings_md_is_current() -> None:
    committed = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert committed == settings_markdown(), (
        "docs/settings.md is out of date: python -m chainscout.docs_gen --write")


def test_every_settings_field_is_documented_with_its_description() -> None:
    text = settings_markdown()
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} has no description"
        assert f"`{env_name(name)}`" in text
        assert " ".join(field.description.split()).replace("|", "\\|") in text


def test_every_environment_variable_in_the_code_is_documented() -> None:
    files = package_python_files() + sorted((ROOT / "tests").rglob("*.py"))
    used = env_names_in_code(files)
    assert "CHAINSCOUT_NEO4J_HOME" in used  # the scan sees the runner
    undocumented = used - documented_env_names()
    assert not undocumented, f"document these in chainscout/docs_gen.py: {sorted(undocumented)}"


def test_generated_set() -> None:
    assert set(GENERATED) == {"model.md", "settings.md", "browser-links.md", "input-formats.md"}
