"""Letter kinds: each letter type as one registered value — its trigger, typed facts and composer side by
side in a module per family — with the fund they read (`Fund`, `FundView`), the ledgers and the case lists.
The registry is kinds/registry.py."""
