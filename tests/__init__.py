"""Test suite; fakes/ holds the local upstream servers."""
