"""The registry and the letter folders name the same letter types; the night runs each trigger once, in order."""

from __future__ import annotations

from correspondence.config import TEMPLATES_DIR
from correspondence.kinds.registry import KINDS, by_name, triggers
from correspondence.templates import catalog

NOT_LETTER_TYPES = {"assets", "partials", "mailroom"}  # folders of letter_templates/ shared by the letters


def test_the_registry_and_the_letter_folders_name_the_same_letter_types() -> None:
    folders = {p.name for p in TEMPLATES_DIR.iterdir() if p.is_dir()} - NOT_LETTER_TYPES
    assert folders == set(catalog.names(TEMPLATES_DIR)), "a folder without letter.toml, or a new shared folder"
    registered = [kind.name for kind in KINDS]
    assert len(registered) == len(set(registered)), "a letter type registered twice"
    missing, unfolded = folders - set(registered), set(registered) - folders
    assert not missing, f"letter folders without a kind in correspondence/kinds/registry.py: {sorted(missing)}"
    assert not unfolded, f"kinds without a folder in letter_templates/: {sorted(unfolded)}"


def test_each_trigger_runs_once_in_the_order_of_its_first_kind() -> None:
    # This order gives the letter ids of a night: it never changes for the kinds already there.
    assert [t.__name__ for t in triggers()] == [
        "due_notices", "regularisation_notices", "payment_reminders", "formal_notices", "account_statements",
        "fiscal_certificates", "company_letters", "mantelzorg_decisions"]
    shared = by_name()
    assert triggers((shared["mantelzorg_refused"], shared["due_notice"], shared["mantelzorg_granted"])) == (
        shared["mantelzorg_refused"].trigger, shared["due_notice"].trigger)


def test_collection_letters_are_the_collection_family() -> None:
    from correspondence import stats

    assert stats.COLLECTION_TYPES == {"reminder", "formal_notice"}
