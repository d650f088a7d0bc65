"""Errors a person can act on. The CLI prints them as one line and exits with their code."""

EXIT_OK = 0
EXIT_DATA = 1  # data failed validation or a dbt test failed
EXIT_USAGE = 2  # usage or configuration error


class SibylError(Exception):
    """A failure explained in one line: what happened, where, and what to do."""

    exit_code = EXIT_USAGE


class ConfigError(SibylError):
    """Bad flag, unreachable database, missing path or credentials."""

    exit_code = EXIT_USAGE


class DataError(SibylError):
    """Input data that cannot be published as it is (corrupt file, missing column, failed check)."""

    exit_code = EXIT_DATA


def first_line(exc: BaseException) -> str:
    """The first line of a driver's message: the part a person needs, without its context dump."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
