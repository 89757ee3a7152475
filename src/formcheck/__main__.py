"""``python -m formcheck`` and the ``formcheck`` command (``run``).

Signals are taken over before anything slow is imported, so a Ctrl-C in the first second is
handled like any other (``formcheck.interrupts``), never a traceback or a silent exit.
"""


def run() -> None:
    from formcheck import interrupts

    interrupts.install_early()
    from formcheck.cli import run as run_cli

    run_cli()


if __name__ == "__main__":
    run()
