"""MkDocs hooks for the documentation site (mkdocs.yml `hooks:`).

Notebook pages reach MkDocs as HTML, so MkDocs neither rewrites nor checks their links the
way it does for Markdown pages: a link `../concepts.md` written in a notebook would point
to a file that is not on the site. This hook gives notebook links the same treatment: a
link to a documentation file (`.md` or `.ipynb`) becomes that page's URL, and a link to a
file that does not exist is a warning, which fails `mkdocs build --strict`.
"""

from __future__ import annotations

import logging
import posixpath
import re

log = logging.getLogger("mkdocs.hooks.notebook_links")

# href="target.md" or href="../dir/target.ipynb#anchor": relative links to pages only.
_PAGE_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]+\.(?:md|ipynb))(#[^"]*)?"')


def on_page_content(html, page, config, files):
    """Rewrite and check the page links of a notebook page."""
    src = page.file.src_uri
    if not src.endswith(".ipynb"):
        return html

    def rewrite(match: re.Match[str]) -> str:
        target, anchor = match.group(1), match.group(2) or ""
        path = posixpath.normpath(posixpath.join(posixpath.dirname(src), target))
        linked = files.get_file_from_path(path)
        if linked is None:
            log.warning(
                "Notebook '%s' links to '%s', which is not among the documentation files.",
                src,
                target,
            )
            return match.group(0)
        return f'href="{linked.url_relative_to(page.file)}{anchor}"'

    return _PAGE_LINK.sub(rewrite, html)
