"""The desk's people (people.py) and the audit log of what each did (audit.py). The desk itself, the web
pages where they work (reviewers, approvers, the mailroom, the operator), is `correspondence web`:
scheduler/web/, its pages in pages/ and their wording per language in wording/."""
