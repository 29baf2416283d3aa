"""Where messages to ingest come from on disk: files, stdin, maildir-like folders."""

from collections.abc import Iterator
from pathlib import Path


def maildir_files(folder: Path) -> list[Path]:
    """A maildir's cur/ and new/ (never tmp/, where deliveries are still being written), else the
    folder's plain files; sorted so that a thread's messages arrive in the order they were stored."""
    subfolders = [folder / name for name in ("cur", "new") if (folder / name).is_dir()]
    if not subfolders:
        subfolders = [folder]
    files = []
    for sub in subfolders:
        files.extend(path for path in sub.iterdir() if path.is_file() and not path.name.startswith("."))
    return sorted(files)


def expand(arguments: list[str]) -> Iterator[tuple[str, Path | None]]:
    """(label, path) per message; path None means standard input."""
    for argument in arguments:
        if argument == "-":
            yield "stdin", None
            continue
        path = Path(argument)
        if path.is_dir():
            for file in maildir_files(path):
                yield str(file), file
        else:
            yield str(path), path
