"""Screens without buttons: long texts cut where a reader would, answers that name exactly
one choice."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.numbered import Option, cut, match

WORDS = st.sampled_from(
    [
        "việc",
        "nêu",
        "gương",
        "Đảng",
        "chi bộ",
        "hoàn thành.",
        "kế hoạch;",
        "✅",
        "tiến độ:",
        "a" * 30,
    ]
)
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". "])


def squeeze(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, SEPARATORS), max_size=400), st.integers(40, 2000))
def test_parts_fit_and_lose_nothing(pieces: list[tuple[str, str]], limit: int) -> None:
    text = "".join(word + sep for word, sep in pieces)
    parts = cut(text, limit)
    assert all(len(p.encode()) <= limit for p in parts)
    assert all(p == p.strip() and p for p in parts)
    assert squeeze(" ".join(parts)) == squeeze(text)


def test_a_long_paragraph_is_cut_between_words() -> None:
    text = "Đồng chí thực hiện việc kiểm tra hồ sơ của chi bộ. " * 80
    parts = cut(text, 2000)
    assert len(parts) > 1
    for part in parts[:-1]:
        assert part.endswith("bộ.")  # a sentence's end, never «v | iệc»


def test_paragraphs_come_before_sentences() -> None:
    first = "Phần một. " * 50
    text = first.strip() + "\n\n" + "Phần hai. " * 50
    parts = cut(text, 800)
    assert parts[0] == first.strip()


def test_accents_stay_on_their_letter() -> None:
    word = unicodedata.normalize("NFD", "nghiệp" * 200)
    parts = cut(word, 101)
    assert all(not unicodedata.combining(p[0]) for p in parts)
    assert "".join(parts) == word


def test_a_number_on_a_value_step_is_not_a_choice() -> None:
    options = [
        Option(1, "25%", data="p:25", lettered=True),
        Option(2, "↩️ Quay lại", "b", None, True),
    ]
    assert match("5", options) is None
    assert match("b", options) == options[1]
    assert match("quay lai", options) == options[1]


def test_an_answer_naming_two_choices_is_asked_again() -> None:
    options = [Option(n, f"✏️ {n + 2}", data=f"e:{n}") for n in range(1, 6)]
    assert match("5", options) is None  # 5th choice, or the one labelled «✏️ 5»?
    assert match("1", options) == options[0]


def test_labels_typed_with_decomposed_accents() -> None:
    options = [Option(1, "✅ Xác nhận", data="ok"), Option(2, "❌ Hủy", data="no")]
    assert match(unicodedata.normalize("NFD", "xác nhận"), options) == options[0]
