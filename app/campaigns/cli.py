"""`flask launch-campaign`: launch a campaign's cases from the command line, with a progress bar; resumable."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from ..enterprises.schemas import INDUSTRY_SECTIONS
from ..enterprises.size_bands import SIZE_BAND_KEYS
from ..errors import DomainError
from ..extensions import db
from ..models import Campaign, District
from .forms import normalise_filters
from .launch import DEFAULT_BATCH, MAX_BATCH, find_campaign, run_launch, start_launch
from .service import launch_running


def _district_ids(names: tuple[str, ...]) -> list[int]:
    """District ids for names or codes as people type them; an unknown one stops the command."""
    ids = []
    for name in names:
        found = db.session.execute(select(District.id).where(
            or_(District.name == name.strip(), District.code == name.strip()))).scalar()
        if found is None:
            raise click.BadParameter(f"no district named {name!r}", param_hint="'--district'")
        ids.append(found)
    return ids


def _fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


@click.command("launch-campaign")
@click.argument("campaign_key", metavar="CAMPAIGN_ID_OR_NAME")
@click.option("--district", "districts", multiple=True, help="A district's name or code; repeat for several.")
@click.option("--industry", "industries", multiple=True,
              type=click.Choice(list(INDUSTRY_SECTIONS), case_sensitive=False),
              help="A GB/T 4754 section letter; repeat for several.")
@click.option("--size-band", "size_bands", multiple=True, type=click.Choice(SIZE_BAND_KEYS),
              help="A size band by employees; repeat for several.")
@click.option("--union/--no-union", "has_union", default=None,
              help="Only enterprises with a union (or only those without one). Default: both.")
@click.option("--without-agreement-in-force", is_flag=True,
              help="Leave out enterprises covered by an agreement in force.")
@click.option("--batch", type=click.IntRange(1, MAX_BATCH), default=DEFAULT_BATCH, show_default=True,
              help="Cases opened per transaction.")
@with_appcontext
def launch_campaign(campaign_key: str, districts: tuple[str, ...], industries: tuple[str, ...],
                    size_bands: tuple[str, ...], has_union: bool | None, without_agreement_in_force: bool,
                    batch: int) -> None:
    """Open a case for every eligible enterprise of a campaign, in batches of one transaction each.

    Without filters, the enterprise list confirmed in the campaign's process is launched. A launch that
    was interrupted (killed, crashed) is resumed by running the same command again: what was committed
    stays, nothing is opened twice.
    """
    campaign = find_campaign(campaign_key)
    if campaign is None:
        _fail(f"no campaign with id or name {campaign_key!r}")
        return
    given = any((districts, industries, size_bands, has_union is not None, without_agreement_in_force))
    wanted: dict[str, Any] | None = None
    if given:
        wanted = normalise_filters({"district_ids": _district_ids(districts),
                                    "industries": [i.upper() for i in industries], "size_bands": size_bands,
                                    "has_union": has_union, "without_agreement_in_force": without_agreement_in_force})
    campaign_id, name = campaign.id, campaign.name
    if launch_running(campaign):
        if wanted is not None and wanted != normalise_filters(campaign.launch_filters or {}):
            _fail(f"a launch of {name} with other filters is running ({campaign.launch_filters}); "
                  "run the command without filters to resume it", 2)
        click.echo(f"resuming the launch of {name}: {campaign.launch_done} of {campaign.launch_total} done")
    else:
        try:
            campaign = start_launch(campaign_id, wanted, actor=None)
        except DomainError as exc:
            _fail(f"cannot launch {name}: {exc.message}")
        click.echo(f"launching {name}: {campaign.launch_total} enterprise(s)")
    done, total = campaign.launch_done or 0, campaign.launch_total or 0
    opened = 0
    with click.progressbar(length=max(total, 1), label="opening cases", show_pos=True) as bar:
        bar.update(done)

        def progress(result: Any) -> None:
            nonlocal opened
            opened += result.opened
            if result.total != bar.length:
                bar.length = max(result.total, 1)
            bar.update(result.opened)

        try:
            run_launch(campaign_id, batch, progress)
        except DomainError as exc:
            _fail(f"the launch of {name} stopped: {exc.message} Run the command again to resume it.")
    finished = db.session.get(Campaign, campaign_id)
    if finished is None or launch_running(finished):
        _fail(f"the launch of {name} did not finish (another process holds it?); run the command again")
        return
    click.echo(f"launched {opened} case(s) in this run; {name}: {finished.launch_done} of "
               f"{finished.launch_total} done, status {finished.status}")
