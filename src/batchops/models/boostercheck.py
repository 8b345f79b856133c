"""Checking an XGBoost model document before XGBoost reads it.

XGBoost trusts the model file: an empty one aborts the process, and a tree whose child or
feature indices point outside it loads fine and then crashes the process when it predicts
(a segmentation fault, beyond any try/except). So every structural fact the predictor relies
on is checked here first, in Python, on the parsed JSON or UBJSON document: counts match the
arrays, children and parents stay inside their tree and form a tree, split features exist,
output groups exist, categorical splits point inside their category list. A model that passes
is one XGBoost can load and score, or refuses with an error.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from batchops.data.jsonfiles import parse_json
from batchops.errors import InvalidInput
from batchops.models.manifest import MAX_NAME_CHARS, check_feature_count, limits
from batchops.models.ubjson import parse_ubjson

_MAX_TREES = 10_000_000
_MAX_GROUPS = 100_000
_MAX_CATEGORY = 1 << 24
_DIGITS = re.compile(r"[0-9]{1,10}")
_INTS = "iu"
_NUMBERS = "iuf"
_FLAGS = "iub"


class _Bad(Exception):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)


def check_booster_document(data: bytes, model_format: str, where: str) -> int:
    """Refuse a JSON or UBJSON booster XGBoost could not safely use; return its feature count."""
    refused = f"{where}: not an XGBoost model"
    if model_format == "json":
        document = parse_json(data, refused, max_bytes=limits().max_bytes, unique_keys=True)
    else:
        document = parse_ubjson(data, refused)
    try:
        return _document(document, where)
    except _Bad as exc:
        raise InvalidInput(f"{refused} ({exc})") from None


def _document(document: Any, where: str) -> int:
    learner = _object(_object(document, "the document").get("learner"), "learner")
    param = _object(_get(learner, "learner_model_param", "learner"), "learner_model_param")
    features = _count(_get(param, "num_feature", "learner_model_param"), "num_feature", 1)
    check_feature_count(features, where)
    groups = max(
        _count(param.get("num_class", "0"), "num_class", 0, _MAX_GROUPS),
        _count(param.get("num_target", "1"), "num_target", 1, _MAX_GROUPS),
        1,
    )
    for key in ("feature_names", "feature_types"):
        _names(learner.get(key, []), f"learner.{key}", features)
    booster = _object(_get(learner, "gradient_booster", "learner"), "gradient_booster")
    name = booster.get("name")
    if name == "gbtree":
        _gbtree(_get(booster, "model", "gradient_booster"), features, groups)
    elif name == "dart":
        inner = _object(_get(booster, "gbtree", "gradient_booster"), "gradient_booster.gbtree")
        trees = _gbtree(_get(inner, "model", "gbtree"), features, groups)
        drops = _array(_get(booster, "weight_drop", "gradient_booster"), "weight_drop", _NUMBERS)
        _same_length(drops, trees, "weight_drop", "trees")
    elif name == "gblinear":
        model = _object(_get(booster, "model", "gradient_booster"), "gradient_booster.model")
        weights = _array(_get(model, "weights", "gblinear"), "gblinear.weights", _NUMBERS)
        _same_length(
            weights, (features + 1) * groups, "gblinear.weights", "(features + 1) x groups"
        )
    else:
        raise _Bad("gradient_booster.name", f"unknown booster {_preview(name)}")
    return features


def _gbtree(model: Any, features: int, groups: int) -> int:
    model = _object(model, "gbtree model")
    param = _object(_get(model, "gbtree_model_param", "model"), "gbtree_model_param")
    count = _count(_get(param, "num_trees", "gbtree_model_param"), "num_trees", 0, _MAX_TREES)
    _count(param.get("num_parallel_tree", "1"), "num_parallel_tree", 1, _MAX_TREES)
    trees = _get(model, "trees", "model")
    if not isinstance(trees, list):
        raise _Bad("trees", "expected a list")
    _same_length(len(trees), count, "trees", "num_trees")
    info = _array(_get(model, "tree_info", "model"), "tree_info", _INTS)
    _same_length(info.size, count, "tree_info", "num_trees")
    if info.size and (info.min() < 0 or info.max() >= groups):
        raise _Bad("tree_info", f"output groups must be below {groups}")
    if "iteration_indptr" in model:
        bounds = _array(model["iteration_indptr"], "iteration_indptr", _INTS)
        if bounds.size < 1 or bounds[0] != 0 or bounds[-1] != count or (np.diff(bounds) < 0).any():
            raise _Bad("iteration_indptr", f"must rise from 0 to {count}")
    cats = model.get("cats", {})
    if not isinstance(cats, dict) or any(len(v) for v in cats.values() if hasattr(v, "__len__")):
        raise _Bad("cats", "recorded category encodings are not supported; score category codes")
    for index, tree in enumerate(trees):
        _tree(tree, f"trees[{index}]", features)
    ids = _array([tree.get("id") for tree in trees], "trees[].id", _INTS)
    if not np.array_equal(np.sort(ids), np.arange(count)):
        raise _Bad("trees[].id", f"tree ids must be 0 to {count - 1}, each once")
    return count


def _tree(tree: Any, path: str, features: int) -> None:
    tree = _object(tree, path)
    param = _object(_get(tree, "tree_param", path), f"{path}.tree_param")
    nodes = _count(_get(param, "num_nodes", path), f"{path}.num_nodes", 1, 2**31 - 1)
    if _count(param.get("size_leaf_vector", "1"), f"{path}.size_leaf_vector", 0) > 1:
        raise _Bad(path, "multi-output trees are not supported")
    _count(param.get("num_deleted", "0"), f"{path}.num_deleted", 0, nodes)

    def node_array(key: str, kinds: str) -> np.ndarray:
        values = _array(_get(tree, key, path), f"{path}.{key}", kinds)
        _same_length(values.size, nodes, f"{path}.{key}", "num_nodes")
        return values

    for key in ("split_conditions", "base_weights", "loss_changes", "sum_hessian"):
        node_array(key, _NUMBERS)
    left, right = node_array("left_children", _INTS), node_array("right_children", _INTS)
    parents, split = node_array("parents", _INTS), node_array("split_indices", _INTS)
    kinds = node_array("split_type", _FLAGS).astype(np.int64)
    flags = node_array("default_left", _FLAGS).astype(np.int64)
    if ((kinds != 0) & (kinds != 1)).any() or ((flags != 0) & (flags != 1)).any():
        raise _Bad(path, "split_type and default_left must be 0 or 1")
    inner = np.flatnonzero(left != -1)
    if (right[left == -1] != -1).any():
        raise _Bad(path, "a leaf has a right child")
    children = np.concatenate([left[inner], right[inner]])
    if children.size and (children.min() < 1 or children.max() >= nodes):
        raise _Bad(path, "a child index is outside the tree")
    if np.bincount(children, minlength=nodes).max(initial=0) > 1:
        raise _Bad(path, "a node is the child of two splits")
    if nodes > 1 and (parents[1:].min() < 0 or parents[1:].max() >= nodes):
        raise _Bad(path, "a parent index is outside the tree")
    if (parents[left[inner]] != inner).any() or (parents[right[inner]] != inner).any():
        raise _Bad(path, "parents disagree with children")
    if inner.size and (split[inner].min() < 0 or split[inner].max() >= features):
        raise _Bad(path, f"a split reads a feature beyond the model's {features}")
    _categories(tree, path, nodes, np.flatnonzero((left != -1) & (kinds == 1)))


def _categories(tree: dict[str, Any], path: str, nodes: int, categorical: np.ndarray) -> None:
    listed = _array(tree.get("categories_nodes", []), f"{path}.categories_nodes", _INTS)
    starts = _array(tree.get("categories_segments", []), f"{path}.categories_segments", _INTS)
    sizes = _array(tree.get("categories_sizes", []), f"{path}.categories_sizes", _INTS)
    values = _array(tree.get("categories", []), f"{path}.categories", _INTS)
    _same_length(starts.size, listed.size, f"{path}.categories_segments", "categories_nodes")
    _same_length(sizes.size, listed.size, f"{path}.categories_sizes", "categories_nodes")
    if not np.array_equal(np.unique(listed), categorical) or listed.size != categorical.size:
        raise _Bad(path, "categories_nodes disagree with the categorical splits")
    if listed.size and (
        starts.min() < 0 or sizes.min() < 0 or (starts + sizes).max() > values.size
    ):
        raise _Bad(path, "a category segment is outside categories")
    if values.size and (values.min() < 0 or values.max() >= _MAX_CATEGORY):
        raise _Bad(path, f"categories must be between 0 and {_MAX_CATEGORY}")


# --- typed access --------------------------------------------------------------------------


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(path, "expected an object" if value is not None else "missing")
    return value


def _get(container: dict[str, Any], key: str, path: str) -> Any:
    if key not in container:
        raise _Bad(path, f"{key} is missing")
    return container[key]


def _count(value: Any, path: str, low: int, high: int | None = None) -> int:
    """A count as XGBoost stores it: decimal digits in a string (nothing else, so both
    readers agree on the number)."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise _Bad(path, f"expected a count in a string, got {_preview(value)}")
    number = int(value)
    if number < low or (high is not None and number > high):
        raise _Bad(path, f"{number} is out of range")
    return number


def _array(value: Any, path: str, kinds: str) -> np.ndarray:
    try:
        values = np.asarray(value)
    except (ValueError, TypeError):
        raise _Bad(path, "expected a flat list of numbers") from None
    if values.ndim != 1 or (values.size and values.dtype.kind not in kinds):
        expected = "numbers" if kinds == _NUMBERS else "integers"
        raise _Bad(path, f"expected a flat list of {expected}")
    if values.dtype.kind == "u":
        if values.size and values.max() > np.iinfo(np.int64).max:
            raise _Bad(path, "an integer is out of range")
        values = values.astype(np.int64)
    return values


def _same_length(actual: Any, expected: int, path: str, what: str) -> None:
    size = actual.size if isinstance(actual, np.ndarray) else int(actual)
    if size != expected:
        raise _Bad(path, f"{size} items but {what} is {expected}")


def _names(value: Any, path: str, features: int) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad(path, "expected a list of strings")
    if value and len(value) != features:
        raise _Bad(path, f"{len(value)} items but num_feature is {features}")
    if any(len(v) > MAX_NAME_CHARS for v in value):
        raise _Bad(path, f"a name is longer than {MAX_NAME_CHARS} characters")


def _preview(value: object, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, (list, dict, np.ndarray)) else type(value).__name__
    return text if len(text) <= limit else text[:limit] + "..."
