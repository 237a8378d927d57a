"""Repositories: queries over one AsyncSession, returning DTOs. They never commit."""
