"""Gettext catalogs (locales/<lang>/LC_MESSAGES/messages.po), shipped as package data."""
