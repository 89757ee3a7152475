"""`formcheck models`: list, locate and download the pose model bundles.

`models path` never downloads (it answers "where is it?", and a script calling it must not
start a 30 MB download); `models fetch` does, and so does any command that needs a model.
"""

from __future__ import annotations

from typing import Annotated

import typer

models_app = typer.Typer(help="List, locate and download the MediaPipe pose models.", no_args_is_help=True)

VariantArgument = Annotated[str, typer.Argument(metavar="VARIANT", help="lite, full or heavy.")]


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


@models_app.command("list")
def list_command() -> None:
    """Show each model variant: size, where it was found (or "not downloaded"), official URL."""
    from formcheck import models

    # Plain lines, never wrapped: paths and URLs must stay copyable (and greppable in scripts).
    for info in models.REGISTRY.values():
        found = models.find_model(info.variant)
        where = str(found) if found else "not downloaded"
        typer.echo(f"{info.variant:<6} {info.size / 1e6:5.1f} MB  {where}  {info.url()}")


@models_app.command("path")
def path_command(variant: VariantArgument) -> None:
    """Print the verified path of a model file; fails (without downloading) when it is absent."""
    from formcheck.models import resolve_model, variant_name

    typer.echo(str(resolve_model(variant_name(variant), download=False).path))


@models_app.command("fetch")
def fetch_command(
    variants: Annotated[
        list[str] | None, typer.Argument(metavar="[VARIANT]...", help="lite, full, heavy (default: full).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Download model files into the cache folder (skipping ones already present and genuine)."""
    from formcheck.models import resolve_model, variant_name

    names = [variant_name(v) for v in variants or ["full"]]  # all checked before any download
    for name in names:
        model = resolve_model(name, progress=None if quiet else "auto")
        typer.echo(f"{name}: {model.path}")
