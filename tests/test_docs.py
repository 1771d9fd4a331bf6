"""The documentation site builds with ``mkdocs build --strict`` and holds what it must.

One build (a subprocess, into a temporary folder) for the module; then each page is read as
text and checked against the code it documents, enumerated here independently: every field of
``Case``, every kind of ``KINDS`` (with an example for each kind a shipped case uses, found by
reading ``cases/*.yaml`` with yaml), every constraint family, every command of the typer app,
the README's quick-start commands.
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install '.[test]')")
pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed (pip install '.[test]')")

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ("case-format", "target-kinds", "formulation", "cli")
PAGES = ("index", *GENERATED, "api", "adding-a-target-kind", "ARCHITECTURE")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stderr, run.stderr
    return out


def page(site: Path, name: str) -> str:
    """A built page as plain text (tags dropped, entities decoded)."""
    path = site / "index.html" if name == "index" else site / name / "index.html"
    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def page_html(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def test_generated_pages_are_not_in_the_sources():
    """They exist only in the build: a copy in docs/ would go stale (the hook refuses one too)."""
    for name in GENERATED:
        assert not (ROOT / "docs" / f"{name}.md").exists(), name


@pytest.mark.slow
def test_every_page_is_built(site):
    for name in PAGES:
        assert page(site, name).strip(), name


@pytest.mark.slow
def test_case_format_lists_every_field(site):
    from gridplan.case.schema import Case, Exchange, Generator, Line, Storage
    text = page(site, "case-format")
    for model in (Case, Generator, Storage, Line, Exchange):
        for field in model.model_fields:
            assert re.search(rf"\b{re.escape(field)}\b", text), f"{model.__name__}.{field}"
    # the meanings come from the field docstrings
    assert "Ceiling on total capacity (resource potential, site limit)" in text


@pytest.mark.slow
def test_target_kinds_page_has_every_kind_and_its_examples(site):
    from gridplan.case.targets import KINDS
    raw = page_html(site, "target-kinds")
    used = {}
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        for t in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("targets", []) or []:
            used.setdefault(t["kind"], t["id"])
    assert used, "no shipped case has targets"
    sections = re.split(r'<h2 id="', raw)[1:]
    by_kind = {s.split('"', 1)[0]: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", s)).split()) for s in sections}
    for kind in KINDS:
        assert kind in by_kind, kind
        body = by_kind[kind]
        assert "Fields" in body and "value" in body
        if kind in used:
            assert "Example (from cases/" in body, kind
            assert f"kind: {kind}" in body, kind
    # the equation of a share target, from the module's table
    assert "num − s·den" in page(site, "target-kinds")
    assert "demand + X" in by_kind["non_fossil_share"]


@pytest.mark.slow
def test_formulation_has_every_family(site):
    from gridplan.model.build import FAMILIES
    text = page(site, "formulation")
    for family in FAMILIES:
        module = family.__module__
        assert module in text, module
    # the equations themselves, not just headings
    assert "gen_availability" in text and "Σ_t w_t p[g,t]" in text


@pytest.mark.slow
def test_cli_reference_has_every_command(site):
    import typer.main

    import gridplan.cli
    text = page(site, "cli")
    group = typer.main.get_command(gridplan.cli.app)
    assert len(group.commands) >= 6
    for name, cmd in group.commands.items():
        assert f"gridplan {name}" in text, name
        for p in cmd.params:
            for opt in p.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in text, f"{name} {opt}"


@pytest.mark.slow
def test_index_quotes_the_readme_quick_start(site):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)[:2]
    assert len(commands) == 2
    text = " ".join(page(site, "index").split())
    for cmd in commands:
        assert " ".join(cmd.split()) in text


@pytest.mark.slow
def test_api_reference_has_the_public_entry_points(site):
    text = page(site, "api")
    for name in ("load_case", "case_from_dict", "validated_data", "build_model", "SolveOptions", "Resolver",
                 "Results", "capacities", "compare", "sweep", "Comparison", "network_map"):
        assert name in text, name
    assert "Build (if needed), solve and return" in text   # solve's docstring, rendered
