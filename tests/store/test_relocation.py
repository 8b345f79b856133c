"""A home's stored URIs move from one root to another, and nothing else moves with them."""

from __future__ import annotations

import pytest

from batchops.errors import InvalidInput
from batchops.runtime.catalog import upsert_definition
from batchops.settings import get_settings
from batchops.store.executions import create_execution, execution_json, update_step
from batchops.store.relocation import relocate_uris

OLD, NEW = "/srv/old-home", "/mnt/new-home"


def test_uris_under_the_old_root_move_and_the_rest_stays() -> None:
    upsert_definition("p", {"Version": "2020-12-01", "Parameters": [], "Steps": []})
    execution = create_execution(
        "p",
        1,
        {"InputData": f"{OLD}/data/in.csv", "Elsewhere": f"{OLD}-copy/in.csv", "Count": 3},
        {"Score": "Transform"},
        "tester",
    )
    update_step(
        execution,
        "Score",
        outputs={"predictions": f"file://{OLD}/artifacts/out"},
        properties={"Nested": [{"Uri": OLD}, f"s3://bucket{OLD}/x"]},
        log_uri=f"{OLD}/logs/Score.log",
        failure_reason=f"cannot read {OLD}/data/in.csv",
    )

    changed = relocate_uris(get_settings().db_url, {f"{OLD}/": NEW})

    assert changed == {"executions": 1, "step_runs": 1}
    moved = execution_json(execution)
    assert moved["parameters"] == {
        "InputData": f"{NEW}/data/in.csv",
        "Elsewhere": f"{OLD}-copy/in.csv",  # a sibling folder whose name starts alike
        "Count": 3,
    }
    step = moved["steps"][0]
    assert step["outputs"] == {"predictions": f"file://{NEW}/artifacts/out"}
    assert step["properties"] == {"Nested": [{"Uri": NEW}, f"s3://bucket{OLD}/x"]}
    assert step["log_uri"] == f"{NEW}/logs/Score.log"
    assert step["failure_reason"] == f"cannot read {OLD}/data/in.csv"  # text, not a URI
    assert relocate_uris(get_settings().db_url, {OLD: NEW}) == {}  # nothing left to move


@pytest.mark.parametrize("root", ["", "/", "relative/folder"])
def test_a_root_must_be_absolute(root: str) -> None:
    with pytest.raises(InvalidInput, match="must be an absolute folder"):
        relocate_uris(get_settings().db_url, {root: NEW})
