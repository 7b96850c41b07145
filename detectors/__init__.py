"""PII detectors: find sensitive values in text; policies decide what to do with them.

    base.py          Finding, the Detector contract, DetectorError
    engine.py        DetectionEngine: runs the detectors a policy needs, settles overlaps
    registry.py      config ``kind:`` -> detector, ConfigError on an unknown kind
    contact.py       email, phone (every country's forms, numbering plans)
    financial.py     credit_card (Luhn, brands, groupings), iban (mod-97, per-country length)
    national_id.py   ssn (area/group/serial rules, SSN-shaped after an SSN word)
    network.py       ip_address (IPv4, IPv6)
    birth_date.py    date_of_birth (a date near a birth word), date_spans(), is_date()
    date_words.py    month names, birth words and date forms of about 30 languages
    spoken_dates.py  dates in words ("March third, nineteen eighty-one", "一九九二年五月八号")
    structured.py    any class: values whose key, column or label names it (JSON, CSV, ...)
    field_keys.py    field names in about 30 languages -> classes
    name_lexicon.py  name: given names and surnames of 105 countries, titles, cues, CJK
    name_shapes.py   name: how much an unknown word looks like a name (n-gram model)
    not_persons.py   eponyms, brands, places and public figures: no private person's name
    custom.py        per-org regex rules, compiled once, run under a time budget
    context.py       context words near a span ("born", "phone", "SSN")
    person_dates.py  date_of_birth: a past date right after a person's name in a row
    dialogue.py      answers to a conversation's questions (a birth date, a phone, a name)
    ner.py           name, address: spaCy NER on English text, street patterns (slow: run off
                     the event loop; the optional 'ner' extra)
    address.py       street-address patterns used by ner.py
    names.py         name patterns and heuristics used by ner.py

Data files (``data/``) are built by ``tools/build_name_lexicon.py`` and
``tools/build_name_shapes.py``. Quality and cost: ``bench/pii_gateway_eval.py`` (the blind
held-out set through the running gateway) and ``bench/pii_eval.py`` (latency).
"""
