"""The projector folds a busy log in batches, several events to a transaction of the view, and a batch is applied
whole or not at all: an event that fails rolls back the rows and tracking of the events before it in its batch, and
they are folded again, once each, by the next run."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.persistence import Tracking

from domain.kernel.areas import DEFAULT_AREAS
from domain.ledger import Ledger
from domain.readmodels.registry import RegistryProjection, RegistryView, open_registry_view
from domain.readmodels.schema import BATCH, BatchingProjectionRunner, follower_env, last_position_of
from worker.cli.registry import DEMO_AS_OF, load_demo
from worker.demo.township import generate
from workflows.kernel.settings import Settings

HOUSEHOLDS = 450  # more than two batches of the registry's events (each household one, with staff besides)
SEED = 3


class CountingView(RegistryView):
    batches: ClassVar[list[int]] = []  # the events folded by each batch, in order
    fail_on: ClassVar[str | None] = None  # a household number whose row cannot be written

    def batch(self) -> Any:
        inner = super().batch()
        outer = self

        class Counted:
            def __enter__(self) -> None:
                inner.__enter__()
                outer.batches.append(0)

            def __exit__(self, *exc: Any) -> Any:
                return inner.__exit__(*exc)

        return Counted()

    def upsert_household(self, tracking: Tracking, row: dict[str, Any]) -> None:
        if row["household_number"] == self.fail_on:
            raise RuntimeError("this row cannot be written")
        super().upsert_household(tracking, row)
        self.batches[-1] += 1


def write_demo(es_env: dict[str, str], tmp_path: Any) -> list[str]:
    """A demo township's staff and households, written one by one; the household numbers in the order written."""
    settings = Settings(postgres_host=es_env["POSTGRES_HOST"], postgres_port=int(es_env["POSTGRES_PORT"]),
                        postgres_dbname=es_env["POSTGRES_DBNAME"], postgres_user=es_env["POSTGRES_USER"],
                        data_dir=tmp_path)  # fmt: skip
    assert load_demo(settings, HOUSEHOLDS, SEED)["households"] == HOUSEHOLDS
    return [h.household_number for h in generate(HOUSEHOLDS, SEED, DEFAULT_AREAS, DEMO_AS_OF).households]


def run(es_env: dict[str, str], until: int) -> BaseException | None:
    """Fold the registry until its tracking reaches ``until`` or the runner fails; its error, if any."""
    with BatchingProjectionRunner(
        application_class=Ledger, projection_class=RegistryProjection, view_class=CountingView,
        env=follower_env(es_env),
    ) as runner:  # fmt: skip
        try:
            runner.wait(until, timeout=60)
        except RuntimeError as e:  # the runner's own error, raised where it is waited for
            return e
    return None


def test_a_busy_log_is_folded_in_batches_and_a_failed_batch_is_rolled_back_whole(
    es_env: dict[str, str], tmp_path: Any
) -> None:
    order = write_demo(es_env, tmp_path)
    ledger = Ledger(es_env)
    last = last_position_of(ledger.recorder, RegistryProjection.topics, ledger.recorder.max_notification_id() or 0)
    view = open_registry_view(es_env)
    CountingView.batches.clear()
    CountingView.fail_on = order[300]

    failed = run(es_env, last)
    assert isinstance(failed, RuntimeError) and "cannot be written" in str(failed), failed
    folded = {h["household_number"] for h in view.households(area_prefixes=[""], limit=HOUSEHOLDS, offset=0)}
    # The batches before the failing one were committed whole; none of the failing batch was, not even the
    # households folded in it before the failure.
    assert folded == set(order[: sum(CountingView.batches[:-1])])
    assert order[300] not in folded and len(folded) <= 300
    assert view.max_tracking_id(ledger.name) < last
    assert max(CountingView.batches) > 1 and all(n <= BATCH for n in CountingView.batches)  # several to a commit

    CountingView.fail_on = None
    assert run(es_env, last) is None
    rows = view.households(area_prefixes=[""], limit=HOUSEHOLDS + 1, offset=0)
    assert sorted(h["household_number"] for h in rows) == sorted(order)  # each once, none lost
    assert view.max_tracking_id(ledger.name) == last
    ledger.close()
