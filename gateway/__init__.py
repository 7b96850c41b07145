"""GovernsAI gateway: an inline governance proxy between applications and AI providers."""

__version__ = "0.1.0"
