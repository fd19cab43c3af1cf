"""The public API: re-exported from the package root, sorted, complete, documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

import polychat

MODULES = ["polychat.content", "polychat.events", "polychat.errors", "polychat.address",
           "polychat.wire", "polychat.hub", "polychat.capabilities", "polychat.stores",
           "polychat.channels", "polychat.channels.whatsapp", "polychat.channels.messenger",
           "polychat.channels.apple",
           "polychat.testing"]


def test_root_all_is_sorted_and_resolvable() -> None:
    names = [n for n in polychat.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in polychat.__all__:
        assert hasattr(polychat, name), name


@pytest.mark.parametrize("module_name", MODULES)
def test_every_module_all_is_complete(module_name: str) -> None:
    module = importlib.import_module(module_name)
    public = {name for name, value in vars(module).items()
              if not name.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
              and getattr(value, "__module__", "") == module_name}
    assert public <= set(module.__all__), public - set(module.__all__)


def test_contract_names_are_at_the_root() -> None:
    contract = [
        "WhatsApp", "Messenger", "Capabilities", "HttpRequest", "WebhookRequest", "WebhookResponse",
        "Text", "Image", "Video", "Audio", "File", "Sticker", "Location", "Contacts", "Contact",
        "Buttons", "Button", "QuickReplies", "QuickReply", "ListPicker", "ListSection", "ListItem",
        "Carousel", "Card", "TimePicker", "TimeSlot", "Template", "Reaction", "RichLink", "Typing",
        "MarkRead", "Raw", "MessageReceived", "ChoiceSelected", "FormSubmitted", "MessageStatus",
        "ReactionReceived", "TypingChanged", "ConversationClosed", "Referral", "OptIn", "OptOut",
        "MessageEdited", "MessageDeleted", "UnknownEvent", "Address", "PolychatError",
        "ConfigurationError", "ContentError", "UnsupportedContent", "WebhookError",
        "SignatureError", "MalformedPayload", "PlatformError", "AuthError", "RateLimited",
        "RecipientUnreachable", "WindowClosed", "TemporaryError", "PermanentError", "AsyncHub",
        "Hub", "Context", "Event",
    ]
    missing = [name for name in contract if name not in polychat.__all__]
    assert not missing


@pytest.mark.parametrize("name", [n for n in polychat.__all__ if n[0].isupper()])
def test_public_classes_have_docstrings(name: str) -> None:
    value = getattr(polychat, name)
    if inspect.isclass(value):
        assert (value.__doc__ or "").strip(), name
