"""The fast paths of language identification give exactly what the plain ones give."""

from __future__ import annotations

import copy

import numpy as np

from toolkit.document import Document, Paragraph
from toolkit.langid import LanguageIdentifier
from toolkit.langid.ngram import NgramModel, _FastLookup, fold_case, load_model
from toolkit.processors.langid import LangId

TEXTS = [
    "Қазақстан Республикасы — Орталық Азиядағы мемлекет, астанасы Астана.",
    "В Москве открылся международный форум журналистов.",
    "O'zbekiston poytaxti Toshkentda yangi metro bekati ochildi.",
    "İstanbul'da yeni metro hattı açıldı; hat günde 200 bin yolcu taşıyacak.",
    "The council met on Monday and approved the budget for next year.",
    "Бүгүн Бишкекте аба ырайы жакшы болот деп күтүлүүдө.",
    "Ўзбекистон пойтахтида янги бекат очилди.",
    "Qazaqstan Respublikasy Ortalyq Aziadağy memleket.",
    "x",
    "",
    "Straße und Café — ein deutscher Satz mit Umlauten.",
    "12 345 — 67",
]


def _plain(model: NgramModel) -> NgramModel:
    """The same model scored with its own hash table only."""
    build = _FastLookup.build
    try:
        _FastLookup.build = classmethod(lambda cls, *args: None)  # type: ignore[method-assign,assignment]
        return NgramModel(
            model.labels,
            model.featurizer.alphabet,
            model.featurizer.max_order,
            model.keys,
            model.weights[:-1],
            temperature=model.temperature,
        )
    finally:
        _FastLookup.build = build  # type: ignore[method-assign]


def test_packed_lookup_sums_bit_identical_scores():
    model = load_model()
    assert model._fast is not None
    plain = _plain(model)
    texts = [fold_case(t) for t in TEXTS] * 3
    fast, fast_known = model.raw_scores_many(texts)
    slow, slow_known = plain.raw_scores_many(texts)
    assert np.array_equal(fast_known, slow_known)
    assert fast.tobytes() == slow.tobytes()
    columns = [model.index[label] for label in ("kk", "ru", "ky")]
    subset, _ = model.raw_scores_many(texts, columns=columns)
    assert subset[:, columns].tobytes() == slow[:, columns].tobytes()


def test_alone_texts_get_exactly_what_identify_gives():
    ident = LanguageIdentifier()
    alone = [i % 3 == 0 for i in range(len(TEXTS))]
    together = ident.identify_many(TEXTS, alone)
    batch = ident.identify_many([t for t, a in zip(TEXTS, alone, strict=True) if not a])
    assert [d for d, a in zip(together, alone, strict=True) if a] == [
        ident.identify(t) for t, a in zip(TEXTS, alone, strict=True) if a
    ]
    assert [d for d, a in zip(together, alone, strict=True) if not a] == batch


def test_langid_pipe_tags_documents_as_one_by_one():
    docs = []
    for i in range(8):
        doc = Document.from_text("x", source=f"d{i}")
        doc.paragraphs = [Paragraph(t) for t in TEXTS[i : i + 1 + i % 4]]
        doc.title = TEXTS[(i + 3) % len(TEXTS)] or None
        docs.append(doc)
    proc = LangId()
    one_by_one = [proc(copy.deepcopy(d)).to_dict() for d in docs]
    piped = [d.to_dict() for d in proc.pipe(iter(copy.deepcopy(docs)), 64)]
    assert piped == one_by_one
