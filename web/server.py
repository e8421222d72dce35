"""How `kb serve` runs the app under uvicorn: which proxies are believed, and where plain http is allowed."""

from __future__ import annotations

import uvicorn

from kb.errors import SettingsError
from kb.settings import Settings
from web.sessions import is_loopback


def uvicorn_config(app, settings: Settings, host: str, port: int) -> uvicorn.Config:
    """The server for ``app``: X-Forwarded-For/-Proto are believed only from KB_TRUSTED_PROXIES.

    uvicorn believes them from loopback by default, which let any local client choose the address the
    login limiter and the audit log see; with no trusted proxy the headers are not read at all."""
    check_plain_http(settings, host)
    trusted = [str(network) for network in settings.proxy_networks()]
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted,
    )


def check_plain_http(settings: Settings, host: str) -> None:
    """A session cookie without Secure is for development on this machine only."""
    if not settings.cookie_secure and not is_loopback(host):
        raise SettingsError(
            f"KB_COOKIE_SECURE=false lets the session cookie travel over plain http; that is allowed only on a "
            f"loopback address, not --host {host}. Serve over https (e.g. behind a proxy) and leave it on."
        )
