"""Budgets: per org, user and API key, per calendar month, year or all time, in USD.

The request path uses ``Metering`` (``setup.start_metering``): ``budgets.reserve`` in precheck,
``budgets.settle_nowait`` / ``release_nowait`` in postcheck (``guard.py`` says how). Modules:

    periods        calendar periods in UTC and their counter keys
    ledger         the BudgetLedger contract; money in integer nano-dollars
    memory_ledger  the in-process ledger
    redis_ledger   the Redis ledger (Lua), shared by every instance
    store          the database queries
    directory      active budgets in memory, refreshed from the database
    estimate       a request's size in tokens, counted once
    guard          reserve, settle, release
    alerts         threshold alerts: audit rows and signed webhooks
    setup          building all of it from settings
"""
