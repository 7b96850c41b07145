"""Provider adapters: pure translation between the gateway's OpenAI-shaped API and each provider."""
