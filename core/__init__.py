"""The bottom layer: what every other package stands on.

Errors (``core.errors``), config types read once from YAML and the environment
(``core.settings``), ids, scopes, input guards and storage (models, queries, the engine).
It imports no other package of the project.
"""
