"""Annotated types shared by API routes (bounded so no input can overflow a database integer)."""

from typing import Annotated

from fastapi import Path
from pydantic import BeforeValidator

MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _integral_float_to_int(value):
    """JSON Schema counts 409.0 as an integer; strict pydantic does not, so convert exact ones."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_integral_float_to_int)]
