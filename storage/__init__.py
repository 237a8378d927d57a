"""Persistence: SQLAlchemy models, repositories returning plain DTOs, engine and migrations."""
