"""Network sources of public posts (RSS/Atom, Mastodon, Bluesky), one folder each, all the same shape.

`get(kind)` is the registry the poller uses:
`connectors.get(source.kind).fetch(source.config, source.cursor)`.
Each connector's module docstring lists its config keys; `check_config(config)` on every connector
raises ConnectorError naming the bad key, so a source can be validated when it is saved.
"""

from importlib import import_module

from sidos.listening.connectors.base import Connector, ConnectorError, FetchResult, PostRecord

# Imported on first use, so polling one kind never loads the others' parsers.
_CONNECTORS = {
    "rss": "sidos.listening.connectors.rss",
    "mastodon": "sidos.listening.connectors.mastodon",
    "bluesky": "sidos.listening.connectors.bluesky",
}

KINDS = tuple(_CONNECTORS)

__all__ = ["KINDS", "Connector", "ConnectorError", "FetchResult", "PostRecord", "get"]


def get(kind: str) -> Connector:
    try:
        module = _CONNECTORS[kind]
    except KeyError:
        raise ConnectorError(f"unknown source kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return import_module(module).connector()
