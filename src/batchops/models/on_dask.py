"""Training the built-in XGBoost with `xgboost.dask`, for training sets larger than one machine.

Each CSV file of a channel is read on a worker (`xgboost.read_channel`'s rules, one file at a
time) and stays there as a block of a Dask array; `xgboost.dask.train` builds its quantile
sketches and trees across the workers, and only the booster comes back. The cluster is
BATCHOPS_DASK_ADDRESS (`local`, or unset: a LocalCluster started for the training).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchops.data.cluster import LOCAL, dask_address, dask_client, require_visible
from batchops.errors import InvalidInput
from batchops.extras import require_extra
from batchops.models.hyperparameters import TrainingPlan

if TYPE_CHECKING:
    import numpy as np
    import xgboost
    from distributed import Client

_PURPOSE = "training with xgboost.dask (hyperparameter distributed=dask)"


def train_on_dask(
    plan: TrainingPlan, train: Path, validation: Path | None, log: Callable[[str], None]
) -> tuple[xgboost.Booster, int]:
    """The trained booster and the number of features."""
    require_extra("dask", "dask", "distributed", "xgboost.dask", purpose=_PURPOSE)
    import xgboost
    import xgboost.dask as xgb_dask

    address = dask_address(None) or LOCAL
    with dask_client(address, purpose=_PURPOSE) as client:
        require_visible(client, address, [str(train)] + ([str(validation)] if validation else []))
        train_x, train_y = _channel(client, train, "train")
        dtrain = xgb_dask.DaskDMatrix(client, train_x, train_y)
        evals = [(dtrain, "train")]
        if validation is not None:
            valid_x, valid_y = _channel(client, validation, "validation")
            if valid_x.shape[1] != train_x.shape[1]:
                raise InvalidInput(
                    f"validation channel {validation} has {valid_x.shape[1]} features per row "
                    f"but train has {train_x.shape[1]}"
                )
            evals.append((xgb_dask.DaskDMatrix(client, valid_x, valid_y), "validation"))
        log(
            f"Training XGBoost {xgboost.__version__} with xgboost.dask on "
            f"{len(client.scheduler_info()['workers'])} worker(s), {train_x.shape[1]} features, "
            f"for {plan.num_boost_round} rounds"
        )
        try:
            output = xgb_dask.train(
                client,
                plan.params,
                dtrain,
                num_boost_round=plan.num_boost_round,
                evals=evals,
                early_stopping_rounds=plan.early_stopping_rounds,
                verbose_eval=False,
            )
        except xgboost.core.XGBoostError as exc:
            raise InvalidInput(f"XGBoost refused the hyperparameters: {exc}") from exc
        for epoch in range(output["booster"].num_boosted_rounds()):
            parts = [
                f"{data}-{metric}:{values[epoch]:.5f}"
                for data, metrics in output["history"].items()
                for metric, values in metrics.items()
                if epoch < len(values)
            ]
            log(f"[{epoch}]\t" + "\t".join(parts))
        return output["booster"], int(train_x.shape[1])


def _channel(client: Client, folder: Path, channel: str) -> tuple[Any, Any]:
    """Features and labels of a channel as Dask arrays, one block per file, read on workers."""
    import dask.array as da

    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix == ".csv" and not p.name.startswith(("_", "."))
    )
    if not files:
        raise InvalidInput(f"{channel} channel {folder} holds no *.csv files")
    import dask

    # Read once on the workers and kept there; only the shapes come back.
    blocks = client.persist([dask.delayed(read_channel_file)(str(p)) for p in files])
    shapes = client.gather(client.compute([dask.delayed(_shape)(block) for block in blocks]))
    widths = {shape[1] for shape in shapes}
    if len(widths) != 1:
        raise InvalidInput(f"{channel} channel {folder}: its files have different column counts")
    width = widths.pop()
    if width < 2:
        raise InvalidInput(f"{channel} channel {folder}: need the target and at least 1 feature")
    matrix = da.concatenate(
        [
            da.from_delayed(block, shape=shape, dtype="float32")
            for block, shape in zip(blocks, shapes, strict=True)
        ]
    )
    return matrix[:, 1:], matrix[:, 0]


def read_channel_file(path: str) -> np.ndarray:
    """One CSV file of a channel as a float32 matrix, target first (on a worker)."""
    import numpy as np

    from batchops.models.csvtable import read_numeric_block, table_to_matrix

    data = Path(path).read_bytes()
    if not data or data.isspace():
        raise InvalidInput(f"{path}: empty file")
    width = data.split(b"\n", 1)[0].count(b",") + 1
    table = read_numeric_block(
        data,
        source=path,
        first_line=1,
        column_names=[f"c{i}" for i in range(width)],
        use_threads=True,
    )
    matrix = table_to_matrix(table)
    missing = np.flatnonzero(np.isnan(matrix[:, 0]))
    if missing.size:
        raise InvalidInput(f"{path}: row {int(missing[0]) + 1} has no target value (first column)")
    return np.ascontiguousarray(matrix, dtype=np.float32)


def _shape(block: np.ndarray) -> tuple[int, int]:
    return int(block.shape[0]), int(block.shape[1])
