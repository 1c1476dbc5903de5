"""The one domain error.

Services raise ``ServiceError`` inside their transaction, so a refusal changes nothing.
The edge turns it into something a person reads: a form error on a page, an
``ack {ok: false, error: {code, message}}`` on the socket. ``message`` is lazy, so it is
translated into the language active where it is shown.
"""


class ServiceError(Exception):
    # The codes of docs/protocol.md (plus those our own docs/protocol.md adds).
    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    CLOSED = "closed"
    NOT_FOUND = "not_found"
    BUDGET = "budget"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    # The database could not be reached: nothing was saved, the same command may be sent
    # again (with the same id) and will then be applied once.
    UNAVAILABLE = "unavailable"

    def __init__(self, code: str, message, *, field: str | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        # The form field the error belongs to, when a page shows it next to one.
        self.field = field

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message)}
