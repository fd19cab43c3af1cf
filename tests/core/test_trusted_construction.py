"""Trusted construction (polychat._model): parsers build events without re-validating them.

The conftest turns ``CHECK_TRUSTED`` on for the whole suite; these tests turn it off where they
need to see what production does, and on where they check that the safety net catches a parser
relying on validation.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

import polychat._model as model_module
from polychat import Address, Location, MessageReceived, Text, WebhookResponse
from polychat._model import PolychatModel, trusting
from polychat.events import AnyEvent

WHEN = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@trusting
def build(cls: type[PolychatModel], /, **fields: Any) -> PolychatModel:
    return cls(**fields)


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """What production does: trusted models are not validated at all."""
    monkeypatch.setattr(model_module, "CHECK_TRUSTED", False)


def message(**overrides: Any) -> dict[str, Any]:
    business = Address(channel="whatsapp", account="106540352242922", user="15550001111")
    customer = Address(channel="whatsapp", account="106540352242922", user="16505551234")
    fields: dict[str, Any] = dict(channel="whatsapp", sender=customer, recipient=business,
                                  id="wamid.FAKE1", timestamp=WHEN, content=Text("hi"),
                                  raw={"id": "wamid.FAKE1"})
    fields.update(overrides)
    return fields


def test_a_trusted_class_skips_validation_inside_a_trusting_call(unchecked: None) -> None:
    built = build(Address, channel="whatsapp", account="1", user=" padded ")
    assert built.user == " padded "  # validation would refuse the blanks
    with pytest.raises(ValidationError):
        Address(channel="whatsapp", account="1", user=" padded ")


def test_the_check_mode_catches_a_value_validation_would_refuse() -> None:
    assert model_module.CHECK_TRUSTED  # set by tests/conftest.py
    with pytest.raises(AssertionError, match="trusted Address accepted what validation refuses"):
        build(Address, channel="whatsapp", account="1", user="")


def test_the_check_mode_catches_a_value_validation_would_convert() -> None:
    with pytest.raises(AssertionError, match="differs from the validated one"):
        build(MessageReceived, **message(capabilities=["QUICK"]))  # validation makes a frozenset


def test_a_trusted_model_equals_the_validated_one(unchecked: None) -> None:
    trusted = build(MessageReceived, **message())
    validated = MessageReceived(**message())
    assert trusted == validated
    assert list(trusted.__dict__) == list(validated.__dict__)  # field order kept
    assert trusted.model_fields_set == validated.model_fields_set
    assert repr(trusted) == repr(validated)
    assert trusted.model_dump_json() == validated.model_dump_json()
    from pydantic import TypeAdapter

    assert TypeAdapter(AnyEvent).validate_json(trusted.model_dump_json()) == validated


def test_missing_and_unknown_fields_still_fail_with_the_usual_error(unchecked: None) -> None:
    with pytest.raises(ValidationError, match="user"):
        build(Address, channel="whatsapp", account="1")
    with pytest.raises(ValidationError, match="extra"):
        build(Address, channel="whatsapp", account="1", user="2", nickname="x")


def test_defaults_are_fresh_per_model(unchecked: None) -> None:
    class Tagged(PolychatModel):
        __trusted__ = True
        name: str
        tags: list[str] = []  # noqa: RUF012 - a mutable default, copied per model
        labels: dict[str, str] = {}  # noqa: RUF012

    first, second = build(Tagged, name="a"), build(Tagged, name="b")
    assert first.tags == [] and first.tags is not second.tags
    assert first.labels is not second.labels
    assert first.model_fields_set == {"name"}
    answers = build(WebhookResponse, status=200), build(WebhookResponse, status=200)
    assert answers[0].headers == {"content-type": "text/plain"}
    assert answers[0].headers is not answers[1].headers  # default_factory called per model


def test_classes_that_do_not_opt_in_are_validated_inside_the_scope(unchecked: None) -> None:
    with pytest.raises(ValidationError):
        build(Location, latitude=200.0, longitude=0.0)


def test_the_scope_is_per_thread_and_ends_with_the_call(unchecked: None) -> None:
    inside, release = threading.Event(), threading.Event()
    seen: list[BaseException] = []

    @trusting
    def parse_slowly() -> None:
        inside.set()
        release.wait(5)

    worker = threading.Thread(target=parse_slowly)
    worker.start()
    inside.wait(5)
    try:
        Address(channel="whatsapp", account="1", user="")  # this thread: validated
    except ValidationError as error:
        seen.append(error)
    release.set()
    worker.join(5)
    assert seen, "another thread's trusting call must not switch validation off here"

    @trusting
    def fails() -> None:
        raise RuntimeError("parser bug")

    with pytest.raises(RuntimeError):
        fails()
    with pytest.raises(ValidationError):  # the scope ended with the failed call
        Address(channel="whatsapp", account="1", user="")
