"""Reading the numbers of forms and frames the same way in every service."""

from workshops.exceptions import ServiceError


def whole_number(value, *, low: int, high: int, message, field: str | None = None) -> int | None:
    """``value`` as a whole number from ``low`` to ``high``; None when it was left empty.
    Anything else (text, a bool, a number out of range) is refused with ``message``."""
    if value in (None, ""):
        return None
    if not isinstance(value, bool):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is not None and low <= number <= high:
            return number
    raise ServiceError(ServiceError.INVALID, message, field=field)
