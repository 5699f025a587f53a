"""Official releases: load_pfocr's download, verify, cache and reload cycle, errors, and the cache.

The loopback server of sources/release_server.py serves a fake release tree; no
test touches the internet; every cache is a tmp_path. Downloads under faults are
in test_download.py, the cached release in test_manifest.py, listings in
test_listing.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pfocr_enrich as pe
from pfocr_enrich._util.files import CACHE_ENV
from pfocr_enrich.errors import PfocrEnrichError
from pfocr_enrich.sources import download, listing, manifest, releases, snapshots
from pfocr_enrich.sources.releases import (
    ChecksumError,
    OfflineError,
    ReleaseNotFoundError,
    cached_releases,
    clear_cache,
    load_pfocr,
)
from sources.release_server import (
    GMT_PATH,
    HUMAN,
    OLD_HUMAN,
    files_in,
    python,
    sha256,
)


def test_current_is_downloaded_verified_cached_and_recorded_as_its_date(server, cache):
    lib = load_pfocr(cache_dir=cache, base_url=server.base_url)
    served = server.root / "pfocr" / "20240410" / HUMAN
    digest = sha256(served)
    assert len(lib) == 216 and lib == pe.read_gmt(served)
    info = lib.info
    assert info["release"] == "20240410" and info["release_date"] == "2024-04-10"
    assert info["url"] == info["source"] == f"{server.base_url}/20240410/{HUMAN}"
    assert info["organism"] == "Homo sapiens"
    assert info["sha256"] == digest and info["checksum"] == f"sha256:{digest}"
    assert info["size"] == served.stat().st_size
    assert "current" not in json.dumps(info)
    folder = cache / "releases" / "20240410"
    assert files_in(folder) == sorted([HUMAN, HUMAN[:-4] + ".manifest.json", HUMAN[:-4] + ".npz"])
    manifest = json.loads((folder / (HUMAN[:-4] + ".manifest.json")).read_text())
    assert (manifest["sha256"], manifest["size"], manifest["release"]) == (
        digest,
        info["size"],
        "20240410",
    )
    assert manifest["requested"] == "current"
    table = cached_releases(cache_dir=cache)
    assert table[["release", "organism", "sha256", "library"]].values.tolist() == [
        ["20240410", "Homo sapiens", digest, True]
    ]
    assert server.count(GMT_PATH) == 1 and server.count("/pfocr/current/") == 1


def test_warm_loads_come_from_the_cache(server, cache, dead_url):
    first = load_pfocr("current", cache_dir=cache, base_url=server.base_url)
    again = load_pfocr("current", cache_dir=cache, base_url=server.base_url)  # lists current/ only
    assert server.count(GMT_PATH) == 1 and server.count("/pfocr/current/") == 2
    offline = load_pfocr(
        "20240410", cache_dir=cache, base_url=dead_url
    )  # a dated release needs no network
    for lib in (again, offline):
        assert lib == first and lib.info == first.info
        assert lib.sets.equals(first.sets)


def test_a_pinned_checksum_is_checked_on_download_and_on_cached_files(server, cache):
    digest = sha256(server.root / "pfocr" / "20231010" / OLD_HUMAN)
    lib = load_pfocr(
        "20231010", cache_dir=cache, base_url=server.base_url, checksum=f"sha256:{digest}"
    )
    assert len(lib) == 3415 and lib.info["sha256"] == digest
    assert (
        len(
            load_pfocr(
                "20231010", cache_dir=cache, base_url=server.base_url, checksum=digest.upper()
            )
        )
        == 3415
    )
    wrong = "0" * 64
    with pytest.raises(
        ChecksumError, match=f"cached with SHA-256 {digest}.*but checksum {wrong}"
    ) as err:
        load_pfocr("20231010", cache_dir=cache, base_url=server.base_url, checksum=wrong)
    assert (err.value.expected, err.value.actual) == (wrong, digest)
    assert cached_releases(cache_dir=cache)["release"].tolist() == ["20231010"]  # the cache is kept
    assert server.count(f"/pfocr/20231010/{OLD_HUMAN}") == 1


def test_another_organism_and_the_chemical_gmt_is_never_taken(server, cache):
    mouse = load_pfocr("current", "Mus musculus", cache_dir=cache, base_url=server.base_url)
    assert mouse.info["organism"] == "Mus musculus" and mouse.info["release"] == "20240410"
    assert "TP53" in set(mouse.genes) or "Tp53" in set(mouse.genes)  # the symbols file was served
    assert not any("chemical" in p for p in server.requests)
    assert cached_releases(cache_dir=cache)["organism"].tolist() == ["Mus musculus"]


def test_the_current_folder_is_used_when_the_dated_folder_lacks_the_file(server, cache):
    (server.root / "pfocr" / "20240410" / HUMAN).unlink()
    lib = load_pfocr(cache_dir=cache, base_url=server.base_url)
    assert lib.info["release"] == "20240410"
    assert lib.info["url"] == f"{server.base_url}/current/{HUMAN}"


def test_http_404_for_a_release_names_the_available_releases(server, cache):
    with pytest.raises(
        ReleaseNotFoundError,
        match=r"no such PFOCR release/organism.*available releases: 20231010, 20240410",
    ) as err:
        load_pfocr("20991231", cache_dir=cache, base_url=server.base_url)
    assert err.value.available == ["20231010", "20240410"] and err.value.release == "20991231"
    assert isinstance(err.value, LookupError) and isinstance(err.value, PfocrEnrichError)
    assert files_in(cache) == []


def test_http_404_for_an_organism_names_the_organisms_of_the_release(server, cache):
    with pytest.raises(
        ReleaseNotFoundError,
        match="no such organism in PFOCR release 20240410.*Homo sapiens, Mus musculus",
    ):
        load_pfocr("20240410", "Danio rerio", cache_dir=cache, base_url=server.base_url)
    with pytest.raises(
        ReleaseNotFoundError, match="current PFOCR release .* no GMT for organism 'Danio rerio'"
    ):
        load_pfocr("current", "Danio rerio", cache_dir=cache, base_url=server.base_url)
    assert files_in(cache) == []


def test_a_missing_release_is_never_replaced_by_a_cached_one(server, cache):
    load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    with pytest.raises(ReleaseNotFoundError):
        load_pfocr("20231011", cache_dir=cache, base_url=server.base_url)


def test_offline_lists_the_cached_releases_and_loads_none_of_them(server, cache, dead_url):
    load_pfocr("20231010", cache_dir=cache, base_url=server.base_url)
    load_pfocr("20240410", "Mus musculus", cache_dir=cache, base_url=server.base_url)
    with pytest.raises(
        OfflineError,
        match=r"(?s)cannot reach .* current release .*connection refused.*"
        r"usable offline: 20231010 \(pass release='20231010'\); nothing was loaded.*"
        r"Other cached releases: 20240410 \(Mus musculus\)",
    ) as err:
        load_pfocr("current", cache_dir=cache, base_url=dead_url)
    assert err.value.cached == ["20231010"]
    assert isinstance(err.value, ConnectionError)
    with pytest.raises(OfflineError, match="release 20240410 .*usable offline: 20231010"):
        load_pfocr("20240410", cache_dir=cache, base_url=dead_url)


def test_offline_with_an_empty_cache_points_to_the_sample(cache, dead_url):
    with pytest.raises(
        OfflineError, match=r"No release of Homo sapiens is cached .*sample_library"
    ):
        load_pfocr(cache_dir=cache, base_url=dead_url)
    assert files_in(cache) == []


def test_two_processes_filling_the_cache_at_once_do_not_corrupt_it(server, cache):
    server.faults[GMT_PATH] = "slow"
    code = (
        "import json, pfocr_enrich.sources.releases as r\n"
        f"lib = r.load_pfocr('20240410', cache_dir={str(cache)!r}, base_url={server.base_url!r})\n"
        "sets = sorted(lib.to_dict().items())[:3]\n"
        "print(json.dumps([len(lib), lib.n_genes, lib.info['sha256'], sets]))\n"
    )
    procs = [python(code) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    results = [json.loads(out) for out, _ in outputs]
    digest = sha256(server.root / "pfocr" / "20240410" / HUMAN)
    assert results[0] == results[1] and results[0][:3] == [216, results[0][1], digest]
    folder = cache / "releases" / "20240410"
    assert files_in(folder) == sorted([HUMAN, HUMAN[:-4] + ".manifest.json", HUMAN[:-4] + ".npz"])
    assert sha256(folder / HUMAN) == digest
    assert server.count(GMT_PATH) == 2  # both downloaded at once: the slow body takes ~2 s
    lib = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert lib == pe.read_gmt(server.root / "pfocr" / "20240410" / HUMAN)


def test_clear_cache_removes_one_release_or_all_and_only_our_files(server, cache, tmp_path):
    load_pfocr("20231010", cache_dir=cache, base_url=server.base_url)
    load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    foreign = cache / "releases" / "20240410" / "notes.txt"
    foreign.write_text("mine")
    (cache / "releases" / "20231010" / "tmpab12cd34").write_bytes(b"partial")  # a killed download
    removed = clear_cache(cache_dir=cache, release="20231010")
    assert sorted(Path(p).name for p in removed) == sorted(
        [OLD_HUMAN, OLD_HUMAN[:-4] + ".manifest.json", OLD_HUMAN[:-4] + ".npz", "tmpab12cd34"]
    )
    assert not (cache / "releases" / "20231010").exists()
    assert cached_releases(cache_dir=cache)["release"].tolist() == ["20240410"]
    assert len(clear_cache(cache_dir=cache)) == 3
    assert files_in(cache) == ["notes.txt"] and cached_releases(cache_dir=cache).empty
    assert clear_cache(cache_dir=tmp_path / "nothing-here") == []


def test_the_default_cache_folder_follows_the_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env-cache"))
    load_pfocr("20240410", base_url=server.base_url)
    assert cached_releases()["release"].tolist() == ["20240410"]
    assert (tmp_path / "env-cache" / "releases" / "20240410" / HUMAN).is_file()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"release": "2024-04-10"},
            "The 'release' parameter of load_pfocr must be 'current' or a release date "
            "'YYYYMMDD'. Got '2024-04-10'",
        ),
        (
            {"release": "20241399"},
            "must be 'current' or a release date 'YYYYMMDD' \\(a real date\\)",
        ),
        (
            {"organism": "Homo/sapiens"},
            "The 'organism' parameter of load_pfocr must be a species name",
        ),
        (
            {"checksum": "abc"},
            "The 'checksum' parameter of load_pfocr must be None or a SHA-256 hex digest",
        ),
        (
            {"base_url": "ftp://example.org/pfocr"},
            "The 'base_url' parameter of load_pfocr must be an http",
        ),
    ],
)
def test_argument_errors_name_the_parameter(kwargs, message, dead_url):
    with pytest.raises(ValueError, match=message):
        load_pfocr(**{"base_url": dead_url, **kwargs})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"progress": "yes"}, "The 'progress' parameter of load_pfocr must be a bool"),
        ({"cache_dir": 3}, "The 'cache_dir' parameter of load_pfocr must be None or a folder path"),
        ({"organism": 9606}, "The 'organism' parameter of load_pfocr must be a species name"),
        ({"checksum": b"abc"}, "The 'checksum' parameter of load_pfocr must be None or a SHA-256"),
    ],
)
def test_wrong_types_are_type_errors(kwargs, message, dead_url):
    with pytest.raises(TypeError, match=message):
        load_pfocr(**{"base_url": dead_url, **kwargs})


def test_clear_cache_rejects_current(tmp_path):
    with pytest.raises(
        ValueError, match="The 'release' parameter of clear_cache must be a release date"
    ):
        clear_cache(cache_dir=tmp_path, release="current")


def test_docstring_examples_run(tmp_path, monkeypatch):
    import doctest
    import tempfile

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(
        tempfile, "tempdir", str(tmp_path)
    )  # examples' temp folders stay in tmp_path
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    results = [
        doctest.testmod(mod, optionflags=flags, verbose=False)
        for mod in (releases, snapshots, listing, download, manifest)
    ]
    assert sum(r.failed for r in results) == 0 and sum(r.attempted for r in results) >= 10
