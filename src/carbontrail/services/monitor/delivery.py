"""Delivering warnings: e-mail over SMTP and signed webhooks.

SMTP is configured by CARBONTRAIL_SMTP_HOST (no host: no e-mail), CARBONTRAIL_SMTP_PORT (25),
CARBONTRAIL_SMTP_USER / CARBONTRAIL_SMTP_PASSWORD (optional login), CARBONTRAIL_SMTP_STARTTLS (1 to upgrade) and
CARBONTRAIL_SMTP_FROM. A webhook receives the warning as a JSON POST; the header ``X-Carbontrail-Signature:
sha256=<hex>`` is the HMAC-SHA256 of the exact request body under the rule's webhook secret, and
``X-Carbontrail-Event: monitor.warning`` names the event. A receiver recomputes the HMAC over the raw body and
compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import httpx

SIGNATURE_HEADER = "X-Carbontrail-Signature"
EVENT_HEADER = "X-Carbontrail-Event"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "carbontrail@localhost"

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        host = os.environ.get("CARBONTRAIL_SMTP_HOST", "")
        if not host:
            return None
        return cls(host, int(os.environ.get("CARBONTRAIL_SMTP_PORT", "25")),
                   os.environ.get("CARBONTRAIL_SMTP_USER", ""), os.environ.get("CARBONTRAIL_SMTP_PASSWORD", ""),
                   os.environ.get("CARBONTRAIL_SMTP_STARTTLS", "") == "1",
                   os.environ.get("CARBONTRAIL_SMTP_FROM", "carbontrail@localhost"))


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header)


def send_email(settings: SmtpSettings, to: list[str], subject: str, text: str) -> None:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(text)
    with smtplib.SMTP(settings.host, settings.port, timeout=10) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(msg)


def post_webhook(url: str, secret: str, payload: dict[str, object]) -> int:
    """POST the payload, signed; the receiver's status code."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
               EVENT_HEADER: "monitor.warning"}
    response = httpx.post(url, content=body, headers=headers, timeout=10)
    return response.status_code
