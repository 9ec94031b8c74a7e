"""The exit statuses of every ``rlmodels`` command."""

__all__ = ["EXIT_BAD_INPUT", "EXIT_DISAGREE", "EXIT_OK"]

EXIT_OK = 0
EXIT_DISAGREE = 1
"""The backends (or an import and its upstream) disagree, or a campaign failed."""
EXIT_BAD_INPUT = 2
"""Bad arguments or files: nothing was written."""
