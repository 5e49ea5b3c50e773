"""A griffe extension for the API reference (mkdocs.yml): pyleo's docstrings use Sphinx roles
(:class:`ZkModel`, :func:`~pyleo.vm.verify`) and reST literal blocks (``::``), which Markdown shows as
typed; this turns the roles into code spans (``~`` keeps the last name, as Sphinx does) and ``::`` at a
line's end into ``:`` (the indented block after it is then Markdown's code block)."""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def markdown(text: str) -> str:
    """``text`` with Sphinx roles as code spans and reST's ``::`` as a colon."""
    text = ROLE.sub(lambda m: f"`{m[2].rsplit('.', 1)[-1] if m[1] else m[2]}`", text)
    return re.sub(r"::$", ":", text, flags=re.MULTILINE)


class SphinxRoles(Extension):
    def on_object(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
