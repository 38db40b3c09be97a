"""One grammar: training, scoring and generation allow exactly the same tokens."""

import random

import numpy as np
import torch

from engine.encoding.grammar import Grammar, Speller, spelling_state
from engine.encoding.tokens import END, START, Vocabulary, decode, encode
from engine.model.checkpoint import load_model
from engine.music.phrase import Note, Phrase
from engine.writing.task import Task
from engine.writing.writer import Writer


def random_streams(vocab: Vocabulary, count: int, seed: int = 0):
    rng = random.Random(seed)
    for _ in range(count):
        notes = [Note(rng.randrange(30, 90), rng.randrange(0, 80), rng.randrange(1, 40), rng.randrange(1, 128))
                 for _ in range(rng.randrange(1, 25))]
        yield encode(Phrase(tuple(notes), end=rng.randrange(0, 120)), vocab)


def test_the_generation_speller_allows_what_training_and_scoring_allow_at_every_position():
    for levels in (0, 4):
        vocab = Vocabulary(max_wait=8, max_length=8, velocity_levels=levels)
        grammar = Grammar(vocab)
        for tokens in random_streams(vocab, 40, seed=levels):
            whole = grammar.banned(torch.tensor(tokens), torch.from_numpy(spelling_state(tokens, vocab)))
            speller = Speller(grammar, tokens[:1], 1)
            for i, token in enumerate(tokens):
                if i:
                    speller.feed(torch.tensor([token]))
                assert np.array_equal(speller.banned()[0], whole[i].numpy()), (i, vocab.name(token))


def test_every_token_encode_writes_is_allowed_and_its_neighbours_are_not():
    vocab = Vocabulary(velocity_levels=4)
    grammar = Grammar(vocab)
    for tokens in random_streams(vocab, 60):
        banned = grammar.banned(torch.tensor(tokens[:-1]), torch.from_numpy(spelling_state(tokens[:-1], vocab)))
        assert not banned.gather(-1, torch.tensor(tokens[1:])[:, None]).any()
    level = vocab.velocity(2)
    after = grammar.banned(torch.tensor([vocab.length(4)]), torch.tensor([[0, level]]))[0]
    assert after[level] and not after[vocab.velocity(1)]            # a velocity token only where it changes
    chord = grammar.banned(torch.tensor([vocab.length(4)]), torch.tensor([[vocab.pitch(60), 0]]))[0]
    assert chord[vocab.pitch(60)] and not chord[vocab.pitch(61)]    # a key is struck once at an onset


def test_a_key_struck_twice_at_once_is_written_once_as_the_longer_note():
    vocab = Vocabulary()
    phrase = Phrase((Note(60, 0, 2), Note(60, 0, 6), Note(64, 0, 2)))
    assert decode(encode(phrase, vocab), vocab).notes == (Note(60, 0, 6), Note(64, 0, 2))


def test_what_generation_writes_is_the_one_spelling_of_its_notes(tiny_controls_model_dir, tiny_model_dir):
    for folder in (tiny_controls_model_dir, tiny_model_dir):
        loaded = load_model(folder)
        vocab = loaded.vocab
        seed = Phrase(tuple(Note(60 + (i % 5), i * 3, 3, 40 + 10 * (i % 6)) for i in range(10)))
        prompt = encode(seed, vocab, end=False)
        task = Task(start=seed.length, end=seed.length + 32, bar_steps=16, steps_per_quarter=4)
        drafts = Writer(loaded, prompt, 6, task, temperature=1.5, top_p=1.0,
                        generator=torch.Generator().manual_seed(4)).write()
        grammar = Grammar(vocab)
        for draft in drafts:
            stream = prompt + draft.written
            banned = grammar.banned(torch.tensor(stream[:-1]), torch.from_numpy(spelling_state(stream[:-1], vocab)))
            assert not banned.gather(-1, torch.tensor(stream[1:])[:, None]).any()
            assert not {START, END} & set(draft.written)
            spelled = encode(decode(stream + [END], vocab), vocab)
            assert spelled[:len(stream)] == stream                   # canonical: re-encoding changes nothing


def test_the_spelling_rules_never_ban_the_token_encode_actually_wrote():
    rng = random.Random(3)
    for levels in (0, 4):
        vocab = Vocabulary(velocity_levels=levels)
        grammar = Grammar(vocab)
        banned_total = positions = 0
        for _ in range(100):
            notes = [Note(rng.randrange(20, 100), rng.randrange(0, 120), rng.randrange(1, 90), rng.randrange(1, 128))
                     for _ in range(rng.randrange(0, 30))]
            tokens = encode(Phrase(tuple(notes), end=rng.randrange(0, 200)), vocab)
            x, y = torch.tensor(tokens[:-1]), torch.tensor(tokens[1:])
            banned = grammar.banned(x, torch.from_numpy(spelling_state(tokens[:-1], vocab)))
            assert not banned.gather(-1, y[:, None]).any()
            banned_total += int(banned.sum())
            positions += len(x)
        assert banned_total > positions * vocab.size // 4          # and the rules do rule things out


def test_after_a_pitch_only_lengths_and_pitches_of_one_onset_rise():
    vocab = Vocabulary()
    grammar = Grammar(vocab)
    after_pitch = grammar.banned(torch.tensor([vocab.pitch(60)]), torch.tensor([[vocab.pitch(60), 0]]))[0]
    assert (~after_pitch).nonzero().flatten().tolist() == list(range(vocab.first_length, vocab.first_pitch))
    after_length = grammar.banned(torch.tensor([vocab.length(4)]), torch.tensor([[vocab.pitch(60), 0]]))[0]
    assert after_length[vocab.pitch(59)] and after_length[vocab.pitch(60)] and not after_length[vocab.pitch(64)]
