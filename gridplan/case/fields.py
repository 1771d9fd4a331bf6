"""Field types shared by every part of the case schema (:mod:`.schema`, :mod:`.targets`).

Every model forbids unknown keys (a typo must never be silently ignored), is frozen once
validated, and uses its attribute docstrings as the JSON schema's descriptions.

Numbers are strict where a plan's answer depends on them:

- :data:`Number` (and :data:`NonNeg`, :data:`Positive`, :data:`Fraction`)
  is a *finite* float that refuses booleans: YAML 1.1 reads ``yes``/``no``/``on``/``off`` as
  booleans and pydantic's lax mode would turn them into 1 and 0 (``existing_mw: yes`` must
  not become 1 MW); NaN passes every unbounded field (a price) and +inf every ``ge=0``
  bound, and either ends as a free plant, a NaN objective or an unbounded LP. Refusing them
  in the type gives one message for all: "a finite number".
- :data:`Whole` is an integer written as one: no booleans, no floats (``resolution: 2.5``,
  and ``typical_days: 12.0`` too: whole hours and days are counted, never rounded).
- :data:`Name` and :data:`Text` hold no control characters, so an id, a name or a path that
  ends up in a one-line error message cannot break the line.
"""
from __future__ import annotations

import math
import re
from typing import Annotated, Any, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

BOOL_HINT = "yes/no/on/off/true/false are booleans in YAML"
"""Why a boolean is not a number, said wherever one is refused (also by :mod:`.checks`)."""


def _no_bool(value: Any) -> Any:
    """Refuse a boolean where a number goes (pydantic's lax mode would read True as 1)."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_not_bool", f"a number, not a boolean ({BOOL_HINT})")
    return value


def _whole(value: Any) -> Any:
    """Refuse a boolean or a float where a whole number goes (numpy integers are accepted)."""
    _no_bool(value)
    if isinstance(value, float):
        raise PydanticCustomError("whole_number", "a whole number written without a decimal point (e.g. 3)")
    return value


Number = Annotated[float, BeforeValidator(_no_bool), Field(allow_inf_nan=False)]
"""A finite number (no NaN, no ±inf, no boolean)."""
NonNeg = Annotated[Number, Field(ge=0)]
Positive = Annotated[Number, Field(gt=0)]
Fraction = Annotated[Number, Field(ge=0, le=1)]
Whole = Annotated[int, BeforeValidator(_whole)]
"""An integer (no boolean, no float)."""

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Refuse control characters (newline, tab, escape...) in text that error lines quote."""
    if _CONTROL.search(text):
        raise PydanticCustomError("one_line_text", "text on one line (no newline, tab or other control character)")
    return text


Text = Annotated[str, Field(max_length=10_000), AfterValidator(_one_line)]
"""Free text on one line: no control characters."""


def _finite_override(value: Any) -> Any:
    """A catalogue override may be a number, a text, a flag or null; a number must be finite.

    Only what the YAML itself makes a NaN or an infinity (``.nan``, ``1e400``) is refused here,
    while loading; what a value must be depends on its column, which only the catalogue knows,
    so every other judgement of an override (a number, not a boolean, in range, a flag) is
    :func:`gridplan.case.checks.override_problem`, driven by ``checks.RANGES``."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "a finite number")
    return value


OverrideValue = Annotated[Union[float, str, bool, None], AfterValidator(_finite_override)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
