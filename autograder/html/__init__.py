"""The kit's HTML pages: one skeleton (``templates/base.html.j2``: inline style, no script,
nothing fetched, one Content-Security-Policy) and a template per page, rendered by Jinja2 with
autoescape, so every value a page shows is escaped unless its template says otherwise.

Grading, review and similarity all draw their pages here; this room imports none of them.
"""

from __future__ import annotations

from autograder.html.render import CSP, render

__all__ = ["CSP", "render"]
