"""SageMaker container image URIs, read for what they mean to batchops: a framework and version.

batchops runs no containers. An image URI (`<account>.dkr.ecr.<region>.amazonaws.com/
sagemaker-xgboost:1.0-1-cpu-py3`, from any account or registry) chooses behaviour instead:
`sagemaker-xgboost` is the built-in XGBoost trainer, and processing scripts on
`sagemaker-xgboost` or `sagemaker-scikit-learn` images get libraries that behave like the
image's (`batchops.runtime.frameworks`). Any other image is "unknown": a processing step runs
it with batchops's own Python, and a training step refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from batchops.errors import InvalidInput

XGBOOST = "xgboost"
SCIKIT_LEARN = "sklearn"

# Repository name -> framework. `xgboost` is the first-generation built-in algorithm's image
# (XGBoost 0.72, tags "1" or "latest"), which pickled its booster as the later 1.x images did.
_REPOSITORIES = {
    "sagemaker-xgboost": XGBOOST,
    "xgboost": XGBOOST,
    "sagemaker-scikit-learn": SCIKIT_LEARN,
}
_LEGACY_XGBOOST = "xgboost"
_URI = re.compile(r"^(?:.*/)?(?P<repository>[a-z0-9][a-z0-9._-]*):(?P<tag>[A-Za-z0-9._-]+)$")
_VERSION = re.compile(r"^(?P<version>\d+(?:\.\d+)*(?:-\d+)?)(?:-|$)")
# The first image version that saves the booster in XGBoost's own format (train.py
# calls save_model from branch 1.3-1 on; up to 1.2-x it pickles the booster).
FIRST_UNPICKLED_XGBOOST = (1, 3, 1)


@dataclass(frozen=True)
class Image:
    """An image URI and what batchops recognises in it (`framework` None: unknown image)."""

    uri: str
    repository: str | None
    framework: str | None
    version: str | None

    @property
    def version_key(self) -> tuple[int, ...] | None:
        """The version as numbers ("1.0-1" -> (1, 0, 1)), for comparisons."""
        if self.version is None:
            return None
        return tuple(int(part) for part in re.split(r"[.-]", self.version))

    @property
    def name(self) -> str:
        """The repository and version as messages name the image: sagemaker-xgboost:1.0-1."""
        repository = self.repository or self.uri
        return f"{repository}:{self.version}" if self.version else repository

    @property
    def pickles_booster(self) -> bool:
        """Whether the image's model.tar.gz holds a pickled booster as `xgboost-model`."""
        if self.framework != XGBOOST:
            return False
        key = self.version_key
        legacy = self.repository == _LEGACY_XGBOOST
        return legacy or (key is not None and key < FIRST_UNPICKLED_XGBOOST)


def parse_image(uri: str) -> Image:
    """What `uri` names; an image batchops does not know has framework and version None."""
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidInput(f"image URI must be a non-empty string, got {uri!r}")
    text = uri.strip()
    match = _URI.match(text)
    if match is None:
        return Image(text, None, None, None)
    repository = match.group("repository")
    framework = _REPOSITORIES.get(repository)
    if framework is None:
        return Image(text, repository, None, None)
    version = _VERSION.match(match.group("tag"))
    return Image(text, repository, framework, version.group("version") if version else None)


def check_training_image(uri: str) -> Image:
    """The training image, if batchops can train with it: only XGBoost's built-in algorithm."""
    image = parse_image(uri)
    if image.framework != XGBOOST:
        raise InvalidInput(
            f"training image {uri!r} is not one batchops can run: it trains only with the "
            "built-in XGBoost algorithm (a sagemaker-xgboost image, e.g. "
            "image_uris.retrieve('xgboost', region, '1.0-1'))"
        )
    return image
