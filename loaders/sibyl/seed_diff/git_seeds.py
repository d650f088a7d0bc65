"""The seed CSVs as a git ref of the project holds them (`git show REF:seeds/<file>`), written to a folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sibyl.errors import ConfigError


def seeds_at(ref: str, seeds_dir: Path, into: Path) -> Path:
    """Write the CSVs of `seeds_dir` as commit `ref` has them into `into`; the folder is found in git
    by its path inside the repository that holds it."""
    inside = _git(seeds_dir, "rev-parse", "--show-prefix", what=f"{seeds_dir} is not inside a git repository: --base needs one")
    _git(
        seeds_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=f"{ref!r} is not a commit of the repository at {seeds_dir}"
    )
    # Paths from the repository's root, so the folder is the same whatever the working directory.
    listing = _git(seeds_dir, "ls-tree", "--name-only", "--full-tree", ref, *(["--", inside] if inside else []), what=f"cannot list {ref}")
    paths = [path for path in listing.splitlines() if path.endswith(".csv")]
    if not paths:
        raise ConfigError(f"no seed CSVs in {inside or 'the root folder'} at {ref}: give a --base where the seeds folder exists")
    into.mkdir(parents=True)
    for path in paths:
        (into / Path(path).name).write_bytes(_git_bytes(seeds_dir, "show", f"{ref}:{path}", what=f"cannot read {path} at {ref}"))
    return into


def _git(folder: Path, *args: str, what: str) -> str:
    return _git_bytes(folder, *args, what=what).decode().strip()


def _git_bytes(folder: Path, *args: str, what: str) -> bytes:
    try:
        completed = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise ConfigError("git is not installed: --base reads the seeds at a git ref") from exc
    if completed.returncode != 0:
        raise ConfigError(what)
    return completed.stdout
