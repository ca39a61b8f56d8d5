"""Fill a step's form in the browser the way a person does, from the same data the service tests submit.

The task page draws every form from the step's JSON Schema (app/tasks/web_form.py): each property is an
input with the id `f-<name>` (a nested one `f-members.0.name`), several choices are checkboxes
`f-<name>-<value>`, and a team's members are rows added with the form's own "add a row" button.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playwright.sync_api import Locator, Page


def control(page: Page, name: str) -> Locator:
    """The input, select or textarea of the form field `name` (ids with dots need an attribute selector)."""
    return page.locator(f'[id="f-{name}"]')


def _rows(page: Page, name: str) -> Locator:
    return page.locator(f'fieldset.group-row[id^="{name}-"]')


def fill_form(page: Page, data: Mapping[str, Any], prefix: str = "") -> None:
    """Type, tick and choose `data` into the task form on `page`; nothing is submitted."""
    for key, value in data.items():
        name = prefix + key
        if isinstance(value, list) and value and isinstance(value[0], Mapping):
            while _rows(page, name).count() < len(value):
                with page.expect_navigation():
                    page.locator(f'button[name="_action"][value="add:{name}"]').click()
            for index, row in enumerate(value):
                fill_form(page, row, f"{name}.{index}.")
        elif isinstance(value, list):
            for choice in value:
                page.locator(f'[id="f-{name}-{choice}"]').check()
        elif isinstance(value, bool):
            control(page, name).set_checked(value)
        else:
            field = control(page, name)
            if field.evaluate("element => element.tagName") == "SELECT":
                field.select_option(str(value))
            else:
                field.fill(str(value))
