"""Annotated types shared by API routes (bounded so no input can overflow a database integer)."""

from typing import Annotated

from fastapi import Path

MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
