"""Many inputs at once: ``formcheck analyze`` over files, folders, globs and CSV manifests, on
this machine (``--jobs``) or on a Dask cluster (``--scheduler``), resumable, with a summary.

    inputs   files, folders, globs, manifests -> named ``BatchItem``s
    task     one item analysed (the same ``formcheck.analysis.analyze`` as a single input)
    runners  where tasks run: this process, a local process pool, a Dask cluster
    resume   which items an earlier run already did (input sha256 + rule text + version)
    summary  summary.csv and index.html
    driver   the batch from start to end
    progress the bar across the batch
"""

from formcheck.batch.driver import BatchResult, plan, run_batch, summary_folder
from formcheck.batch.inputs import BatchItem, dedupe, expand, name_items, read_manifest
from formcheck.batch.task import ItemOutcome, ItemTask, analyze_item

__all__ = [
    "BatchItem",
    "BatchResult",
    "ItemOutcome",
    "ItemTask",
    "analyze_item",
    "dedupe",
    "expand",
    "name_items",
    "plan",
    "read_manifest",
    "run_batch",
    "summary_folder",
]
