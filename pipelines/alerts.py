"""Telling the operator that a build did not publish: by e-mail (SMTP) and a generic webhook,
each configured by environment variables; with neither, one clear line in the log.

Standard library only: the service must be able to say that it is broken with nothing more
than Python installed.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

WEBHOOK_URL_VAR = "ANNEX_ALERT_WEBHOOK_URL"
SMTP_HOST_VAR = "ANNEX_ALERT_SMTP_HOST"
SMTP_PORT_VAR = "ANNEX_ALERT_SMTP_PORT"
SMTP_SECURITY_VAR = "ANNEX_ALERT_SMTP_SECURITY"
SMTP_USER_VAR = "ANNEX_ALERT_SMTP_USER"
SMTP_PASSWORD_VAR = "ANNEX_ALERT_SMTP_PASSWORD"
EMAIL_FROM_VAR = "ANNEX_ALERT_EMAIL_FROM"
EMAIL_TO_VAR = "ANNEX_ALERT_EMAIL_TO"
UI_URL_VAR = "ANNEX_UI_URL"

# A channel that does not answer must not hold the daemon's sensor loop for long.
TIMEOUT_SECONDS = 10

log = logging.getLogger("annex.alerts")


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # none, starttls or ssl
    sender: str
    recipients: tuple[str, ...]
    user: str | None
    password: str | None


class AlertConfigError(ValueError):
    """A channel configured wrongly: names the variable and what to write there."""


def smtp_from_env(env: Mapping[str, str]) -> Smtp | None:
    """The e-mail channel, when `ANNEX_ALERT_SMTP_HOST` is set."""
    host = env.get(SMTP_HOST_VAR, "").strip()
    if not host:
        return None
    port_text = env.get(SMTP_PORT_VAR, "").strip() or "25"
    if not port_text.isdigit():
        raise AlertConfigError(f"{SMTP_PORT_VAR}={port_text!r}: write a port number, e.g. 587")
    port = int(port_text)
    # the port's usual security unless told: 465 is SMTPS, 587 submission with STARTTLS
    usual = {465: "ssl", 587: "starttls"}.get(port, "none")
    security = (env.get(SMTP_SECURITY_VAR, "").strip() or usual).lower()
    if security not in ("none", "starttls", "ssl"):
        raise AlertConfigError(f"{SMTP_SECURITY_VAR}={security!r}: write none, starttls or ssl")
    recipients = tuple(a.strip() for a in env.get(EMAIL_TO_VAR, "").split(",") if a.strip())
    if not recipients:
        raise AlertConfigError(
            f"{SMTP_HOST_VAR} is set but {EMAIL_TO_VAR} is not: write the addresses to alert, "
            "separated by commas"
        )
    return Smtp(
        host=host,
        port=port,
        security=security,
        sender=env.get(EMAIL_FROM_VAR, "").strip() or f"coop-annex@{os.uname().nodename}",
        recipients=recipients,
        user=env.get(SMTP_USER_VAR) or None,
        password=env.get(SMTP_PASSWORD_VAR) or None,
    )


def send_alert(alert: Alert, env: Mapping[str, str] | None = None) -> list[str]:
    """Send `alert` through every configured channel; never raises. Returns one line per
    channel saying what happened (also logged), or the one line saying that none is set."""
    env = os.environ if env is None else env
    said: list[str] = []
    url = env.get(WEBHOOK_URL_VAR, "").strip()
    if url:
        said.append(_send_webhook(url, alert))
    try:
        smtp = smtp_from_env(env)
    except AlertConfigError as exc:
        said.append(f"alert not e-mailed: {exc}")
        log.error(said[-1])
        smtp = None
    if smtp is not None:
        said.append(_send_email(smtp, alert))
    if not said:
        said.append(
            f"no alert channel configured (set {WEBHOOK_URL_VAR}, or {SMTP_HOST_VAR} and "
            f"{EMAIL_TO_VAR}; see docs/operations.md): {alert.subject}"
        )
        log.warning(said[-1])
    return said


def _send_webhook(url: str, alert: Alert) -> str:
    if not url.startswith(("http://", "https://")):
        said = f"alert not posted: {WEBHOOK_URL_VAR} must be an http:// or https:// address"
        log.error(said)
        return said
    # `text` is what Slack, Mattermost and most chat webhooks show; the others read the rest
    payload = {
        "text": f"{alert.subject}\n\n{alert.body}",
        "subject": alert.subject,
        "body": alert.body,
    }
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    where = _without_secrets(url)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        said = f"alert not posted to the webhook {where}: it answered {exc.code} {exc.reason}"
        log.error(said)
        return said
    except (OSError, ValueError) as exc:
        said = f"alert not posted to the webhook {where}: {_reason(exc)}"
        log.error(said)
        return said
    said = f"alert posted to the webhook {where} ({status})"
    log.info(said)
    return said


def _send_email(smtp: Smtp, alert: Alert) -> str:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(alert.body)
    where = f"{smtp.host}:{smtp.port}"
    try:
        if smtp.security == "ssl":
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        said = f"alert not e-mailed through {where}: {_reason(exc)}"
        log.error(said)
        return said
    said = f"alert e-mailed to {', '.join(smtp.recipients)} through {where}"
    log.info(said)
    return said


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"


def _without_secrets(url: str) -> str:
    """The webhook's scheme and host only: its path is often the secret token."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].rpartition('@')[2]}"
