"""Every table of the database, in one metadata: the fund's data as imported, the journal (runs, letters,
quarantine, decisions, print files), the night's own record, templates and the mailroom's. Alembic's history
(correspondence/migrations) creates exactly these.

Amounts are stored as integer cents (`Money`) so SQLite and PostgreSQL both keep them exact.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Money(TypeDecorator[Decimal]):
    """A Decimal amount stored as whole cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> int | None:
        if value is None:
            return None
        cents = Decimal(value) * 100
        if cents != cents.to_integral_value():
            raise ValueError(f"amount {value} has more than two decimals")
        return int(cents)

    def process_result_value(self, value: int | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-2)  # exact: 12345 -> 123.45, 100 -> 1.00


def _address() -> list[Column]:
    return [
        Column("street", String(200), nullable=False),
        Column("house_number", String(20), nullable=False),
        Column("box", String(20), nullable=False, default=""),
        Column("postcode", String(12), nullable=False),
        Column("city", String(100), nullable=False),
        Column("country", String(2), nullable=False, default="BE"),
        Column("language", String(2), nullable=False),
    ]


affiliates = Table(
    "affiliates",
    metadata,
    Column("affiliate_id", String(20), primary_key=True),
    Column("national_number", String(11), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    *_address(),
    Column("status", String(20), nullable=False),
    Column("affiliated_since", Date, nullable=False),
    Column("affiliated_until", Date),
    # Set by `mailroom returned`; cleared by an import that changes the address.
    Column("address_unreliable_since", Date),
    Column("address_returned_reason", String(200)),
)

companies = Table(
    "companies",
    metadata,
    Column("company_id", String(20), primary_key=True),
    Column("enterprise_number", String(10), nullable=False),
    Column("name", String(200), nullable=False),
    *_address(),
    Column("incorporated_on", Date, nullable=False),
    Column("balance_sheet_total", Money),
)

contributions = Table(
    "contributions",
    metadata,
    Column("contribution_id", String(30), primary_key=True),
    Column("affiliate_id", String(20), ForeignKey("affiliates.affiliate_id"), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("quarter", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount", Money, nullable=False),
    Column("fee", Money, nullable=False),
    Column("due_date", Date, nullable=False),
    # A regularisation's final professional income of its year, as the tax authority reported it (NULL: not given).
    Column("income", Money),
    Index("ix_contributions_due", "due_date"),
)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", String(30), primary_key=True),
    Column("payer_type", String(10), nullable=False),
    Column("payer_id", String(20), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("structured_reference", String(12), nullable=False, default=""),
    Index("ix_payments_payer", "payer_type", "payer_id"),
)

payment_plans = Table(
    "payment_plans",
    metadata,
    Column("affiliate_id", String(20), primary_key=True),
    Column("kind", String(30), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_until", Date),
)

suspensions = Table(
    "suspensions",
    metadata,
    Column("affiliate_id", String(20), primary_key=True),
    Column("kind", String(30), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_until", Date),
)

claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(30), primary_key=True),
    Column("affiliate_id", String(20), ForeignKey("affiliates.affiliate_id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("break_start", Date, nullable=False),
    Column("months", Integer, nullable=False),
    Column("mode", String(10), nullable=False),
    Column("care_recipient", String(30), nullable=False),
    Column("relative_degree", Integer),
    Column("child_age", Integer),
    Column("documents", String(200), nullable=False, default=""),
    Column("care_recipient_died_on", Date),
    Column("other_benefit", Boolean, nullable=False, default=False),
    Column("months_before_engine", Integer, nullable=False, default=0),
    Column("exempt_quarters_before_engine", Integer, nullable=False, default=0),
    Column("other_benefit_kind", String(30)),  # which other benefit (rules/mantelzorg_input.py OTHER_BENEFITS)
    Column("completed_on", Date),  # the day the request became complete, when after received_on
    # The day the fund learnt of the cared-for person's death (a recovery names it); NULL: not given.
    Column("death_reported_on", Date),
)

# What the fund's payment system paid on a claim (benefit_payments.csv), one row per payment: a recovery claims
# back what was paid for months without a right, never what the payment schedule said would be paid.
benefit_payments = Table(
    "benefit_payments",
    metadata,
    Column("claim_id", String(30), ForeignKey("claims.claim_id"), primary_key=True),
    Column("month", String(7), primary_key=True),  # the month the benefit is for, YYYY-MM
    Column("paid_on", Date, primary_key=True),
    Column("amount", Money, nullable=False),
)

# Account statements and fiscal certificates affiliates asked for (statement_requests.csv): each is answered
# once, from its date. `year`: the year a fiscal certificate is asked for; 0 for an account statement (it shows
# the account on the night it is written), so that the key has no empty part.
statement_requests = Table(
    "statement_requests",
    metadata,
    Column("affiliate_id", String(20), primary_key=True),
    Column("requested_on", Date, primary_key=True),
    Column("letter_type", String(40), primary_key=True, server_default="account_statement"),
    Column("year", Integer, primary_key=True, server_default="0"),
)

# What the fund's former system sent before go-live (letters_sent.csv): these count as sent for the collection
# cycle and their event keys are never printed again (README: How a fund switches on).
letters_sent = Table(
    "letters_sent",
    metadata,
    Column("recipient_type", String(10), primary_key=True),
    Column("recipient_id", String(20), primary_key=True),
    Column("letter_type", String(40), primary_key=True),
    Column("period", String(10), primary_key=True),  # 2026-Q1 | 2026 | 2026-06-30, as the letter type's key
    Column("sent_on", Date, nullable=False),
    Column("event_key", String(120), nullable=False, unique=True),
)

# Who chose to receive the fund's letters in the e-Box (ebox.csv, issue 20): a consent, or its withdrawal, from
# a day on; the row in force on a night is the latest `since` not after it (correspondence/ebox/consent.py).
ebox_consents = Table(
    "ebox_consents",
    metadata,
    Column("recipient_type", String(10), primary_key=True),  # affiliate | company
    Column("recipient_id", String(20), primary_key=True),
    Column("since", Date, primary_key=True),
    Column("consent", Boolean, nullable=False),
)

# What the night decided on a claim: the basis for later claims (months and exempt quarters used).
decisions = Table(
    "decisions",
    metadata,
    Column("event_key", String(120), primary_key=True),
    Column("claim_id", String(30), nullable=False, index=True),
    Column("decided_on", Date, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("result", Text, nullable=False),  # the rule's JSON output
)

# ---- the imports (correspondence/import_record.py) ------------------------------------------------------

# Each run of `correspondence import FOLDER`: when it started and finished, the folder, and the export's age
# reference `exported_at` (the newest modification time of the files it read), which the night checks.
imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False, index=True),
    Column("folder", String(1000), nullable=False),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("accept_removals", Boolean, nullable=False, default=False),
)

# One row per file an import read: its sha256 and rows read, new, changed, unchanged, rejected and gone from the
# export (kept, or removed with --accept-removals: `removed` says how many of them were removed).
import_files = Table(
    "import_files",
    metadata,
    Column("import_id", Integer, ForeignKey("imports.id"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("sha256", String(64)),  # NULL: the file could not be read
    Column("modified_at", DateTime(timezone=True), nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("read", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("disappeared", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("seconds", Float, nullable=False),  # reading, checking and writing the file
    # The import's own checks as that version made them (importing.CHECKS): the same file under other checks
    # is read again. NULL: not recorded.
    Column("checks", String(64)),
)

# An import under way: written before it changes anything, removed when it is recorded. One left behind is an
# import that stopped half-way: the tables it had reached may differ from what the last record says, so no
# file is taken as unchanged on its sha256 until it has been read again (importing.Previous).
import_starts = Table(
    "import_starts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
)

# ---- the journal -------------------------------------------------------------------------------------

runs = Table(
    "runs",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("status", String(20), nullable=False),  # planning, rendering, assembling, complete
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=1),
    Column("summary", Text),
    # The import the night planned on (imports.id, set in the planning transaction); NULL when none was recorded.
    Column("import_id", Integer),
)

letters = Table(
    "letters",
    metadata,
    Column("letter_id", String(20), primary_key=True),
    Column("event_key", String(120), nullable=False, unique=True),
    Column("run_date", Date, ForeignKey("runs.run_date"), nullable=False, index=True),
    Column("letter_type", String(40), nullable=False),
    Column("recipient_type", String(10), nullable=False),
    Column("recipient_id", String(20), nullable=False, index=True),
    Column("language", String(2), nullable=False),
    Column("mail_class", String(12), nullable=False),
    Column("postcode", String(12), nullable=False),
    Column("sort_name", String(220), nullable=False),
    # The recipient's address as composed, for the deposit list; NULL on letters planned before 0008.
    Column("street", String(260)),
    Column("city", String(100)),
    Column("country", String(2)),
    Column("status", String(12), nullable=False),  # planned, rendered, batched; ebox, ebox_pending (issue 20)
    Column("template_hash", String(64), nullable=False),
    Column("context", Text, nullable=False),
    Column("pages", Integer),
    Column("sha256", String(64)),
    Column("archive_path", String(300)),
    Column("print_file", String(120)),
    Column("first_page", Integer),
    # The e-Box (correspondence/ebox/): the message id it gave, the last answer (delivered, no_digital_user,
    # refused: …, no answer: …), the night of the first try and how many tries; `print_night`: the night whose
    # print files took a letter the e-Box could not deliver (NULL: its own night's).
    Column("ebox_message_id", String(80)),
    Column("ebox_answer", String(200)),
    Column("ebox_first_try", Date),
    Column("ebox_tries", Integer),
    Column("print_night", Date, index=True),
    # The context's structure (correspondence/render/forms.py): the night stamps a form with enough letters
    # (journal.stamped_forms). NULL on letters planned before 0018: their snapshot's letters count together.
    Column("form", String(16)),
)

# Events due before the fund's go-live day: journaled as handled by the former system, never printed. Kept
# apart from `letters` (whose readers all mean letters this engine wrote); counted as sent by the cycle.
former_letters = Table(
    "former_letters",
    metadata,
    Column("event_key", String(120), primary_key=True),
    Column("run_date", Date, ForeignKey("runs.run_date"), nullable=False, index=True),
    Column("letter_type", String(40), nullable=False),
    Column("recipient_type", String(10), nullable=False),
    Column("recipient_id", String(20), nullable=False, index=True),
    Column("due_on", Date, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_date", Date, nullable=False, index=True),
    Column("event_key", String(120), nullable=False),
    Column("record", String(120), nullable=False),
    Column("field", String(60), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("action", String(300), nullable=False),
    UniqueConstraint("run_date", "event_key", name="uq_quarantine_run_event"),
)

# Remarks that did not stop a letter but a person should see (a language preference contradicting the area).
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_date", Date, nullable=False, index=True),
    Column("event_key", String(120), nullable=False),
    Column("record", String(120), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("note", String(500), nullable=False),
)

# Rows a case handler acts on (personal contact before judicial collection, hand-overs, returned mail):
# one per key, ever, written into the night's folder as <list>.csv.
case_list_entries = Table(
    "case_list_entries",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("list", String(40), nullable=False),
    Column("run_date", Date, nullable=False, index=True),
    Column("record", String(120), nullable=False),
    Column("row", Text, nullable=False),  # JSON object: the CSV row
)

print_files = Table(
    "print_files",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("file", String(120), primary_key=True),
    Column("mail_class", String(12), nullable=False),
    Column("letters", Integer, nullable=False),
    Column("sheets", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
)

# Every file of a night's folder with its sha256, recorded in the same transaction as the placements.
mailroom_files = Table(
    "mailroom_files",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("path", String(200), primary_key=True),
    Column("bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
)

# ---- the night's record of itself (scheduler/run_record.py) ---------------------------------------------

run_stages = Table(
    "run_stages",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("stage", String(60), primary_key=True),  # plan, render, assemble; plan.compose …
    Column("seconds", Float, nullable=False),
    Column("letters", Integer, nullable=False, default=0),
)

run_parameters = Table(
    "run_parameters",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("name", String(60), primary_key=True),
    Column("valid_from", Date, primary_key=True),
)

# ---- templates and the mailroom ------------------------------------------------------------------------

# Content-addressed copies of the template files a letter was rendered with (reprints, approvals).
template_snapshots = Table(
    "template_snapshots",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("files", LargeBinary, nullable=False),  # a zip of the files, stored once
    Column("created_at", DateTime(timezone=True), nullable=False),
)

template_approvals = Table(
    "template_approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("letter_type", String(40), nullable=False),
    Column("language", String(2), nullable=False),
    Column("hash", String(64), ForeignKey("template_snapshots.hash"), nullable=False),
    Column("approved_by", String(100), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    Column("effective_from", Date, nullable=False),
)

collections = Table(
    "mailroom_collections",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("collected_by", String(100), nullable=False),
    Column("collected_at", DateTime(timezone=True), nullable=False),
)

returned_mail = Table(
    "returned_mail",
    metadata,
    Column("letter_id", String(20), primary_key=True),
    Column("affiliate_id", String(20), nullable=False, index=True),
    Column("reason", String(200), nullable=False),
    Column("recorded_on", Date, nullable=False),
)

reprints = Table(
    "reprints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("letter_id", String(20), ForeignKey("letters.letter_id"), nullable=False),
    Column("file", String(300), nullable=False),
    Column("printed_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64), nullable=False),
)

# One row: who runs the night now. Taken with an UPDATE that only succeeds when free or stale.
night_lock = Table(
    "night_lock",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("holder", String(200)),
    Column("run_date", Date),
    Column("since", DateTime(timezone=True)),
    Column("heartbeat", DateTime(timezone=True)),
)

# The desk (correspondence/desk/): its people, and what each of them did there.
desk_users = Table(
    "desk_users",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),  # argon2id, never the password
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A working copy put forward for approval: four eyes, the approver is never its submitter (templates/submissions.py).
template_submissions = Table(
    "template_submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("letter_type", String(40), nullable=False),
    Column("language", String(2), nullable=False),
    Column("hash", String(64), ForeignKey("template_snapshots.hash"), nullable=False),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("state", String(20), nullable=False),  # pending, approved, withdrawn, superseded
    Column("decided_by", String(100)),
    Column("decided_at", DateTime(timezone=True)),
)

desk_audit = Table(
    "desk_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_name", String(100), nullable=False),  # who (a desk user, or the system user of a command)
    Column("action", String(40), nullable=False),
    Column("subject", String(200), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
)
