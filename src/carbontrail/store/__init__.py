"""Storage: SQLAlchemy models, the database connection, repositories and Alembic migrations."""
