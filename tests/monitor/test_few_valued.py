"""Text columns with few values are read dictionary-encoded (faster); nothing a user reads may
change with it: the statistics and the violations are the bytes that plain strings give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from batchops.monitor import baseline, check, reading
from batchops.monitor.dataset import probe_input, resolve_input
from batchops.monitor.profiling import CATEGORY_LIMIT

ROWS = 150_000


def _write(path: Path, rng: np.random.Generator, spread: bool) -> Path:
    plan = rng.choice(["basic", "plus", "pro"], ROWS).astype(object)
    plan[rng.random(ROWS) < 0.03] = ""  # missing
    plan[rng.random(ROWS) < 0.01] = '""'  # quoted empty: missing too
    # Few values where the probe looks; with `spread`, far more than a category list holds
    # after that, some of them in the few's domain.
    few = rng.integers(0, 20, ROWS)
    many = rng.integers(0, 3 * CATEGORY_LIMIT, ROWS) if spread else few
    code = np.where(np.arange(ROWS) < 70_000, few, many).astype(str)  # probe: ~60,000 rows
    mixed = rng.choice(["1", "2.5", "-3", "x", "+ 4"], ROWS)  # numbers written as text
    amount = rng.gamma(2.0, 10.0, ROWS).round(2)
    lines = ["plan,code,mixed,amount"] + [
        f"{p},c{c},{m},{a}" for p, c, m, a in zip(plan, code, mixed, amount, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(7)
    return _write(tmp_path / "train.csv", rng, False), _write(tmp_path / "batch.csv", rng, True)


def _outputs(out: Path, names: tuple[str, ...]) -> list[bytes]:
    return [(out / name).read_bytes() for name in names]


def test_the_probe_picks_the_text_columns_with_few_values(files: tuple[Path, Path]) -> None:
    probed = probe_input(resolve_input(files[0], None, (), None, None))
    assert probed.few_valued == {"plan", "code", "mixed"}  # not "amount": numbers


@pytest.mark.parametrize("workers", [1, 2])
def test_dictionary_encoding_changes_no_byte_of_a_baseline_or_a_check(
    files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    train, batch = files
    written, encoded = {}, reading.FEW_VALUES
    for few_values in (encoded, 0):  # 0: every text column read as plain strings
        monkeypatch.setattr(reading, "FEW_VALUES", few_values)
        out = tmp_path / f"out-{few_values}-{workers}"
        base = baseline(train, out / "baseline", workers=workers, block_size=1 << 16)
        check(
            batch,
            statistics=base.statistics_uri,
            constraints=base.constraints_uri,
            out_dir=out / "check",
            workers=workers,
            block_size=1 << 16,
        )
        written[few_values] = _outputs(
            out / "baseline", ("statistics.json", "constraints.json")
        ) + _outputs(out / "check", ("constraint_violations.json",))
    assert written[encoded] == written[0]
    violations = tmp_path / f"out-{encoded}-{workers}" / "check" / "constraint_violations.json"
    assert '"feature_name" : "code"' in violations.read_text()  # values out of the baseline's
    monkeypatch.setattr(reading, "FEW_VALUES", encoded)
    statistics = baseline(batch, tmp_path / "again", workers=workers).statistics
    assert statistics.feature("plan").string.num_missing > 0.03 * ROWS
    assert statistics.feature("code").string.categories is None  # past the category limit


def test_an_ignored_text_column_with_few_values_is_not_read(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    train, batch = files
    base = baseline(train, tmp_path / "baseline", ignore_columns=["plan"])
    result = check(
        batch,
        statistics=base.statistics_uri,
        constraints=base.constraints_uri,
        out_dir=tmp_path / "check",
        ignore_columns=["plan"],
    )
    assert "plan" not in {v.feature_name for v in result.violations}
    assert result.statistics.feature("plan") is None
