"""The seed paper's design, rebuilt as a baseline to measure Segue against.

    python benchmarks/original_design.py train [--minutes 77]    # same data and time as models/default
    python benchmarks/original_design.py report [--json]          # what it learned, on the same held-out pieces

"Music generator with Recurrent Neural Networks" parsed MIDI into a stream of notes, chords and
rests, each written as one string of pitches and a duration in quarter notes ("60.64.67_0.5",
"rest_0.25"), on a time step of a quarter of a beat. Every distinct string is one word of the
vocabulary; the network reads 8 words as one-hot vectors, through stacked LSTM layers with
dropout, and a softmax over the whole vocabulary predicts the 9th. It is trained on every
window of 8 (one target per window) and generates by re-running the last 8 words for each new
one. The stream is sequential: each word starts when the previous one ends.

This script rebuilds exactly that, on the same pieces, the same train/validation split (by
piece, seed 0, 10%), the same network size (2 LSTM layers of 256, dropout 0.2) and the same
training time on one CPU thread (77 minutes) as the bundled ``default`` model, so that the
difference between the two designs is a measured number. A one-hot vector times the first
weight matrix is a row lookup, so the one-hot input is an embedding table here (same function,
less work). The trained weights (about 80 MB: the vocabulary is large) stay in
``runs/original-design/`` and are not committed; ``train`` rebuilds them.

From each onset the design keeps one word: the pitches that start there and one duration, the
longest of their lengths cut at the next onset (a word ends before the next begins); a rest word
fills any gap. ``report`` measures how much of the music that loses, how much of the held-out
music falls outside the vocabulary (those events it can never write), and its loss.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.music.phrase import DEFAULT_VELOCITY, Note, Phrase  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "piano-midi"
OUT = ROOT / "runs" / "original-design"
WINDOW = 8
STEPS_PER_QUARTER = 4


# ---------------------------------------------------------------- the paper's representation

def words_of(phrase: Phrase) -> list[str]:
    """The phrase as the paper's stream of note/chord/rest words with durations in quarters."""
    by_onset: dict[int, list[Note]] = {}
    for n in phrase.notes:
        by_onset.setdefault(n.start, []).append(n)
    onsets = sorted(by_onset)
    words, now = [], 0
    for i, start in enumerate(onsets):
        if start > now:
            words.append(f"rest_{_quarters(start - now, phrase)}")
        notes = by_onset[start]
        longest = max(n.duration for n in notes)
        length = min(longest, onsets[i + 1] - start) if i + 1 < len(onsets) else longest
        pitches = ".".join(str(p) for p in sorted({n.pitch for n in notes}))
        words.append(f"{pitches}_{_quarters(length, phrase)}")
        now = start + length
    return words


def phrase_of(words: list[str], template: Phrase, offset: int = 0) -> Phrase:
    """Words back to notes, one after the other from step ``offset`` (the paper's reading)."""
    notes, now = [], offset
    for word in words:
        pitches = word.rpartition("_")[0]
        length = _steps(word, template)
        if pitches != "rest":
            notes += [Note(int(p), now, length, DEFAULT_VELOCITY) for p in pitches.split(".")]
        now += length
    return Phrase(tuple(sorted(notes, key=Note.sort_key)), template.steps_per_quarter,
                  template.tempo_bpm, template.time_signature, now)


def _steps(word: str, template: Phrase) -> int:
    """How many grid steps a word lasts (at least one)."""
    return max(1, round(float(word.rpartition("_")[2]) * template.steps_per_quarter))


def _quarters(steps: int, phrase: Phrase) -> str:
    return f"{steps / phrase.steps_per_quarter:g}"


def notes_kept(phrase: Phrase) -> float:
    """Share of the phrase's notes that the word stream gives back exactly (pitch, start, length)."""
    if not phrase.notes:
        return 1.0
    back = {(n.pitch, n.start, n.duration) for n in phrase_of(words_of(phrase), phrase).notes}
    return sum((n.pitch, n.start, n.duration) in back for n in phrase.notes) / len(phrase.notes)


# ---------------------------------------------------------------- data, shared with models/default

def pieces_and_split():
    from engine.training.corpus import load_corpus
    from engine.training.train import split_by_piece
    corpus = load_corpus([DATA], steps_per_quarter=STEPS_PER_QUARTER)
    names = [p.name for p in corpus.pieces]
    train, valid = split_by_piece(names, 0.1, 0)
    return corpus, train, valid


# ---------------------------------------------------------------- the network

def build(vocab_size: int, hidden: int = 256, layers: int = 2, dropout: float = 0.2):
    import torch
    from torch import nn

    class OriginalDesign(nn.Module):
        """One-hot words -> stacked LSTM (full sequences) -> dropout -> softmax on the last output."""

        def __init__(self):
            super().__init__()
            self.one_hot = nn.Embedding(vocab_size, hidden)
            self.lstm = nn.LSTM(hidden, hidden, layers, batch_first=True, dropout=dropout)
            self.drop = nn.Dropout(dropout)
            self.out = nn.Linear(hidden, vocab_size)

        def forward(self, windows: torch.Tensor) -> torch.Tensor:
            h, _ = self.lstm(self.one_hot(windows))
            return self.out(self.drop(h[:, -1]))

    return OriginalDesign()


def windows_of(streams, index):
    """Every window of 8 in-vocabulary words and the word after it (windows touching unknown words skipped)."""
    import numpy as np
    xs, ys = [], []
    for words in streams:
        ids = [index.get(w, -1) for w in words]
        for i in range(len(ids) - WINDOW):
            chunk = ids[i:i + WINDOW + 1]
            if min(chunk) >= 0:
                xs.append(chunk[:WINDOW])
                ys.append(chunk[WINDOW])
    return np.asarray(xs, dtype=np.int64).reshape(-1, WINDOW), np.asarray(ys, dtype=np.int64)


def evaluate(model, xs, ys, batch: int = 512) -> tuple[float, float]:
    """Mean cross-entropy (nats per word) and accuracy on windows."""
    import torch
    import torch.nn.functional as F
    model.eval()
    total, right = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(xs), batch):
            x, y = torch.from_numpy(xs[i:i + batch]), torch.from_numpy(ys[i:i + batch])
            logits = model(x)
            total += F.cross_entropy(logits, y, reduction="sum").item()
            right += (logits.argmax(-1) == y).sum().item()
    model.train()
    return total / max(1, len(xs)), right / max(1, len(xs))


def train(minutes: float, batch: int, seed: int, out: Path) -> dict:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from safetensors.torch import save

    from engine.atomic import atomic_write
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    corpus, train_ids, valid_ids = pieces_and_split()
    train_streams = [words_of(corpus.pieces[i].phrase) for i in train_ids]
    valid_streams = [words_of(corpus.pieces[i].phrase) for i in valid_ids]
    counts = Counter(w for s in train_streams for w in s)
    vocab = [w for w, _ in counts.most_common()]
    index = {w: i for i, w in enumerate(vocab)}
    xs, ys = windows_of(train_streams, index)
    vx, vy = windows_of(valid_streams, index)
    model = build(len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    params = sum(p.numel() for p in model.parameters())
    print(f"vocabulary {len(vocab):,} words, {len(xs):,} training windows, {len(vx):,} validation "
          f"windows, {params:,} parameters", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    started, deadline = time.monotonic(), time.monotonic() + minutes * 60
    history, best = [], math.inf
    epoch = 0
    while time.monotonic() < deadline:
        epoch += 1
        order = rng.permutation(len(xs))
        seen, loss_sum = 0, 0.0
        for i in range(0, len(order), batch):
            if time.monotonic() >= deadline:
                break
            pick = order[i:i + batch]
            x, y = torch.from_numpy(xs[pick]), torch.from_numpy(ys[pick])
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            seen += len(pick)
            loss_sum += loss.item() * len(pick)
        valid_loss, valid_acc = evaluate(model, vx, vy)
        elapsed = (time.monotonic() - started) / 60
        row = {"epoch": epoch, "windows": seen, "train_loss": loss_sum / max(1, seen),
               "valid_loss": valid_loss, "valid_accuracy": valid_acc, "minutes": round(elapsed, 2)}
        history.append(row)
        print(json.dumps(row), flush=True)
        if valid_loss < best:
            best = valid_loss
            weights = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
            atomic_write(out / "model.safetensors", save(weights))
        meta = {"design": "original", "window": WINDOW, "hidden": 256, "layers": 2, "dropout": 0.2,
                "batch": batch, "seed": seed, "minutes": minutes, "parameters": params,
                "vocabulary": vocab, "history": history, "best_valid_loss": best,
                "torch": torch.__version__, "threads": 1}
        atomic_write(out / "model.json", json.dumps(meta).encode())
    return {"epochs": epoch, "best_valid_loss": best}


# ---------------------------------------------------------------- using the trained baseline

class Baseline:
    """The trained original design: vocabulary, network, and the paper's generation loop."""

    def __init__(self, folder: Path = OUT):
        from safetensors.torch import load_file
        meta_path = folder / "model.json"
        if not meta_path.exists():
            raise SystemExit(f"no trained original design in {folder}: run "
                             f"`python benchmarks/original_design.py train` first")
        self.meta = json.loads(meta_path.read_text())
        self.vocab = self.meta["vocabulary"]
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.model = build(len(self.vocab), self.meta["hidden"], self.meta["layers"], self.meta["dropout"])
        self.model.load_state_dict(load_file(str(folder / "model.safetensors")))
        self.model.eval()

    def continue_phrase(self, seed: Phrase, bars: int, seed_value: int, temperature: float = 1.0) -> Phrase:
        """Seed words, then new words until ``bars`` bars are written; the window re-run for each."""
        import torch
        words = [w for w in words_of(seed) if w in self.index]
        if len(words) < WINDOW:
            words = [self.vocab[0]] * (WINDOW - len(words)) + words
        ids = [self.index[w] for w in words]
        generator = torch.Generator().manual_seed(seed_value)
        from engine.music.phrase import trim
        target = bars * seed.steps_per_bar
        new: list[str] = []
        written = 0
        with torch.no_grad():
            while written < target:
                logits = self.model(torch.tensor([ids[-WINDOW:]]))[0] / temperature
                pick = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))
                ids.append(pick)
                new.append(self.vocab[pick])
                written += _steps(self.vocab[pick], seed)
        return trim(phrase_of(new, seed), 0, target)


def report(folder: Path = OUT) -> dict:
    """Loss and reach of the trained baseline on the held-out pieces, and what its words lose."""
    from engine.training.evaluate import bits_per_note
    baseline = Baseline(folder)
    corpus, train_ids, valid_ids = pieces_and_split()
    kept = [notes_kept(corpus.pieces[i].phrase) for i in train_ids + valid_ids]
    valid_streams = [words_of(corpus.pieces[i].phrase) for i in valid_ids]
    events = sum(len(s) for s in valid_streams)
    unknown = sum(w not in baseline.index for s in valid_streams for w in s)
    vx, vy = windows_of(valid_streams, baseline.index)
    loss, accuracy = evaluate(baseline.model, vx, vy)
    notes_in_targets = sum(0 if w.startswith("rest") else w.rpartition("_")[0].count(".") + 1
                           for w in (baseline.vocab[y] for y in vy))
    bits = bits_per_note(loss * len(vy), notes_in_targets)
    history = baseline.meta["history"]
    return {
        "vocabulary": len(baseline.vocab),
        "parameters": baseline.meta["parameters"],
        "epochs": len(history),
        "minutes": history[-1]["minutes"] if history else 0,
        "notes kept exactly by the words (median piece)": round(statistics.median(kept), 4),
        "held-out events outside the vocabulary": round(unknown / max(1, events), 4),
        "held-out windows scored (all 9 words known)": len(vy),
        "nats per word": round(loss, 4),
        "next-word accuracy": round(accuracy, 4),
        "bits per note (known windows only)": round(bits, 3),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the original design (same data, split and time as models/default)")
    t.add_argument("--minutes", type=float, default=77.0)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", type=Path, default=OUT)
    r = sub.add_parser("report", help="measure the trained baseline on the held-out pieces")
    r.add_argument("--out", type=Path, default=OUT)
    r.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "train":
        print(json.dumps(train(args.minutes, args.batch_size, args.seed, args.out)))
        return 0
    result = report(args.out)
    if not args.json:
        for k, v in result.items():
            print(f"{k:48}{v}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
