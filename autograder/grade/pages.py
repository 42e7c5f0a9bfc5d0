"""The kit's HTML pages: one skeleton (inline style, no script, nothing fetched) and Jinja2 with
autoescape, so that every value a template shows is escaped unless the template says otherwise.

The font stacks name Noto CJK (``fonts-noto-cjk``, installed by ``setup.sh``) so that the
lecture's Chinese renders as text, not boxes, wherever the page is opened.
"""

from __future__ import annotations

import functools

import jinja2
from markupsafe import Markup

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"
SANS = (
    'system-ui, "Noto Sans", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", '
    '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)
MONO = (
    '"DejaVu Sans Mono", "Noto Sans Mono CJK SC", "Noto Sans Mono", ui-monospace, Menlo, '
    "Consolas, monospace"
)
STYLE = f"""
body {{ font-family: {SANS}; margin: 2em auto; max-width: 56em; color: #222;
       line-height: 1.45; padding: 0 1em; }}
code, pre {{ font-family: {MONO}; }}
h1 {{ border-bottom: 2px solid #3b75af; padding-bottom: .2em; }}
h2 {{ margin-top: 1.6em; font-size: 1.15em; }}
.score {{ font-size: 1.3em; font-weight: bold; }}
.alert {{ border: 2px solid #b02a2a; background: #fbeaea; padding: .6em .8em; font-weight: bold; }}
pre {{ white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: .6em;
      border-left: 3px solid #bbb; }}
li.passed::marker, li.info-passed::marker {{ content: "✓ "; color: #2a7a2a; }}
li.failed::marker {{ content: "✗ "; color: #b02a2a; font-weight: bold; }}
li.failed {{ color: #8a1f1f; }}
li.info-failed::marker {{ content: "ⓘ "; color: #8a6d00; }}
li.info-passed, li.info-failed {{ color: #555; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }}
td.num, th.num {{ text-align: right; }}
"""

SKELETON = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">\
<meta http-equiv="Content-Security-Policy" content="{{ csp|safe }}">\
<meta name="viewport" content="width=device-width, initial-scale=1">\
<title>{{ title }}</title><style>{{ style|safe }}</style></head>\
<body>{{ body }}</body></html>
"""


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


def render(template: str, **values: object) -> str:
    """A template's HTML with every value escaped (``|safe`` only for the kit's own markup)."""
    return environment().from_string(template).render(**values)


def page(title: str, body: str, *, lang: str = "en") -> str:
    """A self-contained page around ``body`` (already HTML: rendered by ``render`` or escaped
    by its caller): inline style, no script, nothing fetched."""
    return render(SKELETON, lang=lang, csp=CSP, title=title, style=STYLE,
                  body=Markup(body))  # fmt: skip
