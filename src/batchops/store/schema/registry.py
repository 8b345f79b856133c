"""Registry tables: written by the registry package's migration."""
