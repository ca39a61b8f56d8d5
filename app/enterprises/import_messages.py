"""The registry importer's messages as a page shows them: translated from the templates they are built from.

The importer (importer.py, credit_code.py) writes its row errors and refusals in English with the
values filled in, for the API and the command line. These are the same sentences as templates, in the
importer's order; keep them in step with it when a message there changes (tests/web/
test_campaign_pages.py checks that the messages of a bad file all come out translated).
"""

from __future__ import annotations

from ..i18n import N_
from ..message_patterns import Patterns

IMPORT_MESSAGES = Patterns(
    (
        # refusals of the whole file
        N_('"%(name)s" is not an Excel workbook (.xlsx): it is %(what)s; save it in Excel as .xlsx.'),
        N_('"%(name)s" is not an Excel workbook (.xlsx): it is %(what)s.'),
        N_('"%(name)s" is not an Excel workbook (.xlsx): the zip archive is damaged (%(detail)s).'),
        N_('"%(name)s" is not an Excel workbook (.xlsx): a zip archive of %(count)s files.'),
        N_('"%(name)s" is not an Excel workbook (.xlsx): a zip archive without %(parts)s.'),
        N_('"%(name)s" would unpack to %(size)s, more than the %(limit)s a registry workbook may hold (a zip '
           "bomb?); nothing was unpacked."),
        N_('"%(name)s": %(member)s is compressed %(ratio)s times, which no worksheet is (a zip bomb?); nothing was '
           "unpacked."),
        N_('"%(name)s" could not be read as an Excel workbook (%(detail)s).'),
        N_('"%(name)s" has no worksheet.'),
        N_('"%(name)s": the first worksheet claims rows past %(max)s.'),
        N_('"%(name)s": the first worksheet could not be read (%(detail)s).'),
        N_('"%(name)s" is UTF-16 text (Excel\'s "Unicode text"); save it as "CSV UTF-8" instead.'),
        N_('"%(name)s" is not a CSV text file: it is %(what)s. Save the sheet in Excel as "CSV UTF-8", or import '
           "the .xlsx itself."),
        N_('"%(name)s" is neither UTF-8 nor GB18030 text; save the sheet in Excel as "CSV UTF-8".'),
        N_('"%(name)s" is not valid CSV at row %(row)s: %(detail)s.'),
        N_('"%(name)s" has more than %(max)s rows; import it in several files.'),
        N_('"%(name)s" is an old-format Excel file (.xls); save it in Excel as .xlsx.'),
        N_('"%(name)s": only Excel workbooks (.xlsx) and CSV files (.csv) are imported.'),
        N_('"%(name)s" is empty: it needs a header row and a row per enterprise.'),
        N_('"%(name)s" has a header (row %(row)s) but no enterprise below it.'),
        N_('"%(name)s" is larger than %(size)s; import the registry in several files.'),
        # errors of a row or of the header
        N_('The column "%(first)s" already gives %(label)s; keep one of the two.'),
        N_("Required column missing: %(label)s; accepted headers: %(aliases)s."),
        N_("Required: the cell is empty."),
        N_("The code was stored as a number, which Excel rounds to 15 digits; format the column as text and type "
           "the code again."),
        N_("A credit code has 18 characters, not %(count)s."),
        N_("Characters not allowed in a credit code: %(chars)s (I, O, S, V and Z are never used)."),
        N_("The check character should be %(right)s, not %(wrong)s: mistyped code?"),
        N_("At most %(limit)s characters (this one has %(count)s)."),
        N_("Give a whole number of people, e.g. 120."),
        N_('"%(text)s" is not a whole number of people.'),
        N_("Give a number of people from 0 to %(max)s, not %(number)s."),
        N_('"%(text)s" is not a GB/T 4754 section: give its letter A to T or its name, e.g. C or 制造业.'),
        N_('"%(word)s" is neither yes nor no: write 是 or 否 (or yes/no, 1/0).'),
        N_('"%(word)s" is not a registration type: one of 国有, 集体, 私营, 外商投资, 港澳台投资, 其他 (or %(keys)s).'),
        N_('No district is named or coded "%(text)s".'),
        N_("%(code)s is already given on row %(row)s."),
        N_("%(women)s women employees is more than the %(employees)s employees."),
        N_("Not one of your districts: you may import only enterprises of your own districts."),
        N_("This credit code is already registered outside your districts."),
        N_("Fewer than the %(women)s women employees the registry has; give 女职工人数 too."),
        N_("The enterprise has an open case in its district; finish or cancel it before moving it."),
        # warnings
        N_('Column "%(header)s" is not a registry field; it was ignored.'),
    ),
    # What a refused file turned out to be (importer._what_it_is).
    words=(N_("a PDF document"), N_("an old-format (.xls) or password-protected Office file"), N_("a zip archive"),
           N_("a PNG image"), N_("a JPEG image"), N_("an RTF document"), N_("a binary file"), N_("a text file"),
           N_("empty")),
)


def import_message(message: str) -> str:
    """An importer message in the page's language."""
    return IMPORT_MESSAGES.translate(message)
