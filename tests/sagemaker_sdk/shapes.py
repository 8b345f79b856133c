"""SageMaker's documented response shapes, from botocore's model of the SageMaker API.

`check(value, "DescribePipelineExecutionResponse")` fails naming the first place where
`value` holds a member the shape does not have, a value of the wrong type, an enum value the
API does not know, or lacks a member the shape requires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import botocore.loaders
import botocore.model

_MODEL = botocore.model.ServiceModel(
    botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
)


def check(value: Any, shape_name: str) -> None:
    _check(value, _MODEL.shape_for(shape_name), shape_name)


def _check(value: Any, shape: botocore.model.Shape, where: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{where}: {value!r} is not a structure"
        members = shape.members
        unknown = set(value) - set(members)
        assert not unknown, f"{where}: {sorted(unknown)} are not members of {shape.name}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: {shape.name} requires {sorted(missing)}"
        for key, item in value.items():
            _check(item, members[key], f"{where}.{key}")
    elif kind == "list":
        assert isinstance(value, list), f"{where}: {value!r} is not a list"
        for number, item in enumerate(value):
            _check(item, shape.member, f"{where}[{number}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{where}: {value!r} is not a map"
    elif kind == "string":
        assert isinstance(value, str), f"{where}: {value!r} is not a string"
        if shape.enum:
            assert value in shape.enum, f"{where}: {value!r} is not one of {shape.enum}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r}"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: {value!r} is not a boolean"
    elif kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo, f"{where}: {value!r} is no time"
    else:
        raise AssertionError(f"{where}: shapes of type {kind} are not checked here")
