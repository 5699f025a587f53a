"""enrich_many(client=...) on a LocalCluster of two worker processes: rows equal the
single-process run exactly, whatever the input, and a worker killed mid-run loses and
duplicates nothing."""

from __future__ import annotations

import logging
import pickle
import platform
import threading
import time

import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.engine.distributed import allocator_pinned
from screens import compact, long_table, make_queries, read_dataset, reference, write_gmt

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.filterwarnings("ignore::pfocr_enrich.GeneMappingWarning")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def queries(pfocr2018):
    return make_queries(pfocr2018)


@pytest.mark.parametrize("keep", [None, "fdr<=0.05", 5])
def test_dask_frame_equals_the_single_process_run(keep, client, queries, pfocr2018):
    result = pe.enrich_many(queries, pfocr2018, keep=keep, client=client, chunk_size=7)
    assert isinstance(result, dd.DataFrame)
    assert result.npartitions == 5  # 30 queries, 7 per task
    assert list(result.dtypes.astype(str)) == list(result._meta.dtypes.astype(str))
    pd.testing.assert_frame_equal(
        compact(result.compute()), reference(queries, pfocr2018, keep=keep), check_exact=True
    )


@pytest.mark.parametrize("keep", [None, "fdr<=0.05"])
@pytest.mark.parametrize("kind", ["gmt", "parquet", "long table"])
def test_out_is_written_by_the_workers(kind, keep, client, queries, pfocr2018, tmp_path):
    if kind == "gmt":
        source = write_gmt(queries, tmp_path / "q.gmt")
    elif kind == "parquet":
        source = tmp_path / "q.parquet"
        long_table(queries).to_parquet(source)
    else:
        source = long_table(queries)
    out = tmp_path / "out"
    written = pe.enrich_many(source, pfocr2018, keep=keep, client=client, out=out, chunk_size=4)
    expected = reference(queries, pfocr2018, keep=keep)
    assert sorted(p.name for p in out.iterdir()) == [f"part-{i:06d}.parquet" for i in range(8)]
    assert (written.queries, written.rows) == (30, len(expected))
    pd.testing.assert_frame_equal(read_dataset(out), expected, check_exact=True)


def test_the_queries_reach_the_workers_in_files_not_in_the_tasks(
    client, queries, pfocr2018, tmp_path
):
    """The scheduler's debugging logs keep the last 1,000 message batches of each stream:
    with the queries inside the tasks, a driver running its scheduler grew with them."""
    from distributed.batched import BatchedSend

    def logged_bytes(dask_scheduler) -> int:  # the compute-task messages sent to workers
        sizes = 0
        for stream in dask_scheduler.stream_comms.values():
            assert isinstance(stream, BatchedSend)
            for batch in stream.recent_message_log:
                for msg in batch if isinstance(batch, list) else []:
                    if msg.get("op") == "compute-task" and "_write_task" in str(msg["key"]):
                        sizes += len(pickle.dumps(msg))
        return sizes

    many = {f"{name}_{i}": genes * 20 for i in range(4) for name, genes in queries.items()}
    before = client.run_on_scheduler(logged_bytes)
    pe.enrich_many(many, pfocr2018, keep=5, client=client, out=tmp_path / "out", chunk_size=10)
    logged = client.run_on_scheduler(logged_bytes) - before
    assert 0 < logged < 12 * 2_000  # 12 tasks, each a path (the queries: ~10 kB a task)


def test_a_dask_dataframe_of_query_gene_rows_is_an_input(client, queries, pfocr2018, tmp_path):
    frame = dd.from_pandas(long_table(queries), npartitions=3)  # queries cut across partitions
    expected = reference(queries, pfocr2018, keep=5)
    got = pe.enrich_many(frame, pfocr2018, keep=5, client=client).compute()
    order = {name: i for i, name in enumerate(queries)}
    got = got.sort_values(["query", "rank"], key=lambda s: s.map(order) if s.name == "query" else s)
    pd.testing.assert_frame_equal(compact(got), expected, check_exact=True)
    out = tmp_path / "out"
    written = pe.enrich_many(frame, pfocr2018, keep=5, client=client, out=out)
    assert (written.queries, written.rows) == (30, len(expected))
    stored = read_dataset(out).sort_values(
        ["query", "rank"], key=lambda s: s.map(order) if s.name == "query" else s
    )
    pd.testing.assert_frame_equal(stored.reset_index(drop=True), expected, check_exact=True)


def _screens(client) -> set[str]:
    return {key for key in client.who_has() if str(key).startswith("Screen-")}


def test_the_library_is_shipped_once_per_worker(client, queries, pfocr2018):
    earlier = _screens(client)  # those of earlier tests may not be released yet
    result = pe.enrich_many(queries, pfocr2018, keep=1, client=client, chunk_size=3)
    graph = dict(result.__dask_graph__())
    shipped = _screens(client) - earlier
    assert len(shipped) == 1  # one scattered Screen, held by both workers
    assert len(client.who_has()[next(iter(shipped))]) == 2
    assert not any(isinstance(v, pe.GeneSetLibrary) for v in graph.values())  # not in the graph
    del result


def test_bad_client(pfocr2018):
    with pytest.raises(TypeError, match="'client' parameter of enrich_many must be a dask"):
        pe.enrich_many({"a": ["7157"]}, pfocr2018, client="tcp://127.0.0.1:8786")


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(
    cluster, client, queries, pfocr2018, tmp_path
):
    many = {f"{name}_{i}": genes for i in range(8) for name, genes in queries.items()}  # 240
    expected = reference(many, pfocr2018, keep="fdr<=0.05")
    out = tmp_path / "out"
    done: dict[str, object] = {}

    def run() -> None:
        try:
            done["written"] = pe.enrich_many(
                many, pfocr2018, keep="fdr<=0.05", client=client, out=out, chunk_size=4
            )
        except BaseException as exc:  # reported by the assertions below
            done["error"] = exc

    before = set(client.scheduler_info()["workers"])
    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.005)
    victim = next((addr for addr, keys in client.processing().items() if keys), next(iter(before)))
    parts_at_kill = len(list(out.glob("part-*.parquet")))
    nanny = next(n for n in cluster.workers.values() if n.worker_address == victim)
    nanny.process.process.kill()  # SIGKILL: no goodbye to the scheduler
    thread.join(timeout=120)
    assert not thread.is_alive() and "error" not in done, done.get("error")
    assert parts_at_kill < 60  # the kill happened mid-run
    assert victim not in client.scheduler_info()["workers"]  # that worker was really lost
    written = done["written"]
    assert (written.queries, written.rows) == (240, len(expected))
    assert len(list(out.glob("part-*.parquet"))) == 60
    pd.testing.assert_frame_equal(read_dataset(out), expected, check_exact=True)


def test_progress_bar_counts_the_queries_the_workers_wrote(
    client, queries, pfocr2018, tmp_path, capsys
):
    out = tmp_path / "out"
    written = pe.enrich_many(
        queries, pfocr2018, keep=2, client=client, out=out, chunk_size=4, progress=True
    )
    bar = capsys.readouterr().err  # tqdm writes to stderr, advanced as each task finishes
    assert "enrich_many (cluster)" in bar and "/30 [" in bar  # its total: the 30 queries
    pd.testing.assert_frame_equal(read_dataset(out), reference(queries, pfocr2018, keep=2))
    assert written.queries == 30


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc settings")
def test_workers_with_dask_default_malloc_settings_are_reported(
    client, queries, pfocr2018, caplog, monkeypatch
):
    # dask's nanny sets MALLOC_TRIM_THRESHOLD_ (and no mmap threshold) on the fixture's workers
    assert all(client.run(allocator_pinned).values())
    with caplog.at_level(logging.WARNING, logger="pfocr_enrich.engine.distributed"):
        pe.enrich_many(queries, pfocr2018, keep=1, client=client).compute()
    assert "2 of 2 workers run with MALLOC_TRIM_THRESHOLD_" in caplog.text
    assert "MALLOC_MMAP_THRESHOLD_=67108864" in caplog.text
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "67108864")
    assert not allocator_pinned()
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    assert not allocator_pinned()


def test_a_screen_survives_losing_every_worker(cluster, client, queries, pfocr2018, tmp_path):
    """Both workers killed mid-run: the nannies start new ones, and the shipped library (a task
    result, not scattered data) is rebuilt there, so the screen still completes exactly."""
    many = {f"{name}_{i}": genes for i in range(4) for name, genes in queries.items()}  # 120
    expected = reference(many, pfocr2018, keep=5)
    out = tmp_path / "out"
    done: dict[str, object] = {}

    def run() -> None:
        try:
            done["written"] = pe.enrich_many(
                many, pfocr2018, keep=5, client=client, out=out, chunk_size=4
            )
        except BaseException as exc:  # reported by the assertions below
            done["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.005)
    for nanny in list(cluster.workers.values()):
        nanny.process.process.kill()
    thread.join(timeout=180)
    assert not thread.is_alive() and "error" not in done, done.get("error")
    written = done["written"]
    assert (written.queries, written.rows) == (120, len(expected))
    pd.testing.assert_frame_equal(read_dataset(out), expected, check_exact=True)
