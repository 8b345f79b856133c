"""`ParameterString/Integer/Float/Boolean` as the SDK takes them (`enum_values` included).

They are batchops's parameters, so a stored definition binds and checks them the same way,
with the SDK's pipeline-variable manners (no `str()`, `.expr`, `.to_string()`).
"""

from __future__ import annotations

from enum import Enum

from batchops.pipeline import parameters as _parameters
from batchops.sagemaker.workflow.entities import PipelineVariable


class ParameterTypeEnum(Enum):
    STRING = "String"
    INTEGER = "Integer"
    BOOLEAN = "Boolean"
    FLOAT = "Float"


class Parameter(PipelineVariable, _parameters.Parameter):
    """The base every parameter shares (for `isinstance`); make one of the typed ones."""


class ParameterString(Parameter, _parameters.ParameterString):
    pass


class ParameterInteger(Parameter, _parameters.ParameterInteger):
    pass


class ParameterFloat(Parameter, _parameters.ParameterFloat):
    pass


class ParameterBoolean(Parameter, _parameters.ParameterBoolean):
    pass


__all__ = [
    "Parameter",
    "ParameterBoolean",
    "ParameterFloat",
    "ParameterInteger",
    "ParameterString",
    "ParameterTypeEnum",
]
