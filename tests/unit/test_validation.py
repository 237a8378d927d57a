"""What people type: names, positions, unit names."""

from __future__ import annotations

import unicodedata

import pytest

from domain import validation
from domain.errors import DomainError


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("  trần   thị  bình ", "trần thị bình"),
        ("H'Hen Niê", "H'Hen Niê"),
        ("Y-Moan Ênuôl", "Y-Moan Ênuôl"),
        ("Lò Văn Páo", "Lò Văn Páo"),
        (unicodedata.normalize("NFD", "Đặng Thùy Trâm"), "Đặng Thùy Trâm"),
        ("An", "An"),
        ("Ă" * 100, "Ă" * 100),
    ],
)
def test_good_names(typed: str, stored: str) -> None:
    assert validation.full_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("A", "validate.name_length"),
        ("a" * 101, "validate.name_length"),
        ("   ", "validate.name_length"),
        ("Nguyễn Văn 2", "validate.name_chars"),
        ("Nguyễn 🌟", "validate.name_chars"),
        ("<b>x</b>", "validate.name_chars"),
        ("'Ngô", "validate.name_chars"),
        ("Ngô-", "validate.name_chars"),
        ("Ngô\u0007An", "validate.name_chars"),
    ],
)
def test_bad_names(typed: str, key: str) -> None:
    with pytest.raises(DomainError) as error:
        validation.full_name(typed)
    assert error.value.key == key


def test_positions_and_unit_names() -> None:
    assert validation.position(" Phó  Giám đốc Sở ") == "Phó Giám đốc Sở"
    assert validation.position("Trưởng phòng R&D, Khối 2") == "Trưởng phòng R&D, Khối 2"
    for bad in ("x", "🙂 Trưởng phòng", "a" * 101, "99", "1.2"):
        with pytest.raises(DomainError):
            validation.position(bad)
    assert validation.split_path(" A bộ / B bộ /C bộ/ ") == ["A bộ", "B bộ", "C bộ"]
    for bad_path in ("", "/ /", "A/" + "x" * 201, "A/B\x00"):
        with pytest.raises(DomainError):
            validation.split_path(bad_path)
