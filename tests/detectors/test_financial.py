from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.financial import (
    CreditCardDetector,
    IbanDetector,
    iban_ok,
    is_card_number,
    luhn_ok,
)


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


def grouped(number: str, shape: tuple[int, ...], separator: str = " ") -> str:
    parts, at = [], 0
    for size in shape:
        parts.append(number[at : at + size])
        at += size
    assert at == len(number)
    return separator.join(parts)


VISA_19 = with_check_digit("411111111111111111")
UNIONPAY_19 = with_check_digit("622202123456789012")
MAESTRO_12 = with_check_digit("50180000000")
VISA_13 = with_check_digit("422222222222")


@pytest.mark.parametrize(
    "card",
    [
        grouped("378282246310005", (4, 6, 5), "-"),  # Amex with dashes
        grouped("30569309025904", (4, 6, 4), "-"),  # Diners with dashes
        grouped(VISA_19, (4, 4, 4, 4, 3)),  # 19 digits
        grouped(UNIONPAY_19, (6, 13)),  # UnionPay 6-13
        UNIONPAY_19,
        grouped("4111111111111111", (4, 4, 4, 4), "."),  # dots
        with_check_digit("606282000000000"),  # Hipercard
        with_check_digit("608000000000000"),  # RuPay
        with_check_digit("817200000000000"),  # RuPay
        grouped(with_check_digit("979200000000000"), (4, 4, 4, 4)),  # Troy
        grouped(with_check_digit("940000000000000"), (4, 4, 4, 4)),  # BC Card
        with_check_digit("676770000000000"),  # Maestro
        with_check_digit("504175000000000"),  # Elo
        "2221 0000 0000 0009",
    ],
)
def test_every_brands_grouping(card: str) -> None:
    text = f"Charge {card} please."
    assert spans(CreditCardDetector(), text) == [card]
    assert is_card_number(card)


@pytest.mark.parametrize(
    "text, cards",
    [
        # CSV rows: a comma and the next field right after the number
        (
            "txn,merchant,card,amount\nT-1,Shell 4471,4111 1111 1111 1111,58.20,USD",
            ["4111 1111 1111 1111"],
        ),
        ("card_number,exp\n3782-822463-10005,08/27,ANA", ["3782-822463-10005"]),
        (",4111111111111111,", ["4111111111111111"]),
        ('{"pan": "5500000000000004", "brand": "mc"}', ["5500000000000004"]),
        ("| 2024-10-01 | 6011 1111 1111 1117 | 12.50 |", ["6011 1111 1111 1117"]),
        ("2024-10-01\t4111111111111111\t12.50", ["4111111111111111"]),
        # Glued to text without spaces
        ("カード番号は4111111111111111です", ["4111111111111111"]),
        (f"我的银行卡{UNIONPAY_19}被冻结了", [UNIONPAY_19]),
        # Short numbers only with a card word near
        (f"maestro card {MAESTRO_12}", [MAESTRO_12]),
        (f"(8, '{MAESTRO_12}', 'maestro')", [MAESTRO_12]),
        (f"stored_cards: {grouped(VISA_13, (4, 4, 5))}", [grouped(VISA_13, (4, 4, 5))]),
    ],
)
def test_cards_in_tables_records_and_unspaced_text(text: str, cards: list[str]) -> None:
    assert spans(CreditCardDetector(), text) == cards


@pytest.mark.parametrize(
    "text",
    [
        f"order {MAESTRO_12} shipped",  # 12 digits, no card word
        "ean,price\n4003318023470,4.99",  # an EAN-13 barcode that passes Luhn
        f"batch {VISA_13} done",
        "IBAN DE85 5474 4783 4068 7353 06",  # four groups inside an IBAN
        "My account is ES37 0258 6353 2649 7061 3347, the BIC follows",
        "GB82 WEST 6353 2649 7061 3347",
        "Amount 4111111111111111.50",
        "payment_ref=4111 1111 1111 1111 1 settled",  # a longer reference
        "ref 4111111111111111-01",
    ],
)
def test_card_look_alikes(text: str) -> None:
    assert spans(CreditCardDetector(), text) == []


@pytest.mark.parametrize(
    "value, expected",
    [
        ("4111 1111 1111 1111", True),
        (" 378282246310005 ", True),
        (MAESTRO_12, True),  # a card column's value needs no card word
        ("4111 1111 1111 1112", False),  # Luhn
        ("4111-1111 1111-1111", False),  # mixed separators
        ("9111111111111111", False),  # no brand
        ("card 4111111111111111", False),  # not the whole value
        ("", False),
    ],
)
def test_is_card_number(value: str, expected: bool) -> None:
    assert is_card_number(value) is expected


def test_expiry_glued_after_the_number_is_left_out() -> None:
    text = "card 4111 1111 1111 1111 12/27"
    assert spans(CreditCardDetector(), text) == ["4111 1111 1111 1111"]
    text = "card 4111111111111111 12/2027"
    assert spans(CreditCardDetector(), text) == ["4111111111111111"]


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A digit too many or too few for the country, check digits valid: still an account.
        ("IBAN: TR74 0006 2000 0123 4567 8901 2345", ["TR74 0006 2000 0123 4567 8901 2345"]),
        ("Konto CH80 0076 2011 6238 5295, Danke", ["CH80 0076 2011 6238 5295"]),
        ("IBAN: TR75 0006 2000 0123 4567 8901 2345", []),  # check digits wrong
        ("DE89370400440532013000123456", []),  # far too long for DE
    ],
)
def test_an_iban_of_the_wrong_length_with_valid_check_digits(
    text: str, expected: list[str]
) -> None:
    assert spans(IbanDetector(), text) == expected


@pytest.mark.parametrize("number", ["9704 1800 0123 4566", "8600 4900 1234 5674"])
def test_domestic_card_schemes(number: str) -> None:
    # NAPAS (Viet Nam), UzCard: issued at home, Luhn-valid, on no global brand's ranges.
    assert spans(CreditCardDetector(), f"thanh toán bằng thẻ {number} hôm qua") == [number]
