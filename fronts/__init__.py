"""The client-facing APIs: how each front door's clients send requests and read answers.

The mirror of ``providers`` (the upstream-facing APIs): a front translates its client's shape
into the one inside (an OpenAI chat body, or an embeddings body) and the answer back, with no
I/O, so every front is tested on recorded bytes. The route that runs it is ``gateway.pipeline``.
"""
