"""A home made by release 0.1.0 (`batchops demo`), with its files, unpacked into a test's home."""

from __future__ import annotations

import tarfile
from pathlib import Path

from batchops.store.relocation import relocate_uris

FIXTURE = Path(__file__).parents[1] / "store" / "fixtures" / "home-0.1.0.tar.gz"
MADE_AT = "/srv/batchops-release-0.1.0/.batchops"
"""Where the home was when release 0.1.0 made it: its records name files there."""


def unpack_release_home(home: Path) -> Path:
    """The 0.1.0 home in `home`, its stored URIs moved there (before anything upgrades it)."""
    home.mkdir(parents=True, exist_ok=True)
    with tarfile.open(FIXTURE) as packed:
        packed.extractall(home, filter="data")
    relocate_uris(f"sqlite:///{home / 'batchops.db'}", {MADE_AT: str(home)})
    return home
