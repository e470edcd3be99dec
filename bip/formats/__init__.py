"""Local date formats by language (FORMAT_MODULE_PATH); Django's own for the rest."""
