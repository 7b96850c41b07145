"""The composition root, above every other package: the CLI (``governs``) and the server that
puts the proxy (``gateway``) and the admin API (``admin_api``) on one aiohttp app."""
