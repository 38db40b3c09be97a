"""Which document is open: its own file, and the music file it was read from."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal


class DocumentController(QObject):
    """The open document's files. ``path`` is the document's own ``.segue`` file (None until it is
    saved); ``imported_from`` the music file it was opened from, which names it until it is saved.
    ``changed`` is emitted when either changes (the window's title follows)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.path: Path | None = None
        self.imported_from: Path | None = None

    def set_files(self, path: Path | None, imported_from: Path | None = None) -> None:
        """A document was opened (or a new one started): its own file and the music file it came from."""
        self.path, self.imported_from = path, imported_from
        self.changed.emit()

    def saved_as(self, path: Path) -> None:
        self.path = path
        self.changed.emit()

    @property
    def named_by(self) -> Path | None:
        """The file that names the document: its own, else the music file opened."""
        return self.path or self.imported_from

    def name(self) -> str:
        """'song.segue', 'song.mid' or 'Untitled', for the title bar."""
        return self.named_by.name if self.named_by else "Untitled"

    def stem(self, default: str) -> str:
        """The document's name without its suffix, else ``default``."""
        return self.named_by.stem if self.named_by else default
