"""How papers and figures spell gene names, and words that only look like genes.

A name that no table knows as written (``HIF-1α``, ``IL-1beta``, ``Caspase 3``,
``p-STAT3``) is rewritten by a few rules, and each rewrite is looked up like a
typed name. :func:`spelling_variants` lists the rewrites with the rules that
produced them, most literal first; the mapper decides what a hit means.

:data:`COMMON_WORDS` lists chemicals, abbreviations and English words that
gene tables also carry as aliases (``ATP`` is an alias of ATP8A2, ``ALL`` of
BCR): they are never mapped silently.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["COMMON_WORDS", "SPELLING_RULES", "spelling_variants"]

#: Rule names, in the order they are applied (also the rows of docs/identifiers.md).
SPELLING_RULES = (
    "punctuation",  # debris around a name ("(MAVS", "TYK2)"), Unicode dashes ("IL‐6")
    "phospho",  # p-STAT3, pSTAT3, phospho-AKT: the phospho form is the gene
    "c_prefix",  # c-Myc, c-Kit: the cellular homologue of a viral oncogene
    "greek",  # α/alpha -> A, β/beta -> B, γ/gamma -> G, δ, ε, ζ, η (H), θ (Q), ι, κ, λ
    "hyphen_space",  # IL-1B, CXCR-4, HIF 1A, Bcl.2 -> IL1B, CXCR4, HIF1A, BCL2
    "word_stem",  # Caspase 3 -> CASP3, Interleukin-6 -> IL6, Interferon-γ -> IFNG
)

# HGNC writes Greek letters as these Latin letters (PRKCQ for PKCθ, PRKCH for PKCη).
_GREEK = {
    "α": "A",
    "β": "B",
    "γ": "G",
    "δ": "D",
    "ε": "E",
    "ζ": "Z",
    "η": "H",
    "θ": "Q",
    "ι": "I",
    "κ": "K",
    "λ": "L",
}
_GREEK.update({letter.upper(): latin for letter, latin in list(_GREEK.items())})
_GREEK["ϵ"] = "E"
_SPELLED = {
    "alpha": "A",
    "beta": "B",
    "gamma": "G",
    "delta": "D",
    "epsilon": "E",
    "zeta": "Z",
    "theta": "Q",
    "iota": "I",
    "kappa": "K",
    "lambda": "L",
}
# A spelled letter counts after a capital, digit, hyphen or space, or at the start:
# "IL-1beta", "TNFalpha", "IKKbeta", "PKC delta"; not inside words ("Alphabet").
_SPELLED_RE = re.compile(r"(?:^|(?<=[A-Z0-9\- ]))(?i:(" + "|".join(_SPELLED) + r"))(?=$|[0-9\- /])")
# "ß" (German sharp s) is a common typo for β, but only after a hyphen or digit
# ("IL-1ß", "TGF-ß"): "Aß" (amyloid-β) is no gene name.
_SHARP_S = re.compile(r"(?<=[0-9\-])ß")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212\u00ad"})
_AROUND = re.compile(r"^[\s\"'(\[{<,;:/*]+|[\s\"')\]}>,;:/*.]+$")
_PHOSPHO = re.compile(r"^(?:[Pp]hospho-|p-|p(?=[A-Z]{2}))(?=[A-Za-z])")
_C_PREFIX = re.compile(r"^[cC]-(?=[A-Za-z])")
_INNER = re.compile(r"[\-\s._]+")
_STEMS = (
    (re.compile(r"^CASPASE(?=[0-9])"), "CASP"),
    (re.compile(r"^INTERLEUKIN(?=[0-9])"), "IL"),
    (re.compile(r"^INTERFERON(?=[A-Z])"), "IFN"),
)


def _greek(name: str) -> str:
    name = "".join(_GREEK.get(c, c) for c in name)
    name = _SHARP_S.sub("B", name)
    return _SPELLED_RE.sub(lambda m: _SPELLED[m.group(1).lower()], name)


def _stem(name: str) -> str:
    upper = name.upper()
    for pattern, stem in _STEMS:
        upper = pattern.sub(stem, upper)
    return upper if upper != name.upper() else name


def spelling_variants(name: str) -> list[tuple[str, tuple[str, ...]]]:
    """Rewrites of ``name`` to look up, most literal first, each with the rules it took.

    Parameters
    ----------
    name : str
        A stripped name that no table knows as written.

    Returns
    -------
    list of (str, tuple of str)
        Distinct rewrites (never ``name`` itself) and the :data:`SPELLING_RULES` applied.

    Examples
    --------
    >>> [v for v, _ in spelling_variants("HIF-1α")]
    ['HIF-1A', 'HIF1A']
    >>> spelling_variants("pSTAT3")[0]
    ('STAT3', ('phospho',))
    >>> spelling_variants("Caspase 3")[-1]
    ('CASP3', ('hyphen_space', 'word_stem'))
    """
    base = unicodedata.normalize("NFKC", name).translate(_DASHES)
    stripped = _AROUND.sub("", base)
    # Unicode forms (U+2010 hyphen, en dash, full-width letters) count as punctuation too.
    rules: tuple[str, ...] = ("punctuation",) if stripped != name else ()
    cores = [(stripped, rules)]
    for pattern, rule in ((_PHOSPHO, "phospho"), (_C_PREFIX, "c_prefix")):
        if pattern.match(stripped):
            cores.append((pattern.sub("", stripped), (*rules, rule)))
    seen = {name}
    out: list[tuple[str, tuple[str, ...]]] = []

    def add(variant: str, applied: tuple[str, ...]) -> None:
        if variant and variant not in seen:
            seen.add(variant)
            out.append((variant, applied))

    for core, applied in cores:
        add(core, applied)
        steps = (
            ("greek", _greek),
            ("hyphen_space", lambda v: _INNER.sub("", v)),
            ("word_stem", _stem),
        )
        current = core
        for rule, step in steps:
            rewritten = step(current)
            if rewritten != current:
                applied = (*applied, rule)
                current = rewritten
                add(current, applied)
    return out


#: Chemicals, abbreviations and English words that gene tables also list as
#: aliases or that match a symbol only case-insensitively (``cAMP`` -> CAMP,
#: cathelicidin). Compared by upper-cased key; an exact official symbol typed
#: as such (``CAMP``, ``CAT``) is still that gene. Words that figures use for
#: the gene (``Bad``, ``Max``, ``Met``, ``ICE``) are not listed.
COMMON_WORDS = frozenset(
    {
        # nucleotides, cofactors, second messengers, lipids and small molecules
        "ATP", "ADP", "AMP", "GTP", "GDP", "UTP", "CTP", "CAMP", "CGMP", "NAD", "NADH",
        "NADP", "NADPH", "FAD", "FADH2", "COA", "PGE2", "PGD2", "PGI2", "PGF2A", "TXA2",
        "LTB4", "LTC4", "ROS", "RNS", "NO", "H2S", "CO", "CO2", "O2", "GSH", "GSSG", "DAG",
        "IP3", "PIP2", "PIP3", "LPA", "S1P", "PA", "PS", "PC", "PE", "ACH", "DA", "GABA",
        "CA2+", "HCL", "LDL", "HDL", "VLDL", "TAG", "FFA", "EPA", "DHA", "ALA", "SAM",
        # cell types, processes and diseases written as abbreviations
        "CAF", "MSC", "EMT", "ECM", "TAM", "DC", "NK", "CTL", "MI", "DVT", "AD", "PD",
        "ALS", "HD", "MS", "RA", "SLE", "CML", "AML", "CLL", "ALL", "HCC", "NSCLC",
        "COPD", "DNA", "RNA", "MRNA", "MIRNA", "LNCRNA", "ER", "UPR", "ERAD",
        # virus proteins in host-pathogen figures (NCBI lists NS1 for PTPN11, Nsp1 for SH2D3A)
        "NS1", "NS2", "NS3", "NS4A", "NS4B", "NS5", "NS5A", "NS5B", "NSP1", "NSP2", "NSP3",
        "NSP4", "NSP5", "NSP6", "NSP7", "NSP8", "NSP9", "NSP10", "NSP12", "NSP13", "NSP14",
        "NSP15", "NSP16", "ORF3A", "ORF3B", "ORF6", "ORF7A", "ORF7B", "ORF8", "ORF9B",
        # English words
        "AND", "THE", "FOR", "CAN", "NOT", "CELL", "CELLS", "GAP", "LIGHT", "FAT",
        "WAS", "ARE", "HAS", "HAD", "BUT", "MAY", "END", "ACT", "AIM", "ANY",
        "BIG", "CUT", "DIE", "EAT", "FIT", "GET", "HIT", "LET", "LOW",
        "NET", "NEW", "OLD", "OUT", "PIG", "RAN", "RUN", "SET", "SIT", "TOP", "TWO",
        "USE", "WAR", "WAY", "WHY", "WIN", "CAT", "REST", "SHE", "HIS", "HER",
    }
)  # fmt: skip
