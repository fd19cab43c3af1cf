"""The ``polychat`` command: a demo, a chat simulator, pre-live checks and real sends.

``demo`` plays a shop conversation on the simulator; ``simulate`` lets you chat with a bot there
(in-process, or your own running bot with ``--url``); ``send`` sends real messages; ``verify``
checks a configuration before going live; ``verify-webhook`` checks a saved webhook's signature
offline. Every command is described in ``docs/cli.md``.

``polychat demo`` loads ``examples/order_bot.py`` (shipped in the package), builds ONE hub over
every simulated channel with obviously fake credentials, and plays the same scripted customer
conversation on each, printing what the customer sends and what their app shows in return — the
same bot code producing each platform's native UI.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["main"]

def demo_channels() -> list[Any]:
    """The channels the demo simulates, with obviously fake credentials."""
    from . import AppleMessages, Messenger, WhatsApp

    channels: list[Any] = [
        WhatsApp(phone_number_id="106540352242922", access_token="EAAG-demo-token-not-real",
                 app_secret="demo-app-secret-not-real", verify_token="demo-verify-token"),
        Messenger(page_id="108457560940232", page_access_token="EAAG-demo-page-token-not-real",
                  app_secret="demo-app-secret-not-real", verify_token="demo-verify-token"),
    ]
    if importlib.util.find_spec("cryptography") is not None:  # Apple attachments need it
        channels.append(AppleMessages(
            msp_id="demo-msp-id-not-real",
            secret="ZGVtby1tc3Atc2VjcmV0LW5vdC1yZWFsLTAwMDAwMDA=",  # base64 of a fake secret
            business_id="demo-business-0000-not-real"))
    return channels


#: The scripted conversation: (action, argument, what the customer does, in words).
SCRIPT: list[tuple[str, Any]] = [
    ("says", "hi"),
    ("taps", "Browse products"),
    ("picks", "Shrub mug"),
    ("taps", "Add to basket"),
    ("taps", "Track an order"),
    ("says", "A1001"),
    ("taps", "Book a delivery"),
    ("picks", "slot-1"),
    ("sends_image", b"\xff\xd8\xff\xe0" + b"demo-photo-bytes" * 64),
]


def _find_bot(path: str | None) -> Path:
    if path:
        return Path(path)
    candidates = [
        Path(__file__).resolve().parents[2] / "examples" / "order_bot.py",  # source checkout
        Path(str(resources.files("polychat"))) / "_examples" / "order_bot.py",  # installed wheel
        Path.cwd() / "examples" / "order_bot.py",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise SystemExit("cannot find examples/order_bot.py; pass --bot PATH")


def load_bot(path: str | None = None) -> ModuleType:
    """Import the bot module (default: the shipped ``examples/order_bot.py``)."""
    file = _find_bot(path)
    spec = importlib.util.spec_from_file_location("polychat_demo_bot", file)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "create_hub"):
        raise SystemExit(f"{file} has no create_hub(*channels) function")
    return module


class _DegradeNotes(logging.Handler):
    """Collects the hub's degrade notes so the transcript can show them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        for rule in getattr(record, "degraded", []) or []:
            self.notes.append(str(rule))


def _describe(action: str, argument: Any) -> str:
    if action == "says":
        return str(argument)
    if action in ("taps", "picks"):
        return f"(taps “{argument}”)"
    if action == "sends_image":
        return f"(sends a photo, {len(argument)} bytes)"
    return f"({action} {argument})"


def _indent(text: str, prefix: str) -> str:
    lines = text.splitlines() or [""]
    return "\n".join([prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]])


async def run_demo(bot_path: str | None = None, *, out: Any = None,
                   channels: Sequence[str] | None = None) -> int:
    """Play the scripted conversation on every simulated channel; print the transcript.

    Args:
        bot_path: the bot module (default: the shipped ``examples/order_bot.py``).
        out: where to write (default: stdout).
        channels: only these channel names (default: all).
    """
    from .testing import Simulator, SimulatorError

    write = (out or sys.stdout).write
    bot = load_bot(bot_path)
    available = demo_channels()
    selected = [c for c in available if channels is None or c.name in channels]
    if "apple" not in {c.name for c in available}:
        write('(Apple Messages is skipped: install "polychat[apple]" for its encrypted media)\n')
    if not selected:
        raise SystemExit(f"no such demo channel: {', '.join(channels or [])}")
    hub = bot.create_hub(*selected)
    sim = Simulator(hub)
    notes = _DegradeNotes()
    hub_logger = logging.getLogger("polychat.hub")
    hub_logger.addHandler(notes)
    level = hub_logger.level
    hub_logger.setLevel(logging.INFO)
    write(f"polychat demo — {Path(bot.__file__ or 'bot').name}: one bot, "
          f"{len(selected)} simulated channel{'s' if len(selected) > 1 else ''}\n")
    try:
        for channel in selected:
            write("\n" + "=" * 78 + "\n")
            write(f"{channel.name} (business account {channel.account})\n")
            write("=" * 78 + "\n")
            customer = sim.user(channel.name, name="Ada Lovelace")
            for action, argument in SCRIPT:
                write("\n" + _indent(_describe(action, argument), "👤 Ada  ▸ ") + "\n")
                before = len(notes.notes)
                webhooks_before = len(sim.webhooks) + 1  # the customer's own webhook comes first
                try:
                    replies = await getattr(customer, action)(argument)
                except SimulatorError as error:  # a bot of your own offers other choices
                    write(f"   ! skipped: {error}\n")
                    continue
                for rule in notes.notes[before:]:
                    write(f"   ↺ degraded: {rule}\n")
                for reply in replies:
                    write(_indent(reply.view, "🏪 Shop ◂ ") + "\n")
                statuses = _statuses(sim, sim.webhooks[webhooks_before:])
                if statuses:
                    write(f"   ✓ {statuses}\n")
    finally:
        hub_logger.removeHandler(notes)
        hub_logger.setLevel(level)
        await hub.aclose()
    write("\n" + "=" * 78 + "\n")
    write(f"{len(sim.sent)} messages sent, {len(sim.webhooks)} signed webhooks delivered, "
          f"{len(sim.requests)} API calls — all on the simulator, no credentials.\n")
    return 0


def _statuses(sim: Any, webhooks: list[Any]) -> str:
    """Count the delivery statuses among ``webhooks``, parsed by the channels themselves."""
    from .events import MessageStatus

    counts: dict[str, int] = {}
    for name, body, _response in webhooks:
        channel = sim.hub.core.channel_named(name)
        for event in channel.parse(sim.fake(name).webhook_request(body)):
            if isinstance(event, MessageStatus):
                counts[event.status] = counts.get(event.status, 0) + 1
    return "statuses: " + ", ".join(f"{n} {s}" for s, n in counts.items()) if counts else ""


def verify_webhook(args: argparse.Namespace, out: Any = None) -> int:
    """``polychat verify-webhook``: check a saved webhook's signature (Meta) or JWT (Apple) offline.

    Secrets are read from environment variables, never from the command line (which other users
    of the machine can see).
    """
    import os
    import time

    from .errors import SignatureError
    from .wire import WebhookRequest

    write = (out or sys.stdout).write
    secret = os.environ.get(args.secret_env, "")
    if not secret:
        write(f"set the secret in ${args.secret_env} first\n")
        return 2
    try:
        if args.platform == "apple":
            from .channels.apple import crypto

            token = args.token.removeprefix("Bearer ").strip()
            claims = crypto.verify_jwt(token, crypto.decode_secret(secret), audience=args.msp_id,
                                       now=time.time() if args.now is None else args.now)
            write(f"valid: JWT for aud={claims.get('aud')!r}, iat={claims.get('iat')!r}\n")
            return 0
        from .channels._meta import check_signature

        body = Path(args.body).read_bytes() if args.body != "-" else sys.stdin.buffer.read()
        check_signature(WebhookRequest(headers={"X-Hub-Signature-256": args.signature},
                                       body=body), secret)
    except SignatureError as error:
        write(f"invalid: {error}\n")
        return 1
    write(f"valid: X-Hub-Signature-256 matches the {len(body)} bytes\n")
    return 0


async def simulate(bot_path: str | None, channel: str, *, lines: Any = None,
                   out: Any = None, plain: bool | None = None) -> int:
    """``polychat simulate CHANNEL [--bot PATH]``: chat with a bot module on the in-process
    simulator, as the customer, line by line.

    A plain line is a text message; ``#N`` taps choice ``N`` (choices are numbered on screen);
    ``/tap <id or title>``, ``/image [PATH]``, ``/location LAT LON``, ``/react EMOJI``, ``/close``
    (Apple), ``/help`` and ``/quit`` do what they say (see :mod:`polychat._cli_simulate`).
    """
    from ._cli_simulate import run_in_process

    bot = load_bot(bot_path)
    chosen = [c for c in demo_channels() if c.name == channel]
    if not chosen:
        (out or sys.stdout).write(f"no simulated channel {channel!r} (is polychat[apple] "
                                  "installed?)\n")
        return 2
    return await run_in_process(bot.create_hub(*chosen), channel,
                                bot_name=Path(bot.__file__ or "bot").name, lines=lines, out=out,
                                plain=plain)


def verify(args: argparse.Namespace, out: Any = None) -> int:
    """``polychat verify``: check each channel's configuration before going live; print a
    checklist (✓ ok, ! warning, ✗ failure). Returns 0 without failures, 1 with, 2 if nothing is
    configured. Credentials come from the environment (see :mod:`polychat._verify`)."""
    import os

    from ._cli_output import make_output
    from ._verify import ENV, verify_channel

    output = make_output(out, plain=args.plain)
    names = args.channels or [n for n, keys in ENV.items() if any(os.environ.get(k) for k in keys)]
    if not names:
        output.line("nothing to verify: set the POLYCHAT_* variables of a channel (see "
                    "`polychat verify --help`), or name one with --channel")
        return 2
    failed = False
    for name in names:
        checks = verify_channel(name, os.environ)
        failed = failed or any(c.status == "fail" for c in checks)
        output.checklist(f"polychat verify — {name}", checks)
    ready = "some items need fixing before going live" if failed else "ready to go live"
    output.line(ready, style="bold red" if failed else "bold green")
    return 1 if failed else 0


def send(args: argparse.Namespace, out: Any = None) -> int:
    """``polychat send ADDRESS [TEXT] [--to ADDRESS …] [--file PATH | --template NAME]``: send for
    real.

    Credentials come from the environment (see :mod:`polychat._cli_send`). One recipient prints
    ``sent: <message ids>``; several print one progress line each and a summary. A ``--file`` is
    uploaded once per business account (reported as progress), then sent with TEXT as caption.
    Returns 0 when everything was sent, 1 when a send failed, 2 for a usage error.
    """
    import os

    from . import Address, Hub, Template, Text
    from ._cli_output import make_output
    from ._cli_send import SendStep, channels_from_env, media_from_file, send_each, upload_once
    from .errors import PolychatError

    output = make_output(out, plain=getattr(args, "plain", None))
    try:
        addresses = [Address.parse(a) for a in [args.address, *(args.to or [])]]
        channels = channels_from_env(addresses, os.environ)
        media = media_from_file(Path(args.file), args.text) if args.file else None
    except (ValueError, OSError, PolychatError) as error:
        output.line(f"error: {error}")
        return 2
    template = getattr(args, "template", None)
    if template and (media is not None or args.text):
        output.line("error: --template sends the template alone: drop TEXT and --file")
        return 2
    if media is None and not args.text and not template:
        output.line("error: give a TEXT to send, --file PATH or --template NAME")
        return 2

    def report(step: SendStep) -> None:
        if step.ok:
            output.progress(step.done, step.total, f"✓ {step.address} "
                            + ", ".join(step.message_ids))
        else:
            output.progress(step.done, step.total, f"✗ {step.address}: {step.error}")
        for rule in step.degraded:
            output.note(f"degraded: {rule}")

    several = len(addresses) > 1
    with Hub(*channels, window="ignore") as hub:
        content: Any = Text(text=args.text) if args.text else None
        if template:
            from .channels.whatsapp.templates import TemplateBody

            content = Template(name=template, language=args.language,
                               components=[TemplateBody(*args.param)] if args.param else [])
        if media is not None:
            output.line(f"uploading {Path(args.file).name} ({len(media.data or b'')} bytes)")
            content = upload_once(hub, addresses, media, progress=report).__getitem__
        steps = send_each(hub, addresses, content, progress=report if several else None)
    if not several:
        step = steps[0]
        if not step.ok:
            output.line(f"error: {step.error}")
            return 1
        output.line("sent: " + ", ".join(step.message_ids))
        for rule in step.degraded:
            output.line(f"degraded: {rule}")
        return 0
    sent = sum(1 for step in steps if step.ok)
    output.line(f"sent {sent} of {len(steps)}")
    return 0 if sent == len(steps) else 1


def _simulate_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run ``polychat simulate`` with its parsed arguments (in-process or ``--url``)."""
    if args.channel and args.channel_name and args.channel != args.channel_name:
        parser.error("simulate: CHANNEL and --channel disagree")
    channel = args.channel or args.channel_name
    if channel is None:
        parser.error("simulate needs a channel: CHANNEL or --channel whatsapp|messenger|apple")
    try:
        if args.url:
            if args.bot:
                parser.error("simulate: give --bot (in-process) or --url (your running bot)")
            from ._cli_simulate import simulate_url

            return asyncio.run(simulate_url(
                args.url, channel, port=args.port, secret=args.secret, token=args.token,
                account=args.account, exact=args.exact, name=args.name, quiet=args.settle,
                plain=args.plain))
        return asyncio.run(simulate(args.bot, channel, plain=args.plain))
    except OSError as error:  # e.g. the port is taken
        print(f"error: {error} (is the port taken? try --port with another number)",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``polychat`` console script."""
    parser = argparse.ArgumentParser(prog="polychat", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="play the shop bot's conversation on the simulator")
    demo.add_argument("--bot", help="path of a bot module with create_hub(*channels)")
    demo.add_argument("--channel", action="append", dest="channels",
                      help="play only on this channel (repeatable; default: all)")
    demo.add_argument("--web", action="store_true",
                      help="chat in the browser instead: one phone pane per platform")
    demo.add_argument("--port", type=int, default=8000,
                      help="with --web: the port on 127.0.0.1 (default: 8000)")
    demo.add_argument("--no-open", action="store_true",
                      help="with --web: do not open the browser")
    commands.add_parser("version", help="print the installed version")
    style = argparse.ArgumentParser(add_help=False)
    style.add_argument("--plain", action="store_true", default=None,
                       help="plain text output, even when rich is installed "
                       "(also: POLYCHAT_PLAIN=1)")
    chat = commands.add_parser(
        "simulate", parents=[style], help="chat with a bot as the customer, line by line",
        description="Chat with a bot as the customer: a bot module in-process (--bot), or your "
        "own running bot (--url), which points its channel's base_url at the fake platform API "
        "this command serves. Type text; #N picks choice N; /help lists the commands.")
    chat.add_argument("channel_name", nargs="?", choices=["whatsapp", "messenger", "apple"],
                      metavar="CHANNEL", help="whatsapp, messenger or apple")
    chat.add_argument("--channel", choices=["whatsapp", "messenger", "apple"],
                      help="the same as CHANNEL")
    chat.add_argument("--bot", help="path of a bot module with create_hub(*channels) (in-process)")
    chat.add_argument("--url", help="your bot's webhook URL or prefix, e.g. "
                      "http://127.0.0.1:8000/webhooks (webhooks go to URL/CHANNEL)")
    chat.add_argument("--exact", action="store_true", help="with --url: post to URL as given")
    chat.add_argument("--port", type=int, default=8765,
                      help="with --url: the fake platform API's port on 127.0.0.1 (default 8765)")
    chat.add_argument("--secret", help="with --url: the app secret (Meta) or Base64 MSP secret "
                      "(Apple) to sign webhooks with (default: the simulator's fake one)")
    chat.add_argument("--token", help="with --url: the access token the fake API expects")
    chat.add_argument("--account", help="with --url: the phone number id, Page id or business id")
    chat.add_argument("--name", default="Ada Lovelace", help="the customer's display name")
    chat.add_argument("--settle", type=float, default=0.4, metavar="SECONDS",
                      help="with --url: the bot's answer is complete after this many seconds "
                      "without a request from it (default 0.4)")
    real = commands.add_parser("send", parents=[style], help="send for real (credentials from "
                               "the environment), to one or many recipients")
    real.add_argument("address", help="channel:account:user, e.g. whatsapp:<phone number id>:<wa_id>")
    real.add_argument("text", nargs="?", help="the text (with --file: its caption)")
    real.add_argument("--to", action="append", metavar="ADDRESS",
                      help="another recipient (repeatable); progress is shown per recipient")
    real.add_argument("--file", help="send this file (image, video, audio or document)")
    real.add_argument("--template", metavar="NAME",
                      help="send this approved WhatsApp template instead of a text (bulk "
                      "notifications outside the 24 h window)")
    real.add_argument("--language", default="en_US",
                      help="with --template: its exact locale (default en_US)")
    real.add_argument("--param", action="append", default=[], metavar="VALUE",
                      help="with --template: the next body parameter {{1}}, {{2}}… (repeatable)")
    live = commands.add_parser(
        "verify", parents=[style], help="check a configuration before going live (token, "
        "scopes, webhook subscription, phone number, Apple credentials)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check each configured channel against the platform and print a checklist "
        "(exit 1 if an item fails).\n\nEnvironment variables:\n"
        "  WhatsApp:  POLYCHAT_WHATSAPP_TOKEN, POLYCHAT_WHATSAPP_PHONE_NUMBER_ID,\n"
        "             POLYCHAT_WHATSAPP_WABA_ID, POLYCHAT_WHATSAPP_APP_ID, "
        "POLYCHAT_WHATSAPP_APP_SECRET\n"
        "  Messenger: POLYCHAT_MESSENGER_TOKEN (the Page token), POLYCHAT_MESSENGER_PAGE_ID,\n"
        "             POLYCHAT_MESSENGER_APP_ID, POLYCHAT_MESSENGER_APP_SECRET\n"
        "  Apple:     POLYCHAT_APPLE_MSP_ID, POLYCHAT_APPLE_SECRET, POLYCHAT_APPLE_BUSINESS_ID\n"
        "             (POLYCHAT_APPLE_BASE_URL to use another gateway)\n"
        "Secrets are never printed.")
    live.add_argument("--channel", action="append", dest="channels",
                      choices=["whatsapp", "messenger", "apple"],
                      help="check this channel (repeatable; default: every configured one)")
    check = commands.add_parser(
        "verify-webhook", help="check a saved webhook's signature (Meta) or JWT (Apple) offline")
    check.add_argument("platform", choices=["whatsapp", "messenger", "apple"])
    check.add_argument("--secret-env", default="POLYCHAT_SECRET",
                       help="environment variable holding the app secret / MSP secret "
                       "(default: POLYCHAT_SECRET)")
    check.add_argument("--signature", help="the X-Hub-Signature-256 header value (Meta)")
    check.add_argument("--body", default="-", help="file holding the raw body (Meta; - = stdin)")
    check.add_argument("--token", help="the Authorization header or JWT (Apple)")
    check.add_argument("--msp-id", help="your MSP id, the JWT's expected aud (Apple)")
    check.add_argument("--now", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "verify-webhook":
        needed = ("token", "msp_id") if args.platform == "apple" else ("signature",)
        missing = [f"--{n.replace('_', '-')}" for n in needed if not getattr(args, n)]
        if missing:
            parser.error(f"verify-webhook {args.platform} needs {', '.join(missing)}")
        return verify_webhook(args)
    if args.command == "verify":
        return verify(args)
    if args.command == "simulate":
        return _simulate_command(parser, args)
    if args.command == "send":
        return send(args)
    if args.command == "version":
        from . import __version__

        print(__version__)
        return 0
    try:
        if args.web:
            from ._webdemo import serve

            return serve(args.bot, port=args.port, open_browser=not args.no_open,
                         channels=args.channels)
        return asyncio.run(run_demo(args.bot, channels=args.channels))
    except BrokenPipeError:  # e.g. `polychat demo | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
