"""A botocore error as what a person reads: its code and the first line of its message."""

from __future__ import annotations

from botocore.exceptions import ClientError


def error_parts(exc: Exception) -> tuple[str, str]:
    """(code, message): AWS's error code (AccessDenied, Throttling …) for an answer, the exception's class otherwise
    (no endpoint in the region, the connection lost after every retry)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code") or "ClientError", error.get("Message") or str(exc)
    else:
        code, message = type(exc).__name__, str(exc)
    return code, (message.strip().splitlines() or [""])[0]


def describe_error(exc: Exception) -> str:
    code, message = error_parts(exc)
    return f"{code}: {message}" if message else code
