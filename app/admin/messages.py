"""The services' field messages as the admin pages show them, marked so that the catalog translates them.

`accounts.users`, `reference.*` and the API's schemas write their field messages in plain English (the API
answers them as they are); the pages pass each through `say()`. A message with a value the service fills
in at run time (an id, a line number) has no fixed text and stays English.
"""

from __future__ import annotations

from ..i18n import N_

SERVICE_MESSAGES = (
    # accounts.users
    N_("This user name is taken."),
    N_("Use 3 to 64 characters: lower-case letters, digits, dot, underscore or hyphen."),
    N_("Use at least 10 characters."), N_("Give a name of 1 to 80 characters."),
    N_("Give an e-mail address such as name@example.org, or leave it empty."),
    N_("A supervisor needs at least one district."), N_("A representative needs at least one enterprise."),
    N_("You cannot disable your own account."), N_("You cannot change your own role."),
    N_("Only instructors have industries."), N_("Only instructors have max caseload."),
    N_("Choose one of: admin, supervisor, instructor, union_rep, enterprise_rep."), N_("No such id."),
    # reference: guidelines and their schema
    N_("Give a percentage from 0 to 100."), N_("Give at most two decimals."), N_("Give a year from 1990 to 2100."),
    # reference: rule sets and their schema
    N_("Give a fraction such as 2/3 or 0.5."), N_("Give a share above 0 and at most 1, e.g. 2/3."),
    N_("Use lower-case letters, digits and hyphens, at most 40 characters (e.g. shenyang-2026)."),
    N_("The diagram counts on from this clock's due day; it cannot be switched off."),
    N_("Give from 1 to 100 representatives."), N_("Give from 1 to 120 months."),
    N_("Give from 1 to 366 calendar days."), N_("Give from 1 to 250 working days."), N_("Give from 1 to 36 months."),
    N_("Give from 0 to 366 calendar days."), N_("Give from 0 to 250 working days."), N_("Give from 0 to 36 months."),
)
