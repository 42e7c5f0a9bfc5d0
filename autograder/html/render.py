"""Render one of the kit's page templates (``templates/*.html.j2``) with autoescape on.

A value shown by a template is escaped unless the template marks it ``|safe`` (only the kit's
own fixed markup, e.g. the CSP) or the caller passes ``Markup`` (only the embedded plot's
data: URL). Student text is never either.
"""

from __future__ import annotations

import functools

import jinja2

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("autograder.html", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda share: f"{share:.0%}"
    return env


def render(template: str, *, title: str, lang: str = "en", **values: object) -> str:
    """A whole self-contained page: ``template`` (a file name under templates/) extends the
    skeleton, which writes the head, the style and the CSP around its body."""
    return environment().get_template(template).render(title=title, lang=lang, csp=CSP, **values)
