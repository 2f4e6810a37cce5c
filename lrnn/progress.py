"""Progress bars: tqdm on a terminal or in a notebook, silent elsewhere unless asked."""
from __future__ import annotations

import sys


def progress_enabled(setting: bool | None) -> bool:
    """Resolve a progress setting: True and False force the bar, None shows it on a terminal or notebook."""
    if setting is None:
        return sys.stderr.isatty() or "ipykernel" in sys.modules
    return bool(setting)


def progress_bar(setting: bool | None, **kwargs):
    """Create a tqdm bar (imported only here, so `import lrnn` never loads tqdm's notebook support)."""
    from tqdm.auto import tqdm

    return tqdm(disable=not progress_enabled(setting), **kwargs)
