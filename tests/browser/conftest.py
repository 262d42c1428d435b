"""The console's browser tests: Chromium (the distribution's, through Playwright) against the real stack served on a
port. Each page is checked for a title and labelled inputs and kept as a screenshot in build/screenshots/; every
request that leaves the console's origin and every error a page logs is collected for the test to assert on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, Page, async_playwright
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from domain.accounts.commands import AccountRecord
from domain.kernel.actors import SYSTEM_ACTOR, Actor
from domain.kernel.envelope import Envelope
from tests.browser.chromium import find
from tests.conftest import free_port
from tests.integration.conftest import ACTORS, Stack, run_stack

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@dataclass
class Console:
    stack: Stack
    base: str
    browser: Browser
    foreign: list[str] = field(default_factory=list)  # requests to any other origin
    errors: list[str] = field(default_factory=list)  # console errors and uncaught page errors

    async def page(self, size: str = "phone", also: list[str] = []) -> Page:  # noqa: B006 (read only)
        """A page at ``size`` that may reach the console's origin (and ``also``, e.g. an identity provider's)."""
        context = await self.browser.new_context(viewport=SIZES[size], locale="zh-CN")
        page = await context.new_page()
        origin = urlparse(self.base).netloc

        async def only_ours(route, request) -> None:  # type: ignore[no-untyped-def]
            if urlparse(request.url).netloc not in (origin, *(urlparse(a).netloc for a in also)):
                self.foreign.append(request.url)
                await route.abort()
            else:
                await route.continue_()

        await page.route("**/*", only_ours)
        # A refusal's page answers 4xx on purpose (the browser logs that as a failed load); anything else that fails
        # to load, or any script error, is an error.
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and not m.text.startswith(
            "Failed to load resource: the server responded with a status of 4") else None)  # fmt: skip
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400
                and r.request.resource_type != "document" else None)  # fmt: skip
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    async def sign_in(self, page: Page, who: str | Actor) -> None:
        """Sign in on ``page`` as ``who`` (a test actor's key, an actor, or an account's name), signed out first."""
        name = who.name if isinstance(who, Actor) else ACTORS[who].name if who in ACTORS else who
        await page.context.clear_cookies()
        await page.goto(f"{self.base}/console/login")
        await page.get_by_label(name, exact=False).check()
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_url(f"{self.base}/console")


def seed_accounts(stack: Stack, *people: Actor | AccountRecord) -> None:
    """Accounts for the people a test signs in as (a test actor's, or a record as it is), each made once."""
    for person in people:
        record = person if isinstance(person, AccountRecord) else AccountRecord(
            user_id=person.id, name=person.name, role=person.role.value, area_code=person.area_code,
            department=person.department)  # fmt: skip
        if stack.ledger.accounts.find(record.user_id) is None:
            stack.ledger.accounts.add(Envelope(SYSTEM_ACTOR, f"seed:{record.user_id}", datetime.now(UTC)), record,
                                      reason="测试用户")  # fmt: skip


async def shot(page: Page, name: str) -> None:
    """Every page at the size it is shown: its title and labelled inputs checked, the screenshot kept."""
    assert (await page.title()).strip(), f"{page.url} has no title"
    unlabelled = await page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea",
        "els => els.filter(e => !(e.labels && e.labels.length) && !e.closest('label')).map(e => e.name)",
    )
    assert unlabelled == [], f"{page.url}: inputs without a label: {unlabelled}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    await page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest_asyncio.fixture(loop_scope="session")
async def console(temporal_env: WorkflowEnvironment, es_env: dict[str, str]) -> AsyncIterator[Console]:
    chromium = find()
    assert chromium, "no Chromium: `make test` installs it first (tests/browser/chromium.py)"
    async for stack in run_stack(temporal_env.client, es_env):
        seed_accounts(stack, *(ACTORS[who] for who in ("cadre", "other_cadre", "township", "county")))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(stack.services), host="127.0.0.1", port=port,
                                               log_level="warning"))  # fmt: skip
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.05)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                yield Console(stack, f"http://127.0.0.1:{port}", browser)
            finally:
                await browser.close()
                server.should_exit = True
                await serving
