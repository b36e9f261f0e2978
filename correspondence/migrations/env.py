"""Alembic environment: runs on the connection `correspondence.store.init` hands over."""

from alembic import context

from correspondence.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` CLI use: connect from the URL
    from correspondence.store import connect

    engine = connect(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
