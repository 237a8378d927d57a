"""Channel-neutral rules and services. Returns data, never text; never imports `telegram`."""
