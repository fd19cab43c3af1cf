"""How a customer's phone would show what a business sent: a readable one-block text view.

The simulator keeps this view beside each recorded body; ``polychat demo`` prints it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["describe_whatsapp"]


def _buttons(titles: list[str]) -> str:
    return " ".join(f"[ {t} ]" for t in titles)


def _media(kind: str, obj: dict[str, Any]) -> str:
    source = obj.get("link") or f"media {obj.get('id')}"
    label = "voice note" if kind == "audio" and obj.get("voice") else kind
    text = f"[{label}] {source}"
    if obj.get("filename"):
        text += f" ({obj['filename']})"
    if obj.get("caption"):
        text += f"\n{obj['caption']}"
    return text


def _interactive(obj: dict[str, Any]) -> str:
    kind = obj.get("type")
    lines: list[str] = []
    header = obj.get("header") or {}
    if header.get("type") == "text":
        lines.append(f"*{header.get('text')}*")
    elif header:
        lines.append(_media(str(header.get("type")), header.get(str(header.get("type"))) or {}))
    lines.append(str((obj.get("body") or {}).get("text", "")))
    action = obj.get("action") or {}
    if kind == "button":
        lines.append(_buttons([b.get("reply", {}).get("title", "") for b in action.get("buttons", [])]))
    elif kind == "list":
        lines.append(f"[ ☰ {action.get('button')} ]")
        for section in action.get("sections", []):
            if section.get("title"):
                lines.append(f"  {section['title']}")
            for row in section.get("rows", []):
                desc = f" — {row['description']}" if row.get("description") else ""
                lines.append(f"   • {row.get('title')}{desc}")
    elif kind == "cta_url":
        params = action.get("parameters") or {}
        lines.append(f"[ ↗ {params.get('display_text')} ] {params.get('url')}")
    elif kind == "location_request_message":
        lines.append("[ 📍 Send location ]")
    else:
        lines.append(f"[interactive {kind}]")
    if (obj.get("footer") or {}).get("text"):
        lines.append(f"_{obj['footer']['text']}_")
    return "\n".join(line for line in lines if line)


def describe_whatsapp(body: dict[str, Any]) -> str:
    """A WhatsApp send body as the customer would see it, as text."""
    kind = body.get("type", "text")
    obj = body.get(kind) or {}
    if kind == "text":
        return str(obj.get("body", ""))
    if kind in ("image", "video", "audio", "document", "sticker"):
        return _media(kind, obj)
    if kind == "interactive":
        return _interactive(obj)
    if kind == "location":
        place = ", ".join(str(obj[k]) for k in ("name", "address") if obj.get(k))
        return f"[location] {obj.get('latitude')},{obj.get('longitude')} {place}".strip()
    if kind == "contacts":
        names = [c.get("name", {}).get("formatted_name", "?") for c in body.get("contacts", [])]
        return "[contact] " + ", ".join(names)
    if kind == "reaction":
        emoji = obj.get("emoji") or "(removed)"
        return f"[reacted {emoji}]"
    if kind == "template":
        return f"[template {obj.get('name')} ({(obj.get('language') or {}).get('code')})]"
    return f"[{kind}]"
