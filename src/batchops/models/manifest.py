"""The manifest inside model.tar.gz: what loads the model and what input it expects.

It travels with the booster so a transform can check a batch's columns before scoring it,
and so a model made elsewhere (SageMaker) can be told apart from one of ours.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from batchops.errors import InvalidInput

MANIFEST_FILE = "batchops-model.json"
MODEL_FILE = "xgboost-model"
FORMAT_VERSION = 1
_KEY_ORDER = ("flavor", "format_version", "loader", "model_file", "feature_names", "n_features")


@dataclass(frozen=True)
class ModelManifest:
    """Describes a packaged model; `feature_names` are in the order the model reads columns."""

    feature_names: list[str]
    n_features: int
    flavor: str = "xgboost"
    format_version: int = FORMAT_VERSION
    loader: str = "batchops.models.xgboost"
    model_file: str = MODEL_FILE
    content_type: str = "text/csv"
    header: bool = False
    objective: str | None = None
    xgboost_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        ordered = {key: data.pop(key) for key in _KEY_ORDER}
        return {**ordered, **data, **extra}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, source: str = MANIFEST_FILE) -> ModelManifest:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"{source}: not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise InvalidInput(f"{source}: expected a JSON object")
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = MANIFEST_FILE) -> ModelManifest:
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise InvalidInput(
                f"{source}: format_version {version!r} is newer than this batchops reads "
                f"(up to {FORMAT_VERSION}); upgrade batchops"
            )
        names = data.get("feature_names")
        count = data.get("n_features", len(names) if isinstance(names, list) else None)
        if not isinstance(count, int) or count < 1:
            raise InvalidInput(f"{source}: n_features must be a positive integer, got {count!r}")
        if names is None:
            names = default_feature_names(count)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidInput(f"{source}: feature_names must be a list of strings")
        if len(names) != count:
            raise InvalidInput(f"{source}: {len(names)} feature_names but n_features is {count}")
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs.update(feature_names=names, n_features=count, format_version=version)
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**kwargs, extra=extra)

    @property
    def has_generic_names(self) -> bool:
        """True when the names are placeholders (f0, f1, ...), so a header cannot be checked."""
        return self.feature_names == default_feature_names(self.n_features)


def default_feature_names(count: int) -> list[str]:
    return [f"f{i}" for i in range(count)]
