"""Export files for municipal admins and analysts (docs/exports.md)."""
