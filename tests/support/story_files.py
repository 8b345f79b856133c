"""What a churn story leaves behind, for comparing two runs of it: the data files under an
artifact root, and the files a host's local folder still holds."""

from __future__ import annotations

from pathlib import Path

import fsspec

DATA_LEFT_OUT = ("report.html",)  # a person's page: it shows when it was made


def data_files(root: str) -> dict[str, bytes]:
    """Every data file a story wrote under an artifact root, by its path with the execution
    ids left out: step outputs, the model, evaluation, baselines, violations, predictions and
    the registered version's files (manifests, logs and reports are checked elsewhere)."""
    fs, path = fsspec.core.url_to_fs(root)
    found = {}
    for name in fs.find(path):
        relative = name[len(path.rstrip("/")) + 1 :]
        parts = relative.split("/")
        if any(p.startswith(("_", ".")) for p in parts) or parts[-1] in DATA_LEFT_OUT:
            continue
        if "executions" in parts:
            parts[parts.index("executions") + 1] = "<id>"
        found["/".join(parts)] = fs.cat_file(name)
    return found


def files_left(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
