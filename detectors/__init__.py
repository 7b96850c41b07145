"""PII detectors: find sensitive values in text; policies decide what to do with them."""
