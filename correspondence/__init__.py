"""The correspondence engine: data store, compose, templates, render, journal, mailroom and the CLI."""
