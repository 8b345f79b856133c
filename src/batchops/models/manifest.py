"""The manifest inside model.tar.gz: what loads the model and what input it expects.

It travels with the booster so a transform can check a batch's columns before scoring it,
and so a model made elsewhere (SageMaker) can be told apart from one of ours.

A model trained for a SageMaker XGBoost image before 1.3-1 also carries the booster pickled
as `xgboost-model`, which is what those images wrote and what user scripts `pickle.load`.
batchops reads the native booster named by `model_file` and never the pickle; the manifest
lists the pickle under `extra_members` with its sha256, checked whenever the archive is read.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from batchops.data.jsonfiles import parse_json
from batchops.errors import InvalidInput
from batchops.settings import ModelLimits, model_limits

MANIFEST_FILE = "batchops-model.json"
MODEL_FILE = "xgboost-model"
NATIVE_BESIDE_PICKLE = "xgboost-model.json"
"""The native booster's name when `xgboost-model` is the pickle written for old images."""
FORMAT_VERSION = 1
_KEY_ORDER = ("flavor", "format_version", "loader", "model_file", "feature_names", "n_features")
MAX_MANIFEST_BYTES = 64 << 20
MAX_NAME_CHARS = 1024
MAX_EXTRA_MEMBERS = 16
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEXT_FIELDS = ("flavor", "loader", "model_file", "content_type", "objective", "xgboost_version")


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
    extra_members: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Other files of the archive batchops wrote but never reads: name -> {format, sha256}."""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        if not data["extra_members"]:
            data.pop("extra_members")
        ordered = {key: data.pop(key) for key in _KEY_ORDER}
        return {**ordered, **data, **extra}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, source: str = MANIFEST_FILE) -> ModelManifest:
        data = parse_json(text, source, max_bytes=MAX_MANIFEST_BYTES)
        if not isinstance(data, dict):
            raise InvalidInput(f"{source}: expected a JSON object")
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = MANIFEST_FILE) -> ModelManifest:
        """A manifest checked as one from anywhere: bounded counts and names, plain file name."""
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
            raise InvalidInput(
                f"{source}: format_version {_preview(version)} is newer than this batchops "
                f"reads (up to {FORMAT_VERSION}); upgrade batchops"
            )
        names = data.get("feature_names")
        count = data.get("n_features", len(names) if isinstance(names, list) else None)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise InvalidInput(
                f"{source}: n_features must be a positive integer, got {_preview(count)}"
            )
        check_feature_count(count, source)
        if names is None:
            names = default_feature_names(count)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidInput(f"{source}: feature_names must be a list of strings")
        if len(names) != count:
            raise InvalidInput(f"{source}: {len(names)} feature_names but n_features is {count}")
        long_name = next((n for n in names if len(n) > MAX_NAME_CHARS), None)
        if long_name is not None:
            raise InvalidInput(
                f"{source}: feature name {_preview(long_name)} is longer than "
                f"{MAX_NAME_CHARS} characters"
            )
        _check_fields(data, source)
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


def limits() -> ModelLimits:
    """The bounds on models from the environment; a malformed setting is bad input."""
    try:
        return model_limits()
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def check_feature_count(count: int, source: str) -> None:
    """Refuse a feature count past BATCHOPS_MAX_MODEL_FEATURES before anything is sized by it."""
    limit = limits().max_features
    if count > limit:
        raise InvalidInput(
            f"{source}: {count} features, more than the {limit} allowed "
            "(BATCHOPS_MAX_MODEL_FEATURES)"
        )


def check_file_name(name: object, source: str, what: str = "model_file") -> str:
    """A manifest names a file beside itself: a plain name, never a path that leaves its folder."""
    if (
        not isinstance(name, str)
        or not name
        or len(name) > 255
        or name in (".", "..")
        or any(c in name for c in "/\\\0")
    ):
        raise InvalidInput(f"{source}: {what} must be a plain file name, got {_preview(name)}")
    return name


def _check_fields(data: dict[str, Any], source: str) -> None:
    for key in _TEXT_FIELDS:
        value = data.get(key)
        if value is None and key in ("objective", "xgboost_version"):
            continue
        if key in data and (not isinstance(value, str) or len(value) > 256):
            raise InvalidInput(f"{source}: {key} must be a short text, got {_preview(value)}")
    if "header" in data and not isinstance(data["header"], bool):
        raise InvalidInput(
            f"{source}: header must be true or false, got {_preview(data['header'])}"
        )
    if "model_file" in data:
        check_file_name(data["model_file"], source)
    members = data.get("extra_members", {})
    if not isinstance(members, dict) or len(members) > MAX_EXTRA_MEMBERS:
        raise InvalidInput(
            f"{source}: extra_members must be an object of at most {MAX_EXTRA_MEMBERS} files"
        )
    for name, entry in members.items():
        check_file_name(name, source, "each of extra_members")
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise InvalidInput(
                f"{source}: extra_members[{_preview(name)}] must give the file's sha256"
            )


def _preview(value: object, limit: int = 60) -> str:
    """A value as messages quote it: short, whatever its size."""
    text = repr(value) if not isinstance(value, (list, dict)) else type(value).__name__
    return text if len(text) <= limit else text[:limit] + "..."
