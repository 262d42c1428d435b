"""Two `dixian projector` processes on one database: one projects, the other stands by; the active one killed
(SIGKILL) in the middle of the stream, the standby takes over within a bounded time and the read models end with
every event folded once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from domain.ledger import Ledger
from domain.readmodels.cases import open_summary_view
from domain.readmodels.registry import open_registry_view
from domain.readmodels.reports import open_report_view
from worker.cli.registry import load_demo
from workflows.kernel.settings import Settings
from workflows.ops.service import OpsService

REPO = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 0.5
SILENCE_SECONDS = 10  # the server ends a silent lease session after max(3 leases, 10 s)
HOUSEHOLDS = 1500


class Projector:
    """A `dixian projector` process with JSON logs in a file of its own."""

    def __init__(self, es_env: dict[str, str], data_dir: Path) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir / "projector.log"
        data_dir.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "POSTGRES_"))}
        env |= {k: v for k, v in es_env.items() if k.startswith("POSTGRES_") and k != "POSTGRES_POOL_SIZE"}
        env |= {
            "DIXIAN_DATA_DIR": str(data_dir),
            "DIXIAN_LOG_FORMAT": "json",
            "DIXIAN_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        self.env = env
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker.cli", "projector"],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stopped(self, within: float) -> int:
        """Its exit code, once it has stopped; if it has not within ``within`` seconds, where each of its threads is
        (faulthandler, `kill -USR1`) goes into the failure."""
        try:
            return self.process.wait(within)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # its threads
            time.sleep(1)
            self.process.send_signal(signal.SIGUSR2)  # its asyncio tasks
            time.sleep(2)
            said = self.log_path.read_text()
            raise AssertionError(f"still running after {within} s:\n{said[-20000:]}") from None

    def log_words(self) -> list[str]:
        """Which marks of a thread and task dump its log holds (faulthandler's, _print_tasks', the projector's)."""
        text = self.log_path.read_text(errors="replace")
        return [w for w in ("Current thread", "--- task", "run_projector") if w in text]

    def events(self) -> list[str]:
        said = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                said.append(json.loads(line)["event"])
            except (ValueError, KeyError, TypeError):
                continue
        return said

    def wait_for(self, event: str, within: float) -> float:
        """Wait until it logs ``event``; return when (monotonic)."""
        deadline = time.monotonic() + within
        while event not in self.events():
            assert self.process.poll() is None, self.log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, f"no {event} in {within} s:\n{self.log_path.read_text()[-3000:]}"
            time.sleep(0.05)
        return time.monotonic()

    def check(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "worker.cli", "projector", "--check"],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.mark.parametrize("how", ["killed", "frozen"])
def test_a_standby_projector_takes_over_from_a_dead_or_frozen_one_and_folds_every_event_once(
    es_env: dict[str, str], tmp_path: Path, how: str
) -> None:
    """Killed (SIGKILL): its sessions end with it. Frozen (SIGSTOP, as a hung process or a machine cut off): its
    lease session stays open until the server ends it for silence (worker.lease.server_options), and its batch's
    transaction until the server ends it for idling; resumed, it finds its lease gone and stands by."""
    settings = Settings(postgres_host=es_env["POSTGRES_HOST"], postgres_port=int(es_env["POSTGRES_PORT"]),
                        postgres_dbname=es_env["POSTGRES_DBNAME"], postgres_user=es_env["POSTGRES_USER"],
                        data_dir=tmp_path / "writer")  # fmt: skip
    Ledger(es_env).close()  # the event store's tables, before the projectors follow it
    first = Projector(es_env, tmp_path / "first")
    second: Projector | None = None
    try:
        first.wait_for("projector_active", 60)
        if how == "killed":  # what an operator sees of a projector that does not stop: its threads and tasks
            first.process.send_signal(signal.SIGUSR1)
            first.process.send_signal(signal.SIGUSR2)
            deadline = time.monotonic() + 10
            while len(first.log_words()) < 3:
                assert time.monotonic() < deadline, first.log_path.read_text()[-3000:]
                time.sleep(0.1)
        second = Projector(es_env, tmp_path / "second")
        second.wait_for("projector_standby", 60)
        assert "projector_active" not in second.events()
        assert first.check().stdout.startswith("active") and second.check().stdout.startswith("standby")

        written: dict[str, Any] = {}
        writing = threading.Thread(target=lambda: written.update(load_demo(settings, HOUSEHOLDS, 7, with_cases=True)))
        writing.start()
        registry = open_registry_view(es_env)
        while not (registry.max_tracking_id(Ledger.name) or 0):  # the first has folded part of the stream
            assert writing.is_alive(), "the stream was written before the projector folded any of it"
            time.sleep(0.02)
        assert writing.is_alive(), "killed after the stream, not in the middle of it"
        first.process.send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        killed = time.monotonic()
        took_over = second.wait_for("projector_active", 60)
        # Killed, the lock dies with the first's session at once; frozen, when the server ends the silent session.
        within = LEASE_SECONDS + 5 if how == "killed" else SILENCE_SECONDS + LEASE_SECONDS + 5
        assert took_over - killed < within, took_over - killed
        if how == "frozen":
            first.process.send_signal(signal.SIGCONT)  # back: its lease is gone, so it stands by
            first.wait_for("projector_standby", 60)
            assert "projector_lease_lost" in first.events()
            assert first.process.poll() is None
        writing.join(120)
        assert not writing.is_alive() and written["households"] == HOUSEHOLDS, written

        ledger = Ledger(es_env)
        ops = OpsService(ledger, open_summary_view(es_env), registry, open_report_view(es_env))
        deadline = time.monotonic() + 120
        while any(ops.lag().values()):
            assert time.monotonic() < deadline, ops.lag()
            time.sleep(0.2)
        assert set(ops.lag()) == {"case_summaries", "registry", "reports"}
        households = registry.households(area_prefixes=[""], limit=HOUSEHOLDS + 10, offset=0)
        assert len(households) == HOUSEHOLDS
        assert len({h["household_number"] for h in households}) == HOUSEHOLDS
        cases = ops.summaries.search(area_prefix="", filters={}, limit=HOUSEHOLDS, offset=0)
        assert len(cases) == written["cases"] > 0
        assert second.check().stdout.startswith("active")
        if how == "frozen":
            assert first.check().stdout.startswith("standby")
        ledger.close()

        second.process.send_signal(signal.SIGTERM)  # a graceful stop: the lock is given up
        assert second.stopped(30) == 0
        assert "projector_stopped" in second.events()
    finally:
        first.stop()
        if second is not None:
            second.stop()
