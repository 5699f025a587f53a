"""The HTML views of a result: the Jupyter glimpse and the self-contained report."""

from .html import html_header, html_more, html_table
from .page import Reporting, report

__all__ = ["html_header", "html_more", "html_table", "report", "Reporting"]
