"""Masks keep a format hint and hide the rest."""

from __future__ import annotations

import pytest

from policies.masking import mask


@pytest.mark.parametrize(
    ("pii_class", "value", "masked"),
    [
        ("email", "john.smith@example.com", "j***@example.com"),
        ("ssn", "123-45-6789", "***-**-6789"),
        ("credit_card", "4242-4242-4242-4242", "**** **** **** 4242"),
        ("credit_card", "4242424242424242", "**** **** **** 4242"),
        ("phone", "+1 (415) 555-0100", "+* (***) ***-0100"),
        ("iban", "DE89370400440532013000", "DE** **** **** **** **30 00"),
        ("ip_address", "192.168.10.4", "192.*.*.*"),
        ("date_of_birth", "03/14/1985", "**/**/1985"),
        ("name", "Jane Doe", "J*** D***"),
        ("employee_id", "EMP-2024-7781", "***-****-7781"),
    ],
)
def test_masks(pii_class: str, value: str, masked: str) -> None:
    assert mask(pii_class, value) == masked
