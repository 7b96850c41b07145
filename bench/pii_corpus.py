"""Generate the labelled PII corpus: ``python bench/pii_corpus.py [--out FILE]``.

Positives are English prompt-like sentences embedding values that Faker generates in several
locales (en_US, en_GB, de_DE, fr_FR, en_IN, plus es_ES, it_IT, nl_NL for phones, emails and
IBANs), each labelled with its class and character span. Hard negatives are hand-written
sentences with things that look like PII and are not: 16-digit order numbers failing Luhn,
version strings, non-birth dates, UUIDs, hashes, product names that look like names, and more;
they carry no labels. Seeded: the same Faker version writes the same file byte for byte.

Each line: {"id", "locale", "kind": "positive" | "hard_negative", "text", "spans": [{"pii_class",
"start", "end"}]}.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import string
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from faker import Faker

SEED = 20240517
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "pii_corpus.jsonl"
CORE_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "en_IN")
EXTRA_LOCALES = ("es_ES", "it_IT", "nl_NL")
IBAN_LOCALES = ("de_DE", "fr_FR", "en_GB", "es_ES", "it_IT", "nl_NL")

FILLERS = (
    "Thanks in advance.",
    "Let me know if anything is unclear.",
    "This is fairly urgent.",
    "Please keep the answer short.",
    "Can you turn this into a polite email?",
    "Summarize the following for the team:",
    "Translate this into French, keep the tone formal.",
    "I need this before the end of the day.",
    "Write a short reply.",
    "Here is the context from the support ticket.",
    "Fix the grammar in the next paragraph.",
    "We discussed this during the weekly sync.",
)

TEMPLATES: dict[str, tuple[str, ...]] = {
    "name": (
        "Please forward this to {name}.",
        "{name} will join the call tomorrow morning.",
        "Dear {name},\nthank you for your quick reply.",
        "Can you summarize the feedback from {name}?",
        "Meeting notes: {name} and {name2} discussed the budget.",
        "Best regards,\n{name}",
        "Draft a thank-you note to {name} for the onboarding session.",
        "The contract was signed by {name} last week.",
        "I had a long conversation with {name} about the migration.",
        "Ask {name} whether the report is ready.",
        "Our new hire, {name}, starts on the data team.",
        "According to {name}, the release is delayed.",
    ),
    "address": (
        "Please ship the replacement to {address}.",
        "My address is {address}.",
        "Send the invoice to:\n{name}\n{address}",
        "The office moved to {address} last month.",
        "Billing address: {address}",
        "Can you check whether {address} is in the delivery zone?",
        "Deliver to {address} between 9 and 5.",
        "We are located at {address}, near the station.",
    ),
    "email": (
        "Please reply to {email}.",
        "My email is {email}, write me anytime.",
        "Forward the logs to {email} and cc me.",
        "Contact: {name} <{email}>",
        "Can you draft a message to {email} about the refund?",
        "{email} keeps bouncing, can you check why?",
        "Add {email} to the mailing list.",
    ),
    "phone": (
        "Call me at {phone} after 5pm.",
        "My phone number is {phone}.",
        "You can reach me on {phone} during office hours.",
        "Tel: {phone}",
        "Mobile: {phone}",
        "Please contact me at {phone} regarding the delivery.",
        "{name}, {phone}, {email}",
        "If nobody answers, try {phone} instead.",
        "Her new number is {phone}, please update the CRM.",
        "Text {phone} to confirm the booking.",
    ),
    "ssn": (
        "My SSN is {ssn}.",
        "SSN: {ssn}",
        "The applicant's social security number is {ssn}.",
        "Please verify {ssn} against the payroll records.",
        "Employee {name}, SSN {ssn}, starts Monday.",
        "Is {ssn} a valid social security number?",
    ),
    "credit_card": (
        "Charge it to my card {card}.",
        "Card number: {card}, expiry 09/27.",
        "Please refund the payment made with {card}.",
        "My Visa is {card}",
        "The customer paid with {card} yesterday.",
        "Why was {card} declined?",
    ),
    "date_of_birth": (
        "I was born on {dob}.",
        "DOB: {dob}",
        "Date of birth: {dob}",
        "Patient {name}, born {dob}, was admitted today.",
        "{name} (DOB {dob}) needs a new appointment.",
        "His birthday is {dob}.",
        "Geburtsdatum: {dob}",
        "Birthdate {dob}, please update the record.",
        "The policy holder's date of birth is {dob}.",
        "She was born {dob} in a small town.",
    ),
    "ip_address": (
        "The request came from {ip}.",
        "Block {ip} on the firewall.",
        "Server IP: {ip}",
        "Why does {ip} keep failing the health check?",
        "Add {ip} to the allow list.",
        "ssh admin@{ip} fails with a timeout",
        "The user logged in from {ip} at 03:12.",
    ),
    "iban": (
        "Please transfer the deposit to {iban}.",
        "IBAN: {iban}",
        "My bank account is {iban}, the BIC follows.",
        "Refund to {iban} please.",
        "Is {iban} the right account for the rent?",
    ),
    "mixed": (
        "{name}\n{address}\nPhone: {phone}\nEmail: {email}",
        "Customer {name} ({email}, {phone}) asked for a refund to {iban}.",
        "Update the record: name {name}, DOB {dob}, SSN {ssn}.",
        "New signup from {ip} by {name} <{email}>.",
        "Please charge {card} and ship to {address}.",
    ),
}

CLASS_OF = {
    "name": "name",
    "name2": "name",
    "address": "address",
    "email": "email",
    "phone": "phone",
    "ssn": "ssn",
    "card": "credit_card",
    "dob": "date_of_birth",
    "ip": "ip_address",
    "iban": "iban",
}

PRODUCTS = (
    "Alexa", "Jenkins", "Django", "Hugo", "Jekyll", "Kafka", "Cassandra", "Julia", "Ada",
    "Grafana", "Jupyter", "Ruby", "Sonos", "Siri", "Cortana", "Gemini", "Claude", "Bard",
    "Marshmallow", "Celery", "Pandas", "Hadoop", "Ansible", "Terraform", "Kubernetes", "Oracle",
    "Tableau", "Mercedes", "Tesla", "Ferrari", "Lambo", "Casper", "Fastly", "Heroku", "Jira",
    "Confluence", "Mongo", "Maven", "Gradle", "Sentry", "Figma", "Notion", "Polly",
)  # fmt: skip

HARD_NEGATIVES: tuple[str, ...] = (
    "Order #{order16} has shipped and should arrive Thursday.",
    "Your order number is {order16}; keep it for returns.",
    "Tracking reference {order16_grouped} was scanned at the depot.",
    "Invoice {order16} is overdue by 12 days.",
    "Upgrade pydantic to {ver3} before running the tests.",
    "We are running version {ver4} of the agent on all hosts.",
    "Windows build 10.0.{build}.{small} crashes on start-up.",
    "Python {py} is the minimum, node {ver3} for the front end.",
    "User-Agent: Mozilla/5.0 Chrome/{ver4} Safari/537.36",
    "Release v{ver3} was tagged on {date}.",
    "The invoice is dated {date}.",
    "The meeting moved to {date} at 10:00.",
    "Deadline for the proposal: {date}.",
    "{date} 14:32:07 ERROR worker-3 job failed after 3 retries",
    "The policy renews on {date} unless cancelled.",
    "Report for the quarter ending {date}.",
    "request_id={uuid} status=500",
    "Trace {uuid} shows the timeout in the payment service.",
    "commit {sha40} fixed the flaky test",
    "sha256: {sha256}",
    "The md5 of the archive is {md5}.",
    "Revert {sha7} and redeploy.",
    "We migrated the {product} cluster last week.",
    "Ask {product} to set a timer for ten minutes.",
    "{product} and {product2} both support this out of the box.",
    "Deploy with {product}, then check the {product2} dashboard.",
    "The {product} integration broke after the upgrade.",
    "Unix time {epoch} corresponds to the crash.",
    "Error 0x{hex8} while opening the file.",
    "It costs ${money} per year.",
    "Coordinates: {lat}, {lon}",
    "The NIC's MAC is {mac}.",
    "The job runs at {time} every day.",
    "Use std::vector<int> and std::map<std::string, int> here.",
    "ISBN 978-3-16-{isbn_tail} is out of print.",
    "ZIP 94105-{zip4} is outside the zone.",
    "Test value 000-{ssn_mid}-{ssn_end} must be rejected.",
    "Placeholder 666-{ssn_mid}-{ssn_end} is not a real SSN.",
    "ITIN 9{two}-7{one}-{ssn_end} belongs to a non-resident.",
    "IBAN-like string {bad_iban} fails validation.",
    "Card-like string {bad_card} fails the checksum.",
    "Serial SN-{four}-{four2}-{four3} is under warranty.",
    "Case 2023-{four}-{four2} was closed.",
    "Port {port} is open on the load balancer.",
    "The table has {big} rows and {small} columns.",
    "Set the timeout to {small}.{small2} seconds.",
    "Room 101, floor 3, building B.",
    "Version {ver4} fixed the regression.",
    "Scale the deployment to {small} replicas at 80 percent CPU.",
    "The 3 Key Points from the review are below.",
    "Q3 revenue grew 12.5% to $4.2M.",
    "HTTP 404 on /api/v2/users/{small}/orders",
    "Phone-shaped but not a phone: build 2024.{small}.{small2}.{four}.",
    "Customer account 0{nine} was closed in March.",
    "Ticket #0{nine} is waiting for a reply.",
    "Order no. 0{nine} left the warehouse.",
)


def luhn_digit(partial: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


class Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        for i, locale in enumerate(CORE_LOCALES + EXTRA_LOCALES):
            faker = Faker(locale)
            faker.seed_instance(seed + i)
            self.fakers[locale] = faker
        self.count = 0

    # -- values -------------------------------------------------------------------------
    def name(self, locale: str) -> str:
        faker = self.fakers[locale]
        if self.rng.random() < 0.8:
            return faker.name()
        return f"{faker.first_name()} {faker.last_name()}"

    def address(self, locale: str) -> str:
        raw = self.fakers[locale].address()
        roll = self.rng.random()
        return (
            raw if roll < 0.3 else raw.replace("\n", " ") if roll < 0.4 else raw.replace("\n", ", ")
        )

    def email(self, locale: str) -> str:
        faker = self.fakers[locale]
        roll = self.rng.random()
        if roll < 0.5:
            return faker.email()
        if roll < 0.7:
            return faker.company_email()
        if roll < 0.85:
            return faker.free_email()
        first = faker.first_name().lower().encode("ascii", "ignore").decode() or "x"
        last = faker.last_name().lower().encode("ascii", "ignore").decode() or "y"
        return f"{first}.{last}+{faker.word()}@mail.{faker.domain_name()}".replace(" ", "")

    def phone(self, locale: str) -> str:
        return self.fakers[locale].phone_number()

    def ssn(self) -> str:
        value = self.fakers["en_US"].ssn()
        roll = self.rng.random()
        return (
            value
            if roll < 0.8
            else value.replace("-", " ")
            if roll < 0.9
            else value.replace("-", "")
        )

    def card(self) -> str:
        faker = self.fakers["en_US"]
        kind = self.rng.choice(
            ["visa16", "visa16", "mastercard", "mastercard", "amex", "discover", "jcb16",
             "diners", "visa13", "visa19"]
        )  # fmt: skip
        number = faker.credit_card_number(card_type=kind)
        style = self.rng.random()
        if style < 0.4:
            return number
        sep = " " if style < 0.75 else "-"
        if len(number) == 15:
            shape = [4, 6, 5]
        elif len(number) == 14:
            shape = [4, 6, 4]
        else:
            shape = [4] * (len(number) // 4) + ([len(number) % 4] if len(number) % 4 else [])
        parts, pos = [], 0
        for size in shape:
            parts.append(number[pos : pos + size])
            pos += size
        return sep.join(parts)

    def dob(self, locale: str) -> str:
        born = self.fakers[locale].date_of_birth(minimum_age=1, maximum_age=95)
        fmt = self.rng.choice(
            ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y", "%d %B %Y",
             "%b %d, %Y", "%d %b %Y", "ordinal", "%d-%m-%Y"]
        )  # fmt: skip
        if fmt == "ordinal":
            day = born.day
            suffix = (
                "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
            )
            return f"{born.strftime('%B')} {day}{suffix}, {born.year}"
        return born.strftime(fmt)

    def ip(self) -> str:
        faker = self.fakers["en_US"]
        roll = self.rng.random()
        if roll < 0.4:
            return faker.ipv4_public()
        if roll < 0.6:
            return faker.ipv4_private()
        value = faker.ipv6()
        return ipaddress.IPv6Address(value).compressed if roll < 0.8 else value

    def iban(self) -> str:
        value = self.fakers[self.rng.choice(IBAN_LOCALES)].iban()
        if self.rng.random() < 0.5:
            return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
        return value

    # -- examples -----------------------------------------------------------------------
    def positive(self, group: str, locale: str) -> dict[str, object]:
        template = self.rng.choice(TEMPLATES[group])
        values: dict[str, Callable[[], str]] = {
            "name": lambda: self.name(locale),
            "name2": lambda: self.name(locale),
            "address": lambda: self.address(locale if locale in CORE_LOCALES else "en_US"),
            "email": lambda: self.email(locale),
            "phone": lambda: self.phone(locale),
            "ssn": self.ssn,
            "card": self.card,
            "dob": lambda: self.dob(locale),
            "ip": self.ip,
            "iban": self.iban,
        }
        text, spans = fill(template, values)
        if self.rng.random() < 0.4:
            text, spans = self.pad(text, spans)
        return self.record(locale, "positive", text, spans)

    def hard_negative(self) -> dict[str, object]:
        template = self.rng.choice(HARD_NEGATIVES)
        rng = self.rng
        values: dict[str, Callable[[], str]] = {
            "order16": self.order16,
            "order16_grouped": self.bad_card,
            "ver3": lambda: f"{rng.randint(0, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 40)}",
            "ver4": lambda: ".".join(str(rng.randint(0, 199)) for _ in range(4)),
            "py": lambda: f"3.{rng.randint(8, 13)}.{rng.randint(0, 12)}",
            "build": lambda: str(rng.randint(17000, 26000)),
            "date": self.plain_date,
            "uuid": lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "sha40": lambda: f"{rng.getrandbits(160):040x}",
            "sha256": lambda: f"{rng.getrandbits(256):064x}",
            "md5": lambda: f"{rng.getrandbits(128):032x}",
            "sha7": lambda: f"{rng.getrandbits(28):07x}",
            "product": lambda: rng.choice(PRODUCTS),
            "product2": lambda: rng.choice(PRODUCTS),
            "epoch": lambda: str(rng.randint(1_500_000_000, 1_800_000_000)),
            "hex8": lambda: f"{rng.getrandbits(32):08X}",
            "money": lambda: (
                f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}"
            ),
            "lat": lambda: f"{rng.uniform(-80, 80):.4f}",
            "lon": lambda: f"{rng.uniform(-170, 170):.4f}",
            "mac": lambda: ":".join(f"{rng.getrandbits(8):02X}" for _ in range(6)),
            "time": lambda: (
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
            ),
            "isbn_tail": lambda: f"{rng.randint(100000, 999999)}-{rng.randint(0, 9)}",
            "zip4": lambda: f"{rng.randint(0, 9999):04d}",
            "ssn_mid": lambda: f"{rng.randint(1, 99):02d}",
            "ssn_end": lambda: f"{rng.randint(1, 9999):04d}",
            "two": lambda: f"{rng.randint(0, 99):02d}",
            "one": lambda: str(rng.randint(0, 9)),
            "bad_iban": self.bad_iban,
            "bad_card": self.bad_card,
            "four": lambda: f"{rng.randint(0, 9999):04d}",
            "four2": lambda: f"{rng.randint(0, 9999):04d}",
            "four3": lambda: f"{rng.randint(0, 9999):04d}",
            "nine": lambda: f"{rng.randint(100_000_000, 999_999_999)}",
            "port": lambda: str(rng.randint(1, 65535)),
            "big": lambda: str(rng.randint(10_000, 99_999_999)),
            "small": lambda: str(rng.randint(1, 60)),
            "small2": lambda: str(rng.randint(0, 99)),
        }
        text, _ = fill(template, values, labelled=False)
        return self.record("en_US", "hard_negative", text, [])

    def order16(self) -> str:
        digits = "".join(self.rng.choice(string.digits) for _ in range(15))
        wrong = (luhn_digit(digits) + self.rng.randint(1, 9)) % 10
        return digits + str(wrong)

    def bad_card(self) -> str:
        number = self.order16()
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))

    def bad_iban(self) -> str:
        good = self.fakers["de_DE"].iban()
        check = (int(good[2:4]) + self.rng.randint(1, 50)) % 100
        return f"{good[:2]}{check:02d}{good[4:]}"

    def plain_date(self) -> str:
        day = date(2000, 1, 1).toordinal() + self.rng.randint(0, 9500)
        value = date.fromordinal(day)
        fmt = self.rng.choice(["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y",
                               "%d %B %Y"])  # fmt: skip
        return value.strftime(fmt)

    def pad(self, text: str, spans: list[dict[str, object]]) -> tuple[str, list[dict[str, object]]]:
        before = self.rng.choice(FILLERS) + " " if self.rng.random() < 0.5 else ""
        after = " " + self.rng.choice(FILLERS) if not before or self.rng.random() < 0.5 else ""
        shift = len(before)
        moved = [
            {**s, "start": int(s["start"]) + shift, "end": int(s["end"]) + shift}  # type: ignore[call-overload]
            for s in spans
        ]
        return before + text + after, moved

    def record(
        self, locale: str, kind: str, text: str, spans: list[dict[str, object]]
    ) -> dict[str, object]:
        self.count += 1
        return {"id": self.count, "locale": locale, "kind": kind, "text": text, "spans": spans}

    def examples(self) -> Iterator[dict[str, object]]:
        plan: list[tuple[str, tuple[str, ...], int]] = [
            ("name", CORE_LOCALES + EXTRA_LOCALES, 60),
            ("address", CORE_LOCALES, 80),
            ("email", CORE_LOCALES + EXTRA_LOCALES, 40),
            ("phone", CORE_LOCALES + EXTRA_LOCALES, 60),
            ("ssn", ("en_US",), 300),
            ("credit_card", CORE_LOCALES, 80),
            ("date_of_birth", CORE_LOCALES, 60),
            ("ip_address", CORE_LOCALES, 60),
            ("iban", CORE_LOCALES, 60),
            ("mixed", CORE_LOCALES, 60),
        ]
        for group, locales, per_locale in plan:
            for locale in locales:
                for _ in range(per_locale):
                    yield self.positive(group, locale)
        for _ in range(1200):
            yield self.hard_negative()


def fill(
    template: str, values: dict[str, Callable[[], str]], *, labelled: bool = True
) -> tuple[str, list[dict[str, object]]]:
    """Replace ``{field}``s left to right, recording where each labelled value landed."""
    out: list[str] = []
    spans: list[dict[str, object]] = []
    length = 0
    for literal, field, _, _ in string.Formatter().parse(template):
        out.append(literal)
        length += len(literal)
        if field is None:
            continue
        value = values[field]()
        if labelled and field in CLASS_OF:
            spans.append(
                {"pii_class": CLASS_OF[field], "start": length, "end": length + len(value)}
            )
        out.append(value)
        length += len(value)
    return "".join(out), spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        count = 0
        for example in Generator(args.seed).examples():
            handle.write(json.dumps(example, ensure_ascii=False) + "\n")
            count += 1
    print(f"wrote {count} examples to {args.out}")


if __name__ == "__main__":
    main()
