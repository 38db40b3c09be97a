"""Mouse tools for the piano roll: draw, select (and move, resize), erase.

Each tool turns press/move/release into a preview on the view and, on release, one undo command.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QRectF, Qt

from engine.music.phrase import Note

from ..document.commands import AddNotes, ChangeNotes, RemoveNotes
from .coords import snap_down, snap_nearest

EDGE_PIXELS = 6        # how close to a note's right edge a press resizes instead of moving


class Tool:
    name = "tool"
    cursor = Qt.ArrowCursor

    def __init__(self, undo_stack):
        self.undo_stack = undo_stack

    def press(self, view, event): ...
    def move(self, view, event): ...
    def release(self, view, event): ...


class SelectTool(Tool):
    """Click selects (Shift adds), drag on a note moves the selection, its right edge resizes,
    drag on empty space draws a rubber band."""

    name = "select"

    def __init__(self, undo_stack):
        super().__init__(undo_stack)
        self.mode = None
        self.origin = (0.0, 0)
        self.grabbed: int | None = None
        self.band_origin = None

    def press(self, view, event):
        if event.button() != Qt.LeftButton:
            return
        model = view.model
        pos = event.position()
        step, pitch = view.step_at(pos.x()), view.pitch_at(pos.y())
        hit = model.note_at(step, pitch)
        shift = bool(event.modifiers() & Qt.ShiftModifier)
        if hit is None:
            if not shift:
                model.select([])
            self.mode = "band"
            self.band_origin = (view.content_x(pos.x()), view.content_y(pos.y()))
            view.band = QRectF(self.band_origin[0], self.band_origin[1], 0, 0)
            return
        if shift:
            model.toggle(hit)
            self.mode = None
            return
        if hit not in model.selection:
            model.select([hit])
        self.grabbed, self.origin = hit, (step, pitch)
        right = view.note_rect(model.note(hit)).right()
        self.mode = "resize" if right - pos.x() <= EDGE_PIXELS else "move"

    def move(self, view, event):
        pos = event.position()
        if self.mode is None:
            self._hover_cursor(view, pos)
            return
        model = view.model
        if self.mode == "band":
            x, y = view.content_x(pos.x()), view.content_y(pos.y())
            ox, oy = self.band_origin
            view.band = QRectF(min(x, ox), min(y, oy), abs(x - ox), abs(y - oy))
            view.viewport().update()
            return
        step, pitch = view.step_at(pos.x()), view.pitch_at(pos.y())
        grid = view.snap
        selection = model.selection
        if self.mode == "move":
            anchor = model.note(self.grabbed)
            new_start = snap_nearest(anchor.start + step - self.origin[0], grid) if grid > 1 \
                else round(anchor.start + step - self.origin[0])
            dt = max(new_start, 0) - anchor.start
            dt = max(dt, -min(model.note(i).start for i in selection))
            dp = pitch - self.origin[1]
            dp = max(dp, -min(model.note(i).pitch for i in selection))
            dp = min(dp, 127 - max(model.note(i).pitch for i in selection))
            view.preview = {i: replace(model.note(i), start=model.note(i).start + dt,
                                       pitch=model.note(i).pitch + dp) for i in selection}
        else:
            anchor = model.note(self.grabbed)
            end = snap_nearest(step, grid) if grid > 1 else round(step)
            dd = max(end, anchor.start + 1) - anchor.end
            view.preview = {i: replace(model.note(i), duration=max(1, model.note(i).duration + dd))
                            for i in selection}
        view.viewport().update()

    def release(self, view, event):
        model = view.model
        if self.mode == "band" and view.band is not None:
            band = view.band
            first, last = view.geo.step_at(band.left()), view.geo.step_at(band.right())
            high, low = view.geo.pitch_at(band.top()), view.geo.pitch_at(band.bottom())
            inside = [i for i in model.visible(first, last)
                      if low <= model.note(i).pitch <= high and model.note(i).start < last
                      and model.note(i).end > first]
            model.select(inside, add=bool(event.modifiers() & Qt.ShiftModifier))
            view.band = None
        elif self.mode in ("move", "resize") and view.preview:
            changed = {i: n for i, n in view.preview.items() if n != model.note(i)}
            if changed:
                text = "Move notes" if self.mode == "move" else "Change note length"
                self.undo_stack.push(ChangeNotes(model, changed, text))
        view.preview = {}
        self.mode = None
        view.viewport().update()

    def _hover_cursor(self, view, pos):
        hit = view.model.note_at(view.step_at(pos.x()), view.pitch_at(pos.y()))
        if hit is None:
            view.viewport().setCursor(Qt.ArrowCursor)
            return
        right = view.note_rect(view.model.note(hit)).right()
        view.viewport().setCursor(Qt.SizeHorCursor if right - pos.x() <= EDGE_PIXELS else Qt.SizeAllCursor)


class DrawTool(SelectTool):
    """Click-drag on empty space draws a note (length snapped); on a note it moves or resizes."""

    name = "draw"

    def __init__(self, undo_stack, velocity=90):
        super().__init__(undo_stack)
        self.velocity = velocity
        self.start = 0
        self.pitch = 60

    def press(self, view, event):
        if event.button() != Qt.LeftButton:
            return
        pos = event.position()
        step, pitch = view.step_at(pos.x()), view.pitch_at(pos.y())
        if view.model.note_at(step, pitch) is not None:
            return super().press(view, event)
        grid = view.snap
        self.start = snap_down(step, grid)
        self.pitch = pitch
        self.mode = "draw"
        view.new_notes = [Note(pitch, self.start, max(1, grid), self.velocity)]
        view.viewport().update()

    def move(self, view, event):
        if self.mode != "draw":
            return super().move(view, event)
        grid = view.snap
        step = view.step_at(event.position().x())
        end = max(self.start + max(1, grid), snap_down(step, grid) + max(1, grid))
        view.new_notes = [Note(self.pitch, self.start, end - self.start, self.velocity)]
        view.viewport().update()

    def release(self, view, event):
        if self.mode != "draw":
            return super().release(view, event)
        if view.new_notes:
            self.undo_stack.push(AddNotes(view.model, view.new_notes, "Draw note"))
        view.new_notes = []
        self.mode = None
        view.viewport().update()

    def _hover_cursor(self, view, pos):
        super()._hover_cursor(view, pos)
        if view.model.note_at(view.step_at(pos.x()), view.pitch_at(pos.y())) is None:
            view.viewport().setCursor(Qt.CrossCursor)


class EraseTool(Tool):
    """Click or drag across notes to delete them (one undo step per gesture)."""

    name = "erase"

    def __init__(self, undo_stack):
        super().__init__(undo_stack)
        self.doomed: list[int] = []
        self.active = False

    def press(self, view, event):
        if event.button() == Qt.LeftButton:
            self.active, self.doomed = True, []
            self._hit(view, event)

    def move(self, view, event):
        if self.active:
            self._hit(view, event)

    def release(self, view, event):
        if self.active and self.doomed:
            view.preview = {}
            self.undo_stack.push(RemoveNotes(view.model, self.doomed, "Erase notes"))
        self.active, self.doomed = False, []
        view.viewport().update()

    def _hit(self, view, event):
        pos = event.position()
        hit = view.model.note_at(view.step_at(pos.x()), view.pitch_at(pos.y()))
        if hit is not None and hit not in self.doomed:
            self.doomed.append(hit)
            view.model.select(self.doomed)           # shows what is about to go
