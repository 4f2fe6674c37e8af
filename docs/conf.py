"""Sphinx configuration of the skspec documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Add ``-D plot_gallery=0`` to skip running the example gallery (fast build).
"""

import importlib
import os
import pkgutil
import re
import sys
import warnings
from datetime import date

import skspec

# -- project -----------------------------------------------------------------
project = "skspec"
author = "the skspec developers"
copyright = f"{date.today().year}, {author}"
release = skspec.__version__
version = ".".join(release.split(".")[:2])

# -- extensions ----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md", "auto_examples/*.ipynb", "auto_examples/*.py"]
root_doc = "index"
default_role = "literal"  # `x` renders as code, never as a broken reference

# autosummary writes one page per public object into docs/generated/
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
autoclass_content = "class"

numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- sphinx-gallery ----------------------------------------------------------------
# Scripts in ../examples run during the build (a few minutes in all on two
# CPU cores). ``-D plot_gallery=0`` renders them without running them.
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings(
    "ignore", category=UserWarning, message="Matplotlib is currently using agg"
)
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "doc_module": ("skspec",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "reference_url": {"skspec": None},
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "abort_on_example_error": False,
    "plot_gallery": "True",
}

# -- HTML ----------------------------------------------------------------------------
try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "header_links_before_dropdown": 6,
    }
except ImportError:  # pragma: no cover - fall back to sphinx's default theme
    html_theme = "alabaster"
html_title = f"skspec {release}"
html_static_path = []
html_show_sourcelink = False

sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))


# -- docstring hooks -----------------------------------------------------------

# "X_ : ndarray of shape (n_features_in_,)": in reST a word ending in "_" is a
# link. In the type part of a numpydoc field such words are names: quote them.
_FIELD = re.compile(r"^(\s*[\w*][\w*, ]*\s:\s)(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?![\w`])")


def _quote_fitted_names(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _FIELD.match(line)
        if match:
            lines[i] = match.group(1) + _TRAILING_UNDERSCORE.sub(r"``\1``", match.group(2))


def _data_comment(app, what, name, obj, options, lines):
    """Docstring of a re-exported constant: its ``#:`` comment in the private module."""
    if what != "data" or not name.startswith("skspec."):
        return
    package, attr = name.rsplit(".", 1)
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    module = importlib.import_module(package)
    candidates = [package]
    if hasattr(module, "__path__"):
        candidates += [f"{package}.{m.name}" for m in pkgutil.iter_modules(module.__path__)]
    for modname in candidates:
        try:
            analyzer = ModuleAnalyzer.for_module(modname)
            analyzer.analyze()
        except PycodeError:  # no source to read
            continue
        comment = analyzer.attr_docs.get(("", attr))
        if comment and getattr(importlib.import_module(modname), attr, None) is obj:
            lines[:] = list(comment)
            return


# Inherited members shown on a class page: everything skspec defines, and
# these from the scikit-learn / imbalanced-learn / skorch / torch bases.
_INHERITED_API = {
    "fit", "fit_resample", "fit_transform", "get_feature_names_out", "get_n_splits",
    "get_params", "predict", "predict_proba", "set_params",
    "split", "transform",
}


def _skip_members(app, what, name, obj, skip, options):
    # scikit-learn's generated metadata-routing setters (set_fit_request, ...)
    if re.fullmatch(r"set_\w+_request", name):
        return True
    if what == "class" and callable(obj):
        module = getattr(obj, "__module__", None) or ""
        if not module.startswith("skspec") and name not in _INHERITED_API:
            return True
    return skip


def setup(app):
    app.connect("autodoc-process-docstring", _data_comment, priority=100)
    app.connect("autodoc-process-docstring", _quote_fitted_names, priority=200)
    app.connect("autodoc-skip-member", _skip_members)
