"""A source key in a URL path, as its system writes it: any text, slashes and line breaks too.

Starlette's ``path`` convertor matches ``.*``, which stops at a line break, so a key a post had
stored (as a CSV's quoted field may hold one) answered a bare route 404 at its own lookup, view
and delete. Routes name the key ``SOURCE_ID`` so the convertor is registered before they are made.
"""

from __future__ import annotations

from starlette.convertors import PathConvertor, register_url_convertor


class SourceKeyConvertor(PathConvertor):
    regex = "(?s:.*)"


register_url_convertor("source_key", SourceKeyConvertor())
SOURCE_ID = "{source_id:source_key}"
