"""Keys read at start-up carry what their org may use, as keys read one by one do."""

from __future__ import annotations

from pathlib import Path

from core.settings import DatabaseConfig
from core.storage import keys as key_queries
from core.storage.database import create_engine, migrate, session_factory


async def test_a_key_loaded_at_start_up_keeps_its_orgs_model_grant(tmp_path: Path) -> None:
    engine = create_engine(DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"))
    try:
        await migrate(engine)
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, "ungranted")
            org.allowed_models = []  # a self-service org no operator has granted a model yet
            await key_queries.create_key(session, org, label="k", scopes=("precheck:invoke",))
        async with session_factory(engine)() as session:
            ((key_hash, loaded),) = await key_queries.all_live_keys(session)
            one = await key_queries.find_key_by_hash(session, key_hash)
        assert one is not None and one.models == frozenset()
        assert loaded.models == one.models  # not None: "every model"
    finally:
        await engine.dispose()
