"""The gene-set library: the immutable model (:mod:`.model`), its derived indexes
(:mod:`.derived`), its file formats (:mod:`.storage`) and metadata joins (:mod:`.metadata`)."""

from .model import GeneSetLibrary

__all__ = ["GeneSetLibrary"]
