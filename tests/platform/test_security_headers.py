"""Security headers (OWASP Secure Headers): every answer forbids framing and MIME sniffing and names a referrer
policy; pages carry a CSP that allows no inline script; HSTS is sent only over TLS."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from carbontrail.http.headers import CSP
from platform_world import World

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "carbontrail" / "web" / "templates"


def _directives(policy: str) -> dict[str, set[str]]:
    return {part.split()[0]: set(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_pages_and_the_api_carry_the_headers(world: World) -> None:
    for path in ("/login", "/health", "/api/organisations", "/static/app.css"):
        r = world.client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        policy = _directives(r.headers["content-security-policy"])
        assert policy["script-src"] == {"'self'"} and policy["frame-ancestors"] == {"'none'"}, path
        assert "strict-transport-security" not in r.headers, path  # plain HTTP: HSTS would be ignored or wrong


def test_hsts_only_over_tls(world: World) -> None:
    over_tls = TestClient(world.client.app, base_url="https://testserver")
    r = over_tls.get("/login")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_policy_allows_no_inline_or_foreign_script() -> None:
    policy = _directives(CSP)
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == {"'none'"} and policy["base-uri"] == {"'self'"}


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    """What the CSP would block must not be in the pages: <script> blocks with code (JSON data blocks are not run)
    and on…= handler attributes."""
    offenders = []
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template.name}: {tag}")
        offenders += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
    assert offenders == []
