"""The package's shape (docs/architecture.md): layers import only downwards, and folders
share only public names. import-linter checks the layers from pyproject.toml's contract."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "pfocr_enrich"


def _lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package found under ``src`` with the contracts in ``config``."""
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    env_path = f"{src}"
    return subprocess.run(
        [sys.executable, "-c", code, "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=src.parent,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )


def test_the_layer_contract_holds():
    pytest.importorskip("importlinter")
    done = _lint_imports(ROOT / "src", ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_the_layer_contract_fails_on_an_upward_import(tmp_path):
    pytest.importorskip("importlinter")
    src = tmp_path / "src"
    shutil.copytree(
        PACKAGE, src / "pfocr_enrich", ignore=shutil.ignore_patterns("__pycache__", "data")
    )
    stats = src / "pfocr_enrich" / "stats" / "hypergeom.py"
    stats.write_text(
        stats.read_text(encoding="utf-8") + "\n\ndef _upward():\n    from ..cli import main\n",
        encoding="utf-8",
    )
    config = tmp_path / "pyproject.toml"
    shutil.copy(ROOT / "pyproject.toml", config)
    done = _lint_imports(src, config)
    assert done.returncode != 0
    assert "pfocr_enrich.stats.hypergeom -> pfocr_enrich.cli" in done.stdout


def _folder(module: Path) -> str:
    rel = module.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else ""


def _resolve(module: Path, node: ast.ImportFrom) -> Path | None:
    """The file or package folder an ``from ... import`` inside the package refers to."""
    if node.level == 0:
        if not (node.module or "").startswith("pfocr_enrich"):
            return None
        base = PACKAGE.parent
        parts = node.module.split(".")
    else:
        base = module.parent
        for _ in range(node.level - 1):
            base = base.parent
        parts = node.module.split(".") if node.module else []
    return base.joinpath(*parts)


def test_no_private_name_is_imported_across_folders():
    crossing = []
    for module in PACKAGE.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            target = _resolve(module, node)
            if target is None:
                continue
            target_folder = target.relative_to(PACKAGE).parts[0] if target != PACKAGE else ""
            target_folder = target_folder.removesuffix(".py")
            if target_folder == _folder(module):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and alias.name != "__version__":
                    crossing.append(
                        f"{module.relative_to(PACKAGE)}: {alias.name} from {node.module}"
                    )
    assert not crossing, crossing
