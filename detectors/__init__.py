"""PII detectors: find sensitive values in text; policies decide what to do with them.

    base.py          Finding, the Detector contract, DetectorError
    engine.py        DetectionEngine: runs the detectors a policy needs, settles overlaps
    registry.py      config ``kind:`` -> detector, ConfigError on an unknown kind
    runner.py        scan_off_loop: fast part inline, NER in a thread, deadline, fail closed
    contact.py       email, phone
    financial.py     credit_card (Luhn, brands), iban (mod-97, per-country length)
    national_id.py   ssn (area/group/serial rules)
    network.py       ip_address (IPv4, IPv6)
    birth_date.py    date_of_birth (a date near a birth word)
    custom.py        per-org regex rules, compiled once, run under a time budget
    context.py       context words near a span ("born", "phone", "SSN")
    ner.py           name, address: spaCy NER via presidio (slow: run off the event loop)
    address.py       street-address patterns used by ner.py
    names.py         name patterns and heuristics used by ner.py

Quality and cost on the labelled corpus: ``bench/pii_eval.py``.
"""
