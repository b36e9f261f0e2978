"""Errors a rule raises: always naming what is missing or which input field is wrong."""

from collections.abc import Sequence


class RuleError(Exception):
    """A rule could not be applied."""


class MissingParameter(RuleError):
    """No parameter covers the date asked for: the rule never guesses a figure."""

    def __init__(self, name: str, key: str, day: object) -> None:
        self.name, self.key, self.day = name, key, day
        super().__init__(f"no parameter '{key}' in rules/parameters/{name}.toml valid on {day}")


class InvalidInput(RuleError):
    """An input value is unusable; `field` is the dotted path of the culprit (`request.break_start`)."""

    def __init__(self, field: str, reason: str) -> None:
        # An input key can be any text, even empty or only spaces: always name it visibly.
        field = str(field)
        parts = [p if p.strip() else f'"{p}" (a field without a name)' for p in field.split(".")] if field else []
        self.field = ".".join(parts) or '"" (a field without a name)'
        self.reason = reason
        super().__init__(f"{self.field}: {reason}")


class InvalidInputs(InvalidInput):
    """Every unusable value of one input, in the order of its declaration. It is an `InvalidInput` too:
    `field` and `reason` are the first problem's, and its text names them all, on one line."""

    def __init__(self, problems: Sequence[InvalidInput]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("InvalidInputs needs at least one problem")
        self.field, self.reason = self.problems[0].field, self.problems[0].reason
        RuleError.__init__(self, "; ".join(str(problem) for problem in self.problems))
