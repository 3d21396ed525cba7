"""Every JSON request body read as written: a key it writes twice with different values is refused.

Python's json, FastAPI's parse, keeps such a key's last value, so ``{"action": "match", "action":
"not_a_match"}`` was decided as not a match, the first value lost unseen, where a source's row
writing a key twice is quarantined (mdm/sources/readers.py). One dependency of every operation
(api/main.py) checks the body FastAPI has read, so no route can forget it and the OpenAPI document's
bodies stay as they are. The same value twice is no loss, and taken.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import Request

from api.errors import sent_as_json
from mdm.errors import InvalidInputError
from mdm.sources.readers import keys_written_twice, read_again

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

# The endpoint attribute naming where in its body it takes source records (records_at).
_RECORDS_AT = "mdm_records_at"


def records_at(prefix: str) -> Callable[[Endpoint], Endpoint]:
    """Mark an endpoint that takes source records at ``prefix`` of its body ("" the body itself,
    "records." a batch's): a key written twice inside one is left to the service, which refuses
    that record as a file's row is quarantined (in a batch, that record's result alone)."""
    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _RECORDS_AT, prefix)
        return endpoint
    return mark


async def written_once(request: Request) -> None:
    """Refuse a JSON body writing a key twice with different values (422 naming each, dotted from
    the body's top as the API's other 422s name a field: ``keys.3.source``). The body is read again
    only where it may repeat a key (readers.read_again); that reading is kept for :func:`read_body_again`."""
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is None or not sent_as_json(request):
        return
    body = await request.body()
    try:
        again = read_again(body.decode(json.detect_encoding(body)), await request.json()) if body else None
    except (ValueError, RecursionError):  # not read by FastAPI either, which has answered it
        return
    request.state.body_read_again = again
    if again is not None:
        names = list(_written_twice(again, getattr(route.endpoint, _RECORDS_AT, None)))
        if names:
            raise InvalidInputError(keys_written_twice(names))


async def read_body_again(request: Request) -> Any:
    """The JSON body as :func:`written_once` read it again, each object writing a key twice a
    ``Repeated``; None where it was not (it writes no key twice)."""
    return getattr(request.state, "body_read_again", None)


def _written_twice(value: Any, records: str | None) -> Iterator[str]:
    """The dotted paths of the keys written twice in ``value``, in the order written, but those in
    the records at ``records``; without recursion, as a body may nest about a thousand deep."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        prefix, item = stack.pop()
        if records is not None and prefix.startswith(records):
            continue
        if isinstance(item, dict):
            yield from (prefix + k for k in getattr(item, "repeated", ()))
            stack.extend(reversed([(f"{prefix}{k}.", v) for k, v in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{prefix}{i}.", v) for i, v in enumerate(item)]))
