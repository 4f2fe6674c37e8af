"""The API reference lists every public name, and the gallery scripts are well formed.

These tests read ``docs/api.rst`` and ``examples/`` as text: they need neither
sphinx nor a docs build, so they run with the rest of the suite.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import skspec

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api.rst"
EXAMPLES = ROOT / "examples"


def _documented() -> set[str]:
    """Fully qualified names in the autosummary blocks of docs/api.rst."""
    names, module, in_block = set(), None, False
    for line in API.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\.\. currentmodule:: (\S+)", line)
        if match:
            module = match.group(1)
            continue
        if line.startswith(".. autosummary::"):
            in_block = True
            continue
        if in_block:
            stripped = line.strip()
            if line and not line.startswith(" "):
                in_block = False
            elif stripped and not stripped.startswith(":"):
                names.add(f"{module}.{stripped}")
    return names


def _public_subpackages() -> list[str]:
    """Public modules of skspec that declare ``__all__`` (the subpackages)."""
    found = []
    for info in pkgutil.iter_modules(skspec.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"skspec.{info.name}")
        if hasattr(module, "__all__"):
            found.append(module.__name__)
    return found


def test_api_parser_sees_entries():
    documented = _documented()
    assert "skspec.save_model" in documented
    assert "skspec.preprocessing.FluxNormalizer" in documented


@pytest.mark.parametrize("modname", _public_subpackages())
def test_every_public_name_is_in_the_api_reference(modname):
    module = importlib.import_module(modname)
    missing = sorted(
        f"{modname}.{name}" for name in module.__all__
        if f"{modname}.{name}" not in _documented()
    )
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_top_level_functions_are_in_the_api_reference():
    subpackages = {name for name in skspec.__all__ if not name.startswith("_")}
    objects = {name for name in subpackages
               if not (ROOT / "skspec" / name).is_dir()}
    missing = sorted(f"skspec.{n}" for n in objects if f"skspec.{n}" not in _documented())
    assert objects, "skspec.__all__ lists no top-level function"
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_api_reference_names_exist():
    """No stale entry: every documented name imports."""
    for qualname in sorted(_documented()):
        modname, name = qualname.rsplit(".", 1)
        assert hasattr(importlib.import_module(modname), name), qualname


SCRIPTS = sorted(EXAMPLES.glob("plot_*.py"))


def test_gallery_has_readme_and_scripts():
    assert (EXAMPLES / "README.txt").is_file()
    assert len(SCRIPTS) >= 6


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_gallery_script_is_well_formed(script):
    source = script.read_text(encoding="utf-8")
    tree = ast.parse(source)  # a syntax error fails here
    doc = ast.get_docstring(tree)
    assert doc and re.match(r"=+\n.+\n=+", doc.strip()), "needs a sphinx-gallery title"
    threads = [int(m) for m in re.findall(r"torch\.set_num_threads\((\d+)\)", source)]
    assert all(t <= 2 for t in threads), "examples use at most 2 threads"
    # nothing written to the working directory: files go to a temporary folder
    for call in re.findall(r"(?:savefig|to_csv|open)\(\s*['\"]([^'\"]+)", source):
        pytest.fail(f"{script.name} writes {call!r} into the working directory")
