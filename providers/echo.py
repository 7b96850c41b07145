"""The built-in offline ``echo`` provider: answers with the last user message.

It speaks OpenAI's wire format, so its adapter is the OpenAI one; the answer itself is made by
``gateway.echo.EchoTransport`` in-process, so a new install answers without any network.
"""

from __future__ import annotations

from typing import ClassVar

from core.settings import ProviderConfig
from providers.openai import OpenAIAdapter

ECHO_BASE_URL = "echo://local/v1"


class EchoAdapter(OpenAIAdapter):
    kind: ClassVar[str] = "echo"

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config.model_copy(update={"base_url": config.base_url or ECHO_BASE_URL}))
