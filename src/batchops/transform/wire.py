"""Length-prefixed messages between a transform and its worker processes, over their pipes.

Messages are pickled dataclasses of our own (`protocol`: batch descriptions, settings, the
model's file bytes, replies); a batch's output travels as raw bytes after its message. A stream that
ends mid-message or between messages raises EOFError: the other side is gone.
"""

from __future__ import annotations

import pickle
import struct
from typing import IO, Any

_LENGTH = struct.Struct("<Q")


def send(stream: IO[bytes], message: Any, payload: bytes | None = None) -> None:
    """Write one message, and `payload` as a second frame when given, then flush."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    if payload is not None:
        stream.write(_LENGTH.pack(len(payload)))
        stream.write(payload)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    return pickle.loads(receive_bytes(stream))


def receive_bytes(stream: IO[bytes]) -> bytes:
    (length,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))
    return _read_exactly(stream, length)


def _read_exactly(stream: IO[bytes], count: int) -> bytes:
    data = stream.read(count)
    if data is None or len(data) != count:
        raise EOFError("the pipe closed mid-message" if data else "the pipe closed")
    return data
