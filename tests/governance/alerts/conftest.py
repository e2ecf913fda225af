"""A local Slack stand-in (an HTTP receiver that records what it got) and a local SMTP server."""

from __future__ import annotations

import copy
import email
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import override_settings

# A fixture of another test package used here: the exposure leak.
from ..exposure.test_scan import leak  # noqa: F401


@dataclass
class SlackReceiver:
    """Records every JSON body POSTed; answers with ``statuses`` in turn, then 200."""

    url: str
    payloads: list[dict] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def answer(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    receiver: SlackReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.payloads.append(json.loads(body))
            status = receiver.answer()
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"invalid_token")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = SlackReceiver(url=f"http://127.0.0.1:{server.server_port}/services/T0/B0/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


class _Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[_Inbox]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    ):
        yield inbox
    controller.stop()


def monitoring_config(base: dict | None = None, **monitoring) -> dict:
    """The configuration in effect with ``monitoring`` keys replaced."""
    config = copy.deepcopy(base or settings.LINEAGE_CONFIG)
    config["monitoring"].update(monitoring)
    return config


@pytest.fixture
def alerting(slack, smtp):
    """Slack and e-mail both configured; alerts go out at once (no grouping delay)."""
    config = monitoring_config(
        slack_webhook=slack.url,
        email={
            "to": ["compliance@example.com"],
            "from": "portal@example.com",
            "subject_prefix": "[LP] ",
        },
        group_seconds=0,
        alert_on=["unmasked_pii_path", "failed_backfill", "steward_missing", "review_overdue"],
    )
    with override_settings(LINEAGE_CONFIG=config):
        yield slack, smtp
