"""Field names to classes: many languages, the longest known phrase wins, shadows hold."""

from __future__ import annotations

import pytest

from detectors.field_keys import field_class, key_words


@pytest.mark.parametrize(
    ("key", "pii_class"),
    [
        ("birth_date", "date_of_birth"),
        ("patientDOB", "date_of_birth"),
        ("Date of birth", "date_of_birth"),
        ("fecha_de_nacimiento", "date_of_birth"),
        ("Geburtsdatum", "date_of_birth"),
        ("data urodzenia", "date_of_birth"),
        ("患者の生年月日", "date_of_birth"),
        ("ngày sinh", "date_of_birth"),
        ("cardNumber", "credit_card"),
        ("numéro de carte", "credit_card"),
        ("full_name", "name"),
        ("Nachname", "name"),
        ("ФИО", "name"),
        ("氏名", "name"),
        ("billing.address", "address"),
        ("Anschrift", "address"),
        ("住所", "address"),
        ("phone_mobile", "phone"),
        ("Téléphone", "phone"),
        ("X-Forwarded-For", "ip_address"),
        ("client_ip", "ip_address"),
        ("ssn", "ssn"),
        ("email_address", "email"),
    ],
)
def test_keys_name_their_class(key: str, pii_class: str) -> None:
    assert field_class(key)[0] == pii_class


@pytest.mark.parametrize(
    "key",
    ["ip_address", "mac_address", "company_name", "file_name", "hostname", "会社名",
     "place_of_birth", "lugar de nacimiento", "customer_id", "card_type", "description"],
)  # fmt: skip
def test_a_longer_phrase_shadows_the_class_inside_it(key: str) -> None:
    assert field_class(key)[0] != "address" or key == "ip_address"
    assert field_class(key)[0] in (None, "ip_address")


def test_ambiguous_name_keys_are_flagged() -> None:
    assert field_class("name") == ("name", True)
    assert field_class("Passenger") == ("name", True)
    assert field_class("Emergency contact") == ("name", True)
    assert field_class("first_name") == ("name", False)
    assert field_class("customer name") == ("name", False)
    # A user name is a person's name or login, or a service's: the value decides.
    assert field_class("username") == ("name", True)


def test_key_words_split_every_convention() -> None:
    assert key_words("Patient.birthDate") == ["patient", "birth", "date"]
    assert key_words("card-number #") == ["card", "number"]
