"""The examples run (against the simulator), and the README's commands stay what CI runs."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from polychat.cli import demo_channels, load_bot, main, run_demo

ROOT = Path(__file__).resolve().parents[2]


async def test_demo_plays_the_whole_shop_conversation() -> None:
    out = io.StringIO()
    assert await run_demo(out=out) == 0
    text = out.getvalue()
    for expected in ("[ Browse products ] [ Track an order ] [ Book a delivery ]",
                     "[ ☰ See products ]", "[image] https://example.com/img/mug.jpg",
                     "degraded: quick_replies.as_buttons", "Order A1001 is shipped",
                     "degraded: time_picker.as_list", "Booked: Fri 16 Jan 12:00",
                     "[reacted 👍]", "we got your photo (1028 bytes)", "all on the simulator"):
        assert expected in text, expected
    assert "Traceback" not in text and "failed" not in text
    parts = re.split(r"\n(whatsapp|messenger|apple) \(business account", text)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert set(sections) == {"whatsapp", "messenger", "apple"}
    # the same bot code, each platform's native UI
    assert "[ ☰ See products ]" in sections["whatsapp"]
    assert "[carousel]" in sections["messenger"] and "list.as_carousel" in sections["messenger"]
    assert "( Keep browsing ) ( Track an order ) ( That's all )" in sections["messenger"]
    assert "[ ☰ Here is what we have this week. ]" in sections["apple"]
    assert "[ 🕒 When should we deliver? ]" in sections["apple"]
    assert "reaction.dropped" in sections["apple"]
    for section in sections.values():
        assert "Order A1001 is shipped" in section and "(1028 bytes)" in section


async def test_demo_is_deterministic() -> None:
    first, second = io.StringIO(), io.StringIO()
    await run_demo(out=first)
    await run_demo(out=second)
    assert first.getvalue() == second.getvalue()


def test_console_script_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "polychat.cli", "demo"], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Lucky Shrub" in result.stdout


def test_version_command(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["version"]) == 0
    assert re.match(r"\d+\.\d+\.\d+", capsys.readouterr().out)


def test_readme_commands_match_ci() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    demo = next(b for b in blocks if "polychat demo" in b)
    tests = next(b for b in blocks if "pytest" in b)
    assert demo.startswith("python3 -m venv") and "pip install" in demo
    test_command = tests.split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^{re.escape(test_command)}$", ci, re.M), test_command


def test_verify_command(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import base64

    from polychat.channels._meta import sign_body
    from polychat.channels.apple import crypto

    body = tmp_path / "body.json"
    body.write_bytes(b'{"object":"page","entry":[]}')
    monkeypatch.setenv("POLYCHAT_SECRET", "fake-app-secret")
    good = sign_body(body.read_bytes(), "fake-app-secret")
    assert main(["verify-webhook", "messenger", "--signature", good, "--body", str(body)]) == 0
    assert main(["verify-webhook", "whatsapp", "--signature", "sha256=00", "--body", str(body)]) == 1
    secret = base64.b64encode(b"fake-msp-secret-0123456789abcdef").decode()
    monkeypatch.setenv("MSP", secret)
    token = crypto.encode_jwt({"aud": "fake-msp", "iat": 1767000000}, crypto.decode_secret(secret))
    args = ["verify-webhook", "apple", "--secret-env", "MSP", "--msp-id", "fake-msp", "--now", "1767000010"]
    assert main([*args, "--token", f"Bearer {token}"]) == 0
    assert main([*args, "--token", token + "x"]) == 1
    output = capsys.readouterr().out
    assert [line.split(":")[0] for line in output.splitlines()] == ["valid", "invalid", "valid", "invalid"]
    assert "fake-app-secret" not in output and secret not in output


async def test_simulate_command_plays_typed_lines() -> None:
    from polychat.cli import simulate

    out = io.StringIO()
    lines = ["hi", "/tap Browse products", "/tap nothing-like-this", "/photo", "/quit", "ignored"]
    assert await simulate(None, "whatsapp", lines=lines, out=out) == 0
    text = out.getvalue()
    assert "[1] Browse products" in text and "[ ☰ See products ]" in text
    assert "sees no button or row 'nothing-like-this'" in text
    assert "we got your photo" in text


def test_send_command_sends_for_real_with_env_credentials(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import httpx
    import respx

    monkeypatch.setenv("POLYCHAT_WHATSAPP_TOKEN", "EAAG-FAKE-CLI-TOKEN")
    with respx.mock:
        route = respx.post("https://graph.facebook.com/v25.0/106540352242922/messages").mock(
            return_value=httpx.Response(200, json={"messaging_product": "whatsapp",
                                                   "messages": [{"id": "wamid.CLI"}]}))
        assert main(["send", "whatsapp:106540352242922:16505551234", "hello"]) == 0
    assert route.calls.last.request.headers["authorization"] == "Bearer EAAG-FAKE-CLI-TOKEN"
    assert "sent: wamid.CLI" in capsys.readouterr().out
    assert main(["send", "nonsense", "hello"]) == 2


def test_sync_faq_bot_runs_on_the_simulator() -> None:
    import asyncio

    from polychat.testing import Simulator

    module = load_bot(str(ROOT / "examples" / "faq_bot_sync.py"))
    hub = module.create_hub(*[c for c in demo_channels() if c.name in ("whatsapp", "apple")])
    assert module.app is None  # no real channel configured in the environment
    sim = Simulator(hub)

    async def chat() -> None:
        wa = sim.user("whatsapp")
        (menu,) = await wa.says("hi")
        assert "[ Opening hours ] [ Returns ] [ Shipping ]" in menu.view
        (answer,) = await wa.taps("Returns")
        assert answer.view.startswith("You can return anything within 30 days")
        (human,) = await wa.says("can I talk to a human?")
        assert "colleague" in human.view
        apple = sim.user("apple")
        (menu,) = await apple.says("what are your shipping times?")
        assert menu.view.startswith("Orders ship within one working day")

    asyncio.run(chat())
    hub.close()


async def test_order_shipped_picks_the_template_outside_the_window() -> None:
    module = load_bot(str(ROOT / "examples" / "order_shipped.py"))
    inside, outside, refused = await module.main()
    assert "Good news Ada: order A1001" in inside and "(as is)" in inside
    assert "(window.outside)" in outside and "Hi Ada, your order A1002 has shipped." in outside
    assert "did you mean 'en_US'" in refused
