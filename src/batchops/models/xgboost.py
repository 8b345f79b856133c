"""The built-in XGBoost flavor: training as SageMaker's built-in algorithm does, and loading.

Training reads channel folders of headerless CSV with the target in the first column (the
built-in algorithm's convention) and writes model.tar.gz with the booster in XGBoost's own
JSON format plus our manifest. Loading accepts ours and SageMaker's archives, but never
unpickles: a pickle can run arbitrary code when read. For scripts written for SageMaker's
XGBoost images before 1.3-1, training can also write the booster pickled as `xgboost-model`
(what those images wrote); writing a pickle runs nothing, and batchops never reads it.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput, at_line
from batchops.models.artifact import ARCHIVE_NAME, pack_model
from batchops.models.boostercheck import check_booster_document
from batchops.models.csvtable import read_numeric_block, table_to_matrix
from batchops.models.hyperparameters import parse_hyperparameters
from batchops.models.loaded import LoadedModel
from batchops.models.manifest import (
    MANIFEST_FILE,
    MODEL_FILE,
    NATIVE_BESIDE_PICKLE,
    ModelManifest,
    default_feature_names,
)
from batchops.models.preprocessing import (
    PREPROCESSING_FILE,
    Preprocessing,
    preprocessing_from_schema,
)

if TYPE_CHECKING:
    import numpy as np
    import xgboost

Log = Callable[[str], None]


class XGBoostModel(LoadedModel):
    """A booster scored with `inplace_predict` (no DMatrix: it costs 2.5x on batches)."""

    def __init__(self, booster: xgboost.Booster, manifest: ModelManifest) -> None:
        super().__init__(manifest)
        self.booster = booster

    def predict(self, features: np.ndarray) -> np.ndarray:
        import numpy as np

        if features.ndim != 2 or features.shape[1] != self.manifest.n_features:
            raise InvalidInput(
                f"the model expects {self.manifest.n_features} features per row, "
                f"got an array of shape {features.shape}"
            )
        if features.dtype != np.float32:
            features = features.astype(np.float32)
        return np.asarray(self.booster.inplace_predict(features, validate_features=False))

    def set_threads(self, threads: int) -> None:
        self.booster.set_param({"nthread": max(1, threads)})

    def to_bytes(self) -> bytes:
        return bytes(self.booster.save_raw("ubj"))


# --- loading -------------------------------------------------------------------------------

_PICKLE_HELP = (
    "it is a Python pickle, and batchops never unpickles models (reading a pickle can run "
    "arbitrary code). Convert it once where you trust it: "
    "`import pickle; pickle.load(open('xgboost-model', 'rb')).save_model('xgboost-model.json')`, "
    "rename xgboost-model.json to xgboost-model and pack it again as model.tar.gz"
)


_NOT_XGBOOST_HELP = (
    "Models must be in XGBoost's JSON or UBJSON format; convert an old binary one with the "
    "XGBoost version that wrote it: save_model('xgboost-model.json')"
)
_checked: set[bytes] = set()  # digests of model files that passed `check` in this process


def check(model_bytes: bytes, manifest: ModelManifest | None, source: str) -> None:
    """Everything that can be checked without XGBoost, so a file that would crash it (empty,
    truncated, indices outside a tree) is refused as bad input; a pickle is refused first.
    """
    where = _model_path(manifest, source)
    digest = hashlib.blake2b(model_bytes, digest_size=20).digest()
    if digest in _checked:
        return
    found = model_format(model_bytes)
    if found == "pickle":
        raise InvalidInput(f"{where}: {_PICKLE_HELP}")
    if not model_bytes.strip():
        raise InvalidInput(f"{where}: empty file, not an XGBoost model")
    if found not in ("json", "ubj"):
        raise InvalidInput(f"{where}: not an XGBoost model. {_NOT_XGBOOST_HELP}")
    features = check_booster_document(model_bytes, found, where)
    if manifest is not None and features != manifest.n_features:
        raise InvalidInput(
            f"{where}: the booster reads {features} features but the manifest says "
            f"{manifest.n_features}"
        )
    _checked.add(digest)


def load(model_bytes: bytes, manifest: ModelManifest | None, source: str) -> XGBoostModel:
    """Load a booster from its bytes; without a manifest, describe it from the booster itself."""
    import xgboost

    check(model_bytes, manifest, source)
    where = _model_path(manifest, source)
    booster = xgboost.Booster()
    try:
        booster.load_model(bytearray(model_bytes))
    except xgboost.core.XGBoostError as exc:
        raise InvalidInput(
            f"{where}: not an XGBoost model this version reads ({_first_line(exc)}). "
            f"{_NOT_XGBOOST_HELP}"
        ) from exc
    if manifest is None:
        manifest = _describe_booster(booster)
    elif booster.num_features() != manifest.n_features:
        raise InvalidInput(
            f"{where}: the booster reads {booster.num_features()} features but the manifest "
            f"says {manifest.n_features}"
        )
    return XGBoostModel(booster, manifest)


def _model_path(manifest: ModelManifest | None, source: str) -> str:
    """The model file inside `source`, as messages name it."""
    return f"{source}: {manifest.model_file if manifest else MODEL_FILE}"


def model_format(data: bytes) -> str:
    """'json', 'ubj', 'pickle' or 'unknown', from the first bytes."""
    head = data[:16].lstrip()
    if head[:1] == b"\x80" or (head[:1] in (b"(", b"c") and b"\n" in data[:64]):
        return "pickle"
    if head.startswith(b"{"):
        return "json" if head[1:2] in (b'"', b"\n", b" ", b"\r", b"\t") else "ubj"
    return "unknown"


def _describe_booster(booster: xgboost.Booster) -> ModelManifest:
    import xgboost

    count = booster.num_features()
    names = list(booster.feature_names or default_feature_names(count))
    return ModelManifest(
        feature_names=names,
        n_features=count,
        objective=_objective(booster),
        xgboost_version=xgboost.__version__,
    )


def _objective(booster: xgboost.Booster) -> str | None:
    try:
        name = json.loads(booster.save_config())["learner"]["objective"]["name"]
    except (KeyError, ValueError):
        return None
    return str(name)


def _first_line(exc: BaseException) -> str:
    line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return line if len(line) <= 200 else line[:200] + "..."


# --- training ------------------------------------------------------------------------------


def train(
    *,
    train: Path,
    validation: Path | None,
    model_dir: Path,
    hyperparameters: Mapping[str, str | int | float],
    feature_names: Sequence[str] | None = None,
    schema: Path | None = None,
    pickled_booster: bool = False,
    log: Log = print,
) -> Path:
    """Train on `train` (and evaluate on `validation` every round); return model_dir/model.tar.gz.

    Feature names come from `feature_names`, else from a JSON file with a `feature_names`
    key in the `schema` folder, else are f0..fN-1. The same data, hyperparameters and seed
    give the same model. `pickled_booster`: also write the booster pickled as `xgboost-model`,
    as SageMaker's XGBoost images before 1.3-1 did, the native one beside it.
    """
    import xgboost

    plan = parse_hyperparameters(hyperparameters)
    for note in plan.notes:
        log(note)
    if plan.early_stopping_rounds is not None and validation is None:
        raise InvalidInput("hyperparameter early_stopping_rounds needs a validation channel")
    writer = _ModelWriter(plan.params, Path(model_dir), log, schema, pickled_booster)
    if plan.distributed == "dask":
        from batchops.models.on_dask import train_on_dask

        if plan.csv_weights:
            raise InvalidInput("hyperparameter csv_weights=1 does not work with distributed=dask")
        booster, width = train_on_dask(plan, Path(train), validation, log)
        return writer.write(booster, _feature_names(feature_names, schema, width))
    train_x, train_y, train_w = _weighted(read_channel(Path(train), "train"), plan.csv_weights)
    names = _feature_names(feature_names, schema, train_x.shape[1])
    dtrain = xgboost.DMatrix(train_x, label=train_y, weight=train_w, nthread=-1)
    evals = [(dtrain, "train")]
    if validation is not None:
        valid_x, valid_y, valid_w = _weighted(
            read_channel(Path(validation), "validation"), plan.csv_weights
        )
        if valid_x.shape[1] != train_x.shape[1]:
            raise InvalidInput(
                f"validation channel {validation} has {valid_x.shape[1]} features per row "
                f"but train has {train_x.shape[1]}"
            )
        dvalid = xgboost.DMatrix(valid_x, label=valid_y, weight=valid_w, nthread=-1)
        evals.append((dvalid, "validation"))
    log(
        f"Training XGBoost {xgboost.__version__} on {train_x.shape[0]} rows x "
        f"{train_x.shape[1]} features for {plan.num_boost_round} rounds"
    )
    try:
        booster = xgboost.train(
            plan.params,
            evals[0][0],
            num_boost_round=plan.num_boost_round,
            evals=evals,
            early_stopping_rounds=plan.early_stopping_rounds,
            verbose_eval=False,
            callbacks=[_round_logger(log)],
        )
    except xgboost.core.XGBoostError as exc:
        raise InvalidInput(f"XGBoost refused the hyperparameters: {_first_line(exc)}") from exc
    return writer.write(booster, names)


def _weighted(
    channel: tuple[np.ndarray, np.ndarray], csv_weights: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Features, labels and weights: with csv_weights the column after the target is each
    row's weight, as the SageMaker images read it."""
    features, labels = channel
    if not csv_weights:
        return features, labels, None
    if features.shape[1] < 2:
        raise InvalidInput("csv_weights=1 needs the target, a weight and at least 1 feature")
    return features[:, 1:], labels, features[:, 0].copy()


class _ModelWriter:
    """Packs a trained booster as model.tar.gz with its manifest (and the pickle, if asked)."""

    def __init__(
        self,
        params: Mapping[str, Any],
        model_dir: Path,
        log: Log,
        schema: Path | None,
        pickled_booster: bool,
    ) -> None:
        self.params = params
        self.model_dir = model_dir
        self.log = log
        self.schema = schema
        self.pickled_booster = pickled_booster

    def write(self, booster: xgboost.Booster, names: list[str]) -> Path:
        import xgboost

        from batchops.store.artifacts import write_bytes

        members: dict[str, bytes] = {}
        extra: dict[str, dict[str, Any]] = {}
        model_file = MODEL_FILE
        if self.pickled_booster:
            model_file = NATIVE_BESIDE_PICKLE
            members[MODEL_FILE] = pickle.dumps(booster, protocol=pickle.HIGHEST_PROTOCOL)
            extra[MODEL_FILE] = {
                "format": "pickle",
                "sha256": hashlib.sha256(members[MODEL_FILE]).hexdigest(),
                "note": "for scripts written for SageMaker's XGBoost images before 1.3-1; "
                "batchops never reads it",
            }
        manifest = ModelManifest(
            feature_names=names,
            n_features=len(names),
            model_file=model_file,
            objective=str(self.params.get("objective")),
            xgboost_version=xgboost.__version__,
            extra_members=extra,
        )
        members[model_file] = bytes(booster.save_raw("json"))
        members[MANIFEST_FILE] = manifest.to_json().encode()
        preprocessing = _schema_preprocessing(self.schema)
        if preprocessing is not None:
            if preprocessing.feature_names != names:
                raise InvalidInput(
                    f"schema {self.schema}: its encoding's columns are not the feature names"
                )
            members[PREPROCESSING_FILE] = (
                json.dumps(preprocessing.to_dict(), indent=2) + "\n"
            ).encode()
        archive = self.model_dir / ARCHIVE_NAME
        write_bytes(archive, pack_model(members))
        if self.pickled_booster:
            self.log(
                f"{MODEL_FILE} is the booster pickled (as images before 1.3-1 wrote it), "
                f"{model_file} the same booster in XGBoost's own format"
            )
        self.log(f"Wrote {archive}")
        return archive


def _round_logger(log: Log) -> Any:
    """A callback printing each round's metrics as SageMaker's container logs them.

    Metrics are separated by tabs, as the container writes them:
    `[3]<TAB>train-logloss:0.41<TAB>validation-logloss:0.44` (CloudWatch shows each tab as
    `#011`; `batchops execution logs` shows it as the tab it is).
    """
    import xgboost

    class RoundLogger(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            parts = [
                f"{data}-{metric}:{values[-1]:.5f}"
                for data, metrics in evals_log.items()
                for metric, values in metrics.items()
            ]
            log(f"[{epoch}]\t" + "\t".join(parts))
            return False

    return RoundLogger()


def read_channel(folder: Path, channel: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every *.csv in `folder` (sorted; names starting _ or . skipped)."""
    import numpy as np

    if not folder.is_dir():
        raise InvalidInput(f"{channel} channel {folder} is not a folder")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix == ".csv" and not p.name.startswith(("_", "."))
    )
    if not files:
        raise InvalidInput(f"{channel} channel {folder} holds no *.csv files")
    blocks: list[np.ndarray] = []
    for path in files:
        data = path.read_bytes()
        if not data or data.isspace():  # unlike strip(), copies nothing
            raise InvalidInput(f"{path}: empty file")
        width = _field_count(data, str(path))
        table = read_numeric_block(
            data,
            source=str(path),
            first_line=1,
            column_names=[f"c{i}" for i in range(width)],
            use_threads=True,
        )
        if blocks and table.num_columns != blocks[0].shape[1]:
            raise InvalidInput(
                f"{path}: {table.num_columns} columns, but {files[0].name} has "
                f"{blocks[0].shape[1]} (target first, then the features)"
            )
        blocks.append(table_to_matrix(table))
    matrix = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    if matrix.shape[1] < 2:
        raise InvalidInput(f"{channel} channel {folder}: need the target and at least 1 feature")
    labels = np.ascontiguousarray(matrix[:, 0])
    missing = np.flatnonzero(np.isnan(labels))
    if missing.size:
        raise InvalidInput(
            f"{channel} channel {folder}: row {int(missing[0]) + 1} has no target value "
            "(first column)"
        )
    return np.ascontiguousarray(matrix[:, 1:]), labels


_FIRST_LINE = re.compile(rb"[^\r\n][^\n]*")


def _field_count(data: bytes, source: str) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    match = _FIRST_LINE.search(data)  # the first non-empty line, copying nothing else
    first = match.group() if match else b""
    try:
        table = pacsv.read_csv(
            pa.py_buffer(first + b"\n"),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
        )
    except pa.ArrowInvalid as exc:
        line = data.count(b"\n", 0, match.start()) + 1 if match else 1
        raise at_line(source, line, f"cannot parse CSV ({exc})") from exc
    return int(table.num_columns)


def _feature_names(given: Sequence[str] | None, schema: Path | None, count: int) -> list[str]:
    names = list(given) if given is not None else _schema_names(schema)
    if names is None:
        return default_feature_names(count)
    if len(names) != count:
        raise InvalidInput(
            f"{len(names)} feature names given but the training data has {count} features "
            "(every column after the target)"
        )
    if len(set(names)) != len(names):
        raise InvalidInput("feature names must be unique")
    return names


def _schema_preprocessing(schema: Path | None) -> Preprocessing | None:
    """The raw-data encoding the schema folder describes (PrepareData's vocabulary.json)."""
    if schema is None:
        return None
    folder = Path(schema)
    for path in [folder] if folder.is_file() else sorted(folder.glob("*.json")):
        found = preprocessing_from_schema(json.loads(path.read_text()), str(path))
        if found is not None:
            return found
    return None


def _schema_names(schema: Path | None) -> list[str] | None:
    if schema is None:
        return None
    folder = Path(schema)
    candidates = [folder] if folder.is_file() else sorted(folder.glob("*.json"))
    for path in candidates:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{path}: not readable JSON ({exc})") from exc
        if isinstance(data, dict) and "feature_names" in data:
            names = data["feature_names"]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise InvalidInput(f"{path}: feature_names must be a list of strings")
            return names
    raise InvalidInput(f"schema {schema}: no JSON file with a feature_names key")
