"""Build ``multipart/form-data`` bodies without I/O (for media uploads)."""

from __future__ import annotations

import secrets

__all__ = ["encode_multipart"]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes, str]],
    *,
    boundary: str | None = None,
) -> tuple[bytes, str]:
    """Encode form ``fields`` and ``files`` (name → (filename, data, mime type)).

    Returns the body and the ``Content-Type`` header value (with its boundary).
    """
    boundary = boundary or f"polychat-{secrets.token_hex(16)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, (filename, data, mime) in files.items():
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{_quote(name)}\"; "
            f"filename=\"{_quote(filename)}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
