"""Field types shared by every part of the case schema (:mod:`.schema`, :mod:`.targets`).

Every model forbids unknown keys (a typo must never be silently ignored), is frozen once
validated, and uses its attribute docstrings as the JSON schema's descriptions.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]
NonNeg = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Efficiency = Annotated[float, Field(gt=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
