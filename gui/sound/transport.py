"""The transport: play and stop, the loop, the playhead, the keys heard when clicked, the sound output."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject


class Transport(QObject):
    """Listening for one window. ``model``: the phrase played; ``view``: the piano roll (playhead
    and loop); ``ruler``: redrawn with the loop; ``play_action``, ``loop_action``: the checkable
    Play and Loop actions, lit while playing and looping; ``show_message(text, ms)``: the status
    bar. ``playback`` is the ``gui.sound.playback.Playback`` once ``start`` made one (None before, or
    when there is no sound on this system)."""

    def __init__(self, model, view, ruler, play_action, loop_action,
                 show_message: Callable[[str, int], None], parent=None):
        super().__init__(parent)
        self.model, self.view, self.ruler = model, view, ruler
        self.play_action, self.loop_action = play_action, loop_action
        self.show_message = show_message
        self.playback = None

    def start(self) -> None:
        """Make the player (pygame and mido load here, after the window shows)."""
        try:
            from .playback import Playback
        except ImportError:
            return
        self.playback = Playback(self.parent())
        self.playback.position.connect(lambda step: self.view.set_playhead(step, follow=True))
        self.playback.stopped.connect(lambda: self.play_action.setChecked(False))
        self.playback.started.connect(lambda: self.play_action.setChecked(True))
        self.playback.error.connect(lambda m: self.show_message(m, 8000))

    def is_playing(self) -> bool:
        return self.playback is not None and self.playback.is_playing()

    def toggle_play(self) -> None:
        """Play from the playhead (or the loop), or stop if playing; Play stays lit while it plays."""
        if self.playback is None:
            self.play_action.setChecked(False)
            self.show_message("Playback is not available on this system.", 5000)
            return
        if self.playback.is_playing():
            self.stop()
            return
        loop = self.view.loop if self.loop_action.isChecked() else None
        start = loop[0] if loop else self.view.playhead
        self.play_action.setChecked(self.playback.play(self.model.phrase(), from_step=start, loop=loop))

    def restart(self) -> None:
        """Play again from where it started (the music changed under it); nothing if not playing."""
        if self.is_playing():
            self.toggle_play()
            self.toggle_play()

    def stop(self) -> None:
        if self.playback is not None:
            self.playback.stop()

    def rewind(self) -> None:
        self.view.set_playhead(0.0)
        self.view.horizontalScrollBar().setValue(0)

    def set_loop(self, loop: tuple[int, int] | None) -> None:
        """Loop these steps (as dragged on the ruler), or none."""
        self.view.loop = loop
        self.loop_action.setChecked(loop is not None)
        self.view.viewport().update()
        self.ruler.update()

    def toggle_loop(self) -> None:
        """Loop on: with no range dragged, the whole bars of the selection (or of the phrase)."""
        if self.loop_action.isChecked() and self.view.loop is None:
            ids = self.model.selection or set(self.model.ids())
            phrase = self.model.phrase(ids)
            if phrase.notes:
                bar = self.model.steps_per_bar
                first = min(n.start for n in phrase.notes) // bar * bar
                self.view.loop = (first, -(-phrase.length // bar) * bar)
        self.view.viewport().update()
        self.ruler.update()

    def preview_key(self, pitch: int) -> None:
        if self.playback is not None:
            self.playback.preview(pitch)

    def fill_output_menu(self, menu) -> None:
        """The sound outputs, the one in use checked."""
        menu.clear()
        if self.playback is None:
            menu.addAction("No sound output available").setEnabled(False)
            return
        for name in self.playback.outputs():
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == self.playback.output())
            action.triggered.connect(lambda checked=False, n=name: self.playback.set_output(n))
