from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bip.exceptions import ApplicationError
from citizens import crypto
from citizens.services import cpr_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored CPR number under the first key of BIP_CPR_KEYS and "
        "recompute its keyed hash with BIP_CPR_HMAC_KEY (citizens, and citizens "
        "imports that are checked but not yet saved). A new encryption key: put it "
        "first in BIP_CPR_KEYS, keep the old ones, restart web and workers, run this "
        "command; web may keep running, and once it reports no value under an old "
        "key, remove that key. A new HMAC key: every lookup by CPR uses the hash, so "
        "stop web, worker and beat, change BIP_CPR_HMAC_KEY, run this command, then "
        "start them again. Work is committed in chunks; running it again resumes an "
        "interrupted run and changes nothing after a complete one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count what would change; write nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            result = cpr_keys_rotate(
                batch_size=options["batch_size"], dry_run=options["dry_run"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except ImproperlyConfigured as exc:  # a key that is gone or wrong
            raise CommandError(str(exc)) from None
        before = ", ".join(f"{k}: {n}" for k, n in result.keys_before.items()) or "none"
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{result.citizens} citizens (by key before: {before}). "
            f"{result.reencrypted} {verb} re-encrypted under key "
            f"{crypto.current_key_id()!r}, {result.rehashed} {verb} re-hashed; "
            f"{result.staged_rows} rows of unsaved imports {verb} brought along."
        )
