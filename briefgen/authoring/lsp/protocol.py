"""The JSON-RPC protocol as pygls speaks it, but answering every request: one whose
parameters do not decode (a negative line, a position out of range, a wrong type) gets
an InvalidParams error response instead of being only logged, so the editor does not
wait forever for it."""

from __future__ import annotations

from typing import Any, NamedTuple

from cattrs import ClassValidationError, transform_error
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol


class Unreadable(NamedTuple):
    """A request whose parameters could not be decoded: answered with ``error``."""

    id: Any
    method: str
    error: JsonRpcException


class AnsweringProtocol(LanguageServerProtocol):
    """pygls's protocol, with an error response for each request it cannot decode."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            # json.loads calls this for every object, innermost first: only the message
            # itself has "jsonrpc"; a request has an "id" and a "method" (a string or a
            # number as id, as JSON-RPC allows; anything else cannot be answered).
            ident = data.get("id")
            if "jsonrpc" in data and isinstance(data.get("method"), str) and isinstance(ident, str | int):
                method = data["method"]
                error = JsonRpcInvalidParams(message=f"invalid params for {method}: {_reason(exc)}")
                return Unreadable(ident, method, error)
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Unreadable):
            self._send_response(message.id, None, message.error.to_response_error())
            return
        super().handle_message(message)


def _reason(exc: JsonRpcException) -> str:
    """What does not decode, where: "expected int @ $.params.position.line"."""
    cause = exc.__cause__
    if isinstance(cause, ClassValidationError):
        found = transform_error(cause)
        if found:
            return "; ".join(found[:3])
    return "they do not decode"
