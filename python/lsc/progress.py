"""Progress of a fit: a bar on stderr when a person is watching (a terminal or a notebook).

The bar is drawn from the metrics rows the core reports (about 200 per run), so it costs
nothing measurable. In a notebook the same carriage-return redraw works: Jupyter renders
"\\r" in a stream by overwriting the line.
"""
import sys
import time

__all__ = ["ProgressBar", "interactive", "wants_bar"]


def interactive(stream=None):
    """Whether output on `stream` (default stderr) is watched live: a terminal or a notebook."""
    stream = sys.stderr if stream is None else stream
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    if "ipykernel" in sys.modules:
        try:
            from IPython import get_ipython

            shell = get_ipython()
            return shell is not None and hasattr(shell, "kernel")
        except ImportError:
            return False
    return False


def wants_bar(progress):
    """progress: True (always draw), False (never) or "auto" (when interactive())."""
    if progress == "auto":
        return interactive()
    if isinstance(progress, bool):
        return progress
    raise ValueError(f"progress must be True, False or 'auto'; got {progress!r}.")


class ProgressBar:
    """A one-line bar, redrawn at most ten times a second, finished by close()."""

    def __init__(self, label, stream=None, width=30):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def update(self, done, total, detail=""):
        now = time.monotonic()
        if now - self.last_draw < 0.1 and done < total:
            return
        self.last_draw = now
        frac = min(1.0, done / total) if total else 1.0
        filled = int(round(frac * self.width))
        elapsed = now - self.start
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        line = (f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {100 * frac:5.1f}% "
                f"{elapsed:6.1f}s eta {eta:6.1f}s  {detail}")
        self.stream.write(line.ljust(100))
        self.stream.flush()
        self.drawn = True

    def close(self, note=""):
        if self.drawn:
            self.stream.write((" " + note if note else "") + "\n")
            self.stream.flush()
            self.drawn = False
