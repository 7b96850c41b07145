from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.financial import CreditCardDetector, IbanDetector, iban_ok, luhn_ok


def spans(detector: CreditCardDetector | IbanDetector, text: str) -> list[str]:
    return [text[f.start : f.end] for f in detector.detect(text)]


def with_check_digit(partial: str) -> str:
    for digit in "0123456789":
        if luhn_ok(partial + digit):
            return partial + digit
    raise AssertionError("unreachable")


def test_luhn() -> None:
    assert luhn_ok("4111111111111111")
    assert luhn_ok("79927398713")
    assert not luhn_ok("4111111111111112")


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",  # Visa
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5500 0000 0000 0004",  # Mastercard
        "2221 0000 0000 0009",  # Mastercard 2-series
        "3782 822463 10005",  # Amex, 4-6-5
        "378282246310005",
        "6011 1111 1111 1117",  # Discover
        "3530 1113 3330 0000",  # JCB
        "3056 930902 5904",  # Diners, 4-6-4
        "4222222222222",  # Visa 13
    ],
)
def test_cards_found_with_exact_span(card: str) -> None:
    text = f"Charge {card} please."
    assert spans(CreditCardDetector(), text) == [card]


def test_expiry_glued_after_the_number_is_left_out() -> None:
    text = "card 4111 1111 1111 1111 12/27"
    assert spans(CreditCardDetector(), text) == ["4111 1111 1111 1111"]


@pytest.mark.parametrize(
    "text",
    [
        "Order 4111111111111112 shipped.",  # fails Luhn
        "Ref 4111 1111 1111 1112",
        "Mixed 4111-1111 1111-1111",  # two kinds of separator
        "Bad grouping 41111 11111 111111",
        "Unknown brand 9111111111111111",
        "Too short 4111111111",
        "Part of a word X4111111111111111",
        "Version 4.111.111.111.111.111",
    ],
)
def test_card_hard_negatives(text: str) -> None:
    assert spans(CreditCardDetector(), text) == []


@given(
    body=st.text(alphabet="0123456789", min_size=14, max_size=14),
    before=st.sampled_from(["", "Card: ", "paid with ", "(", "\n"]),
    after=st.sampled_from(["", ".", " today", ")", ", thanks"]),
    grouped=st.booleans(),
)
def test_any_luhn_valid_visa_is_found(body: str, before: str, after: str, grouped: bool) -> None:
    number = with_check_digit("4" + body)
    printed = " ".join(number[i : i + 4] for i in range(0, 16, 4)) if grouped else number
    text = before + printed + after
    assert spans(CreditCardDetector(), text) == [printed]


@pytest.mark.parametrize(
    "iban",
    [
        "DE89370400440532013000",
        "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432",
        "GB82 WEST 1234 5698 7654 32",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "ES9121000418450200051332",
        "IT60X0542811101000000123456",
        "CH9300762011623852957",
        "NO9386011117947",
    ],
)
def test_ibans_found_with_exact_span(iban: str) -> None:
    text = f"IBAN: {iban}, BIC follows."
    assert spans(IbanDetector(), text) == [iban]


@pytest.mark.parametrize(
    "text",
    [
        "DE88370400440532013000",  # bad check digits
        "DE8937040044053201300",  # one character short for DE
        "DE89370400440532013000X",  # glued to more letters
        "XX89370400440532013000",  # no such country
        "HTTP2024 ABCD EFGH IJKL",
    ],
)
def test_iban_hard_negatives(text: str) -> None:
    assert spans(IbanDetector(), text) == []


def test_iban_ok() -> None:
    assert iban_ok("GB82WEST12345698765432")
    assert not iban_ok("GB82WEST12345698765433")
