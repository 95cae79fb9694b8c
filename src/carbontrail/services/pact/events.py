"""PACT CloudEvents, written once for both sides: the event types of each Tech Specs version and host origins."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

Version = Literal["2", "3"]
VERSIONS: tuple[Version, ...] = ("2", "3")

#: CloudEvents types by PACT version (v2.x keeps the "pathfinder" names, v3.0 renamed them).
EVENT_TYPES: dict[Version, dict[str, str]] = {
    "2": {"published": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
          "created": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
          "fulfilled": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
          "rejected": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1"},
    "3": {"published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
          "created": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
          "fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
          "rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"},
}
_DEFAULT_PORTS = {"https": 443, "http": 80}


def kind_of(event_type: object, version: str) -> str | None:
    """"published", "created", "fulfilled" or "rejected" for a type of PACT `version`; None for any other type."""
    for kind, name in EVENT_TYPES.get(version, {}).items():  # type: ignore[call-overload]
        if event_type == name:
            return kind
    return None


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, the host in lower case and a default port left out, so that two spellings of
    one host compare equal; a scheme-relative `//host/path` (CloudEvents style) is taken as https."""
    parts = urlsplit("https:" + url if url.startswith("//") else url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    try:
        port = parts.port
    except ValueError:
        port = None
    shown = f":{port}" if port is not None and port != _DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme}://{host}{shown}"


def events_url(source: str, major: str) -> str | None:
    """Where to answer a request whose CloudEvents `source` is `source`: the URL itself when it names an events
    endpoint, else that host's /{major}/events; None when `source` names no HTTPS host."""
    text = "https:" + source if source.startswith("//") else source
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.netloc:
        return None
    if parts.path.rstrip("/").endswith("/events"):
        return text
    return f"https://{parts.netloc}/{major}/events"
