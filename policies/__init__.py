"""Policies: what an org allows to reach a provider, per tool and PII class."""
