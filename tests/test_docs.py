"""The documentation site keeps up with the public API (issue 18).

Every name in ``pfocr_enrich.__all__`` has an entry in the API reference (``docs/api/``),
written with its top-level name (``::: pfocr_enrich.enrich``) so that moving code inside the
package never breaks the reference; and the tutorial notebooks are stored without outputs
(the site build executes them, so stored outputs could only be stale). Building the site
itself (``mkdocs build --strict``, every notebook executed) is a step of ``.ci/run``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import pfocr_enrich as pe

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
DIRECTIVE = re.compile(r"^:::\s+(\S+)\s*$", re.MULTILINE)


def reference_entries() -> list[str]:
    return [
        target
        for page in sorted((DOCS / "api").glob("*.md"))
        for target in DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize("name", pe.__all__)
def test_every_public_name_has_a_reference_entry(name):
    assert f"pfocr_enrich.{name}" in reference_entries(), (
        f"pfocr_enrich.{name} is in __all__ but has no '::: pfocr_enrich.{name}' "
        "entry in docs/api/*.md"
    )


def test_reference_entries_use_top_level_public_names_once():
    entries = reference_entries()
    assert entries, "no '::: ...' entries found in docs/api"
    internal = [e for e in entries if e.removeprefix("pfocr_enrich.") not in pe.__all__]
    assert not internal, f"reference entries that are not top-level public names: {internal}"
    repeated = sorted({e for e in entries if entries.count(e) > 1})
    assert not repeated, f"documented twice: {repeated}"


def test_reference_pages_and_notebooks_are_in_the_site_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(DOCS.glob("api/*.md")) + sorted(DOCS.rglob("*.ipynb"))
    missing = [str(p.relative_to(DOCS)) for p in pages if str(p.relative_to(DOCS)) not in nav]
    assert not missing, f"not in the nav of mkdocs.yml: {missing}"


@pytest.mark.parametrize(
    "notebook", sorted(DOCS.rglob("*.ipynb")), ids=lambda p: str(p.relative_to(DOCS))
)
def test_notebooks_are_stored_without_outputs(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{notebook.name} has no code cell"
    with_outputs = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count")]
    assert not with_outputs, (
        f"{notebook.name}: code cells {with_outputs} carry outputs; the site build executes "
        "the notebooks, so store them cleared (jupyter nbconvert --clear-output --inplace)"
    )


def test_concepts_page_examples_run():
    # The Concepts page's Python blocks form one runnable session on the embedded sample:
    # run them, so the page cannot drift from the code unnoticed.
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/concepts.md", "exec"), namespace)
    assert namespace["res"].params["universe_rule"] == "library"
