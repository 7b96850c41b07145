from __future__ import annotations

import pytest

from detectors.contact import EmailDetector, PhoneDetector


def spans(detector: EmailDetector | PhoneDetector, text: str) -> list[str]:
    return [text[f.start : f.end] for f in detector.detect(text)]


@pytest.mark.parametrize(
    "email",
    [
        "jane.doe@example.com",
        "j.doe+invoices@mail.example.co.uk",
        "first_last-99@sub.domain.io",
        "jérôme@exemple.fr",
        "X@Y.ORG",
    ],
)
def test_email_found_with_exact_span(email: str) -> None:
    text = f"Please write to {email}, thanks."
    assert spans(EmailDetector(), text) == [email]


@pytest.mark.parametrize(
    "text",
    [
        "ping @channel about the release",
        "user@localhost is not routable",
        "git@github.com:org/repo.git",  # still an address shape: the host part is a domain
        "price is 5@10 each",
        "decorators like @property and @dataclass(frozen=True)",
    ],
)
def test_email_hard_negatives(text: str) -> None:
    found = spans(EmailDetector(), text)
    assert found in ([], ["git@github.com"])


@pytest.mark.parametrize(
    "phone",
    [
        "+1 415 555 0134",
        "+1-415-555-0134",
        "+44 20 7946 0958",
        "+44(0)131 4960979",
        "+49 30 1234567",
        "+33 (0)6 44 83 37 88",
        "+91 98250 79190",
        "0049 30 1234567",
        "(415) 555-0134",
        "415.555.0134",
        "415-555-0134 x232",
        "1-415-555-0134",
        "0161 496 0623",
        "(01632) 960 788",
        "05 45 23 28 60",
        "(02328) 60129",
        "020 7946 0958",
    ],
)
def test_phone_formats(phone: str) -> None:
    text = f"Reach the office on {phone} today."
    assert spans(PhoneDetector(), text) == [phone]


def test_bare_digit_runs_need_context_or_a_national_shape() -> None:
    detector = PhoneDetector()
    assert spans(detector, "call me on 4155550134") == ["4155550134"]
    assert spans(detector, "ring 376014155 after six") == ["376014155"]
    assert spans(detector, "try 01632960715 instead") == ["01632960715"]
    assert spans(detector, "try 4155550134 instead") == ["4155550134"]


@pytest.mark.parametrize(
    "text",
    [
        "Order #4839201234567890 has shipped.",
        "Order no. 01632960715 left the warehouse.",
        "Unix time 1700000000 marks the crash.",
        "The release 2024-05-17 fixed it.",
        "Version 10.0.19045.2965 crashes.",
        "Server 192.168.100.200 is down.",
        "ISBN 978-3-16-148410-0 is out of print.",
        "Coordinates: 48.8566, 2.3522",
        "The table has 12345678 rows.",
        "Card 4111 1111 1111 1111 was charged.",
        "Account 0123456789 was closed.",
        "SSN 123-45-6789 on file.",
        "Meeting 10:30-11:45 in room 4.",
        "uuid 3f2c4e1a-9b7d-4c2e-8f1a-2b3c4d5e6f70",
    ],
)
def test_phone_hard_negatives(text: str) -> None:
    assert spans(PhoneDetector(), text) == []


def test_phone_scores_rise_with_context() -> None:
    detector = PhoneDetector()
    (plain,) = detector.detect("It is 415-555-0134.")
    (called,) = detector.detect("Phone: 415-555-0134.")
    assert called.score > plain.score
