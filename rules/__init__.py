"""Pure legal rules of the fund: contributions, surcharges, benefits, courts, language.

Nothing here imports the rest of the engine; every figure comes from `rules/parameters/`, dated and sourced.
"""
