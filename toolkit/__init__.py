"""toolkit: clean, language-tag, translate and package multilingual news documents.

Library use::

    import toolkit
    doc = toolkit.process("Title\\n\\nFirst paragraph.\\n\\nSecond paragraph.")
    print(doc.title, [p.text for p in doc.paragraphs])

Engines (a process pool, Dask, a queue consumer) drive a :class:`Worker`: built from a
:class:`PipelineSpec` and an :class:`OutputSpec`, set up once per process, then given batches.

The public names are imported lazily so ``import toolkit`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Document",
    "Metadata",
    "OutputSpec",
    "Paragraph",
    "Pipeline",
    "PipelineSpec",
    "Processor",
    "Raw",
    "Removal",
    "Result",
    "RunReport",
    "ToolkitError",
    "Translation",
    "Worker",
    "__version__",
    "process",
    "read",
    "read_bytes",
    "read_record",
]

_LAZY = {
    "Document": "toolkit.document",
    "Metadata": "toolkit.document",
    "Paragraph": "toolkit.document",
    "Removal": "toolkit.document",
    "Translation": "toolkit.document",
    "Pipeline": "toolkit.pipeline",
    "PipelineSpec": "toolkit.pipeline",
    "Processor": "toolkit.pipeline",
    "ToolkitError": "toolkit.errors",
    "process": "toolkit.api",
    "read": "toolkit.api",
    "read_bytes": "toolkit.inputs",
    "read_record": "toolkit.inputs",
    "Raw": "toolkit.inputs",
    "Worker": "toolkit.worker",
    "OutputSpec": "toolkit.worker",
    "Result": "toolkit.worker",
    "RunReport": "toolkit.report",
}

if TYPE_CHECKING:
    from .api import process, read
    from .document import Document, Metadata, Paragraph, Removal, Translation
    from .errors import ToolkitError
    from .inputs import Raw, read_bytes, read_record
    from .pipeline import Pipeline, PipelineSpec, Processor
    from .report import RunReport
    from .worker import OutputSpec, Result, Worker


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
