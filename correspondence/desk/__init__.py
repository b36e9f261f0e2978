"""The desk: the web pages where the fund's people work (reviewers, approvers, the mailroom, the operator), and
the people themselves (people.py) with the audit log of what each did (audit.py). Served by `correspondence web`
(web.py); the pages are Jinja templates in pages/, their wording per language in wording/."""
