"""The core's own pages, above every core app they show: the start page, /healthz,
the system admin's status page and the audit-log search."""
