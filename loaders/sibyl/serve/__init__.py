"""`sibyl serve`: the cockpit page and a read-only HTTP API over the marts.

Safe by default: it listens on 127.0.0.1; another address needs SIBYL_API_TOKEN, a bearer token every API request
must carry. It reads only schema marts, through the query layer `sibyl report` uses (sibyl.marts_reader), on
connections that cannot write (serve/readers.py).
"""

from __future__ import annotations

import ipaddress
import os

from sibyl.config import Settings
from sibyl.errors import ConfigError

MIN_TOKEN_LENGTH = 16


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_for(host: str) -> str | None:
    """SIBYL_API_TOKEN, required off loopback: whoever can reach the port must prove who they are."""
    token = os.environ.get("SIBYL_API_TOKEN") or None
    if token is None and not is_loopback(host):
        raise ConfigError(f"--host {host} listens beyond this machine: set SIBYL_API_TOKEN (a secret of 16 characters or more) first")
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"SIBYL_API_TOKEN is {len(token)} characters long: use {MIN_TOKEN_LENGTH} or more (e.g. `openssl rand -hex 24`)")
    return token


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from sibyl.serve.app import create_app

    app = create_app(settings, token=token_for(host))
    print(f"sibyl serve: http://{host}:{port}/ (API docs at /docs), reading the {settings.target} marts; Ctrl-C stops", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
