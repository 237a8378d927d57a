"""The chat front's view of the catalogs (kept in `locales/`, shared with `jobs/`)."""

from locales.catalog import LANGUAGES, Lazy, Raw, catalog, plain, po_path, t, tn

__all__ = ["LANGUAGES", "Lazy", "Raw", "catalog", "plain", "po_path", "t", "tn"]
