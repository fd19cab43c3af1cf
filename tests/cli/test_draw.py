"""Numbering the choices of a simulated screen (polychat._cli_draw)."""

from __future__ import annotations

from polychat._cli_draw import number_choices


def test_reply_buttons_are_numbered_in_place() -> None:
    drawn = number_choices("Track it?\n[ Yes ] [ No ]",
                           [("y", "Yes", "button"), ("n", "No", "button")])
    assert drawn.view == "Track it?\n[1] Yes [2] No"
    assert drawn.first == 1 and [c[0] for c in drawn.choices] == ["y", "n"]


def test_quick_replies_keep_their_round_shape() -> None:
    drawn = number_choices("Size?\n( Small ) ( Large )",
                           [("s", "Small", "quick_reply"), ("l", "Large", "quick_reply")], first=3)
    assert drawn.view == "Size?\n(3) Small (4) Large"


def test_list_rows_and_time_slots_are_numbered_not_the_list_button() -> None:
    view = ("Pick\n[ ☰ Menu ]\n  Mugs\n   • Mug — nice\n   • Mug holder\n"
            "   • Fri 16 Jan 11:00 — until 12:00 (Europe/Paris)")
    drawn = number_choices(view, [("m2", "Mug holder", "list"), ("m1", "Mug", "list"),
                                  ("slot-1", "Fri 16 Jan 11:00", "list")])
    assert drawn.view.splitlines() == [
        "Pick", "[ ☰ Menu ]", "  Mugs", "   [2] Mug — nice", "   [1] Mug holder",
        "   [3] Fri 16 Jan 11:00 — until 12:00 (Europe/Paris)"]


def test_duplicate_titles_are_numbered_in_order_and_carousel_bars_kept() -> None:
    view = "[carousel]\n┃ Mug\n┃ [ Buy ]\n┠─\n┃ Tee\n┃ [ Buy ]"
    drawn = number_choices(view, [("buy-mug", "Buy", "postback"), ("buy-tee", "Buy", "postback")])
    assert drawn.view == "[carousel]\n┃ Mug\n┃ [1] Buy\n┠─\n┃ Tee\n┃ [2] Buy"


def test_a_choice_the_view_does_not_show_is_listed_below() -> None:
    drawn = number_choices("Hello", [("a", "Alpha", "template"), ("b", "", "template")])
    assert drawn.view == "Hello\n[1] Alpha  [2] b"


def test_no_choices_leaves_the_view_alone() -> None:
    assert number_choices("[ not a choice ]", []).view == "[ not a choice ]"
