"""Every error formcheck reports to a user, and the exit code each one maps to.

Library code raises these; ``formcheck.cli`` is the one place that turns them into a
one-line message and an exit status (never a traceback).
"""

from __future__ import annotations


class FormcheckError(Exception):
    """Base class: ``str(err)`` is the one-line message shown to the user."""

    exit_code = 1

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Optional extra lines (e.g. the bad input with a caret under it).
        self.detail = detail


class UsageError(FormcheckError):
    """A bad option value or combination on the command line."""

    exit_code = 2


class InputError(FormcheckError):
    """A video, track or camera that cannot be read."""

    exit_code = 3


class NoFramesError(InputError):
    """The input opened but yielded no decodable frame."""

    exit_code = 4


class TruncatedInput(InputError):
    """A video whose frames stop before its container says they do (a copy or download cut
    short): what was decoded is analysed, and the result is partial with a notice."""

    def __init__(self, message: str, *, ends_at_s: float, notice: str) -> None:
        super().__init__(message)
        self.ends_at_s = ends_at_s  # the time (video seconds) of the last decoded frame
        self.notice = notice  # the result's notice, in plain words


class CameraError(InputError):
    """A camera that cannot be opened or stopped delivering frames."""

    exit_code = 5


class ModelError(FormcheckError):
    """A pose model that is missing, corrupt or cannot be downloaded."""

    exit_code = 6


class RuleError(FormcheckError):
    """A rule file that does not validate, or an unknown exercise id."""

    exit_code = 7


class RuleErrors(RuleError):
    """Every problem found in one rule file (``errors``, in file order), as a compiler reports
    them; the message is the first, with how many more there are."""

    def __init__(self, errors: list[RuleError]) -> None:
        more = len(errors) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(errors[0].message + suffix, detail=errors[0].detail)
        self.errors = errors


class OutputError(FormcheckError):
    """An output path that cannot be written."""

    exit_code = 8


class SuiteFailure(FormcheckError):
    """The sample suite ran, but some clips fell outside their tolerance."""

    exit_code = 9


class ClusterError(FormcheckError):
    """The Dask scheduler cannot be reached, has no workers, or could not run a task."""

    exit_code = 10


class Interrupted(FormcheckError):
    """Ctrl-C or SIGTERM: results so far were saved and marked partial."""

    exit_code = 130


class NotRecognised(FormcheckError):
    """``--exercise auto`` could not tell which exercise the input shows."""

    exit_code = 11
