"""Griffe extension for the API reference: each top-level name documents what Python imports.

The reference names every public object by its top-level name (``::: pfocr_enrich.enrich``).
Griffe reads the sources statically, and where a package re-exports a function from a
submodule of the same name (``engine/__init__.py``: ``from .enrich import enrich``), it
resolves the name to the submodule, not the function: the page would show the module
``pfocr_enrich.engine.enrich``. This extension points each such top-level alias at the
object that ``import pfocr_enrich`` actually exports (its ``__module__`` and
``__qualname__``), so the reference follows the runtime API wherever the code lives.
"""

from __future__ import annotations

import importlib
import inspect
import logging

import griffe

log = logging.getLogger("mkdocs.plugins.griffe_public_names")


class PublicNames(griffe.Extension):
    """Re-point top-level aliases that griffe resolved to a same-named submodule."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs) -> None:
        if pkg.name != "pfocr_enrich":
            return
        runtime = importlib.import_module(pkg.name)
        for name in getattr(runtime, "__all__", ()):
            member = pkg.members.get(name)
            value = getattr(runtime, name, None)
            if member is None or not member.is_alias or inspect.ismodule(value):
                continue
            try:
                target = member.final_target
            except griffe.AliasResolutionError:
                continue
            if not target.is_module:
                continue
            path = f"{value.__module__}.{value.__qualname__}"
            pkg.set_member(name, griffe.Alias(name, path, parent=pkg))
            log.info(
                "API reference: %s.%s documents %s, not module %s",
                pkg.name,
                name,
                path,
                target.path,
            )
