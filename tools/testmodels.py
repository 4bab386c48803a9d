"""Build tiny *real* translation packages offline (for tests, examples and benchmarks).

Nothing is downloaded: a SentencePiece model is trained on a few hundred generated news
sentences, a Transformer is described with ``ctranslate2.specs.TransformerSpec.from_config``
and given numpy weights, saved as a CTranslate2 model, and packed with ``metadata.json``
into a real ``.argosmodel`` zip. The weights are designed, not random, so outputs can be
checked exactly:

* **copy** models copy the source token by token (optionally mapping each token through
  a table, e.g. to its upper-case piece): position one-hots in the embeddings make the
  cross-attention of decoder step *t* look at source position *t*, and the attention
  values carry the source token through to the output projection. With a source language
  token in front (NLLB style) and a target prefix token, step 1 reads source position 1,
  so the prefix handling is visible in the output: a missing source prefix drops a word,
  a missing target prefix lets the language token through;
* **chain** models ignore the source and follow a token -> next-token table from the
  decoder's input (a bigram decoder), so a multilingual model answers each target
  prefix (``__kk__``) with a fixed word: which target was asked for is visible;
* **random** models (Transformer-base sized for the benchmark) have random weights and
  never emit ``</s>``, so every path decodes exactly ``max_decoding_length`` tokens.
"""

from __future__ import annotations

import io
import json
import random
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.translate.store import pack

_WORDS = {
    "en": "the government said on monday that new trade rules will come into force next year after talks in the "
    "capital officials expect exports to grow while prices for energy and food remain high according to the ministry",
    "ru": "правительство заявило в понедельник что новые правила торговли вступят в силу в следующем году после "
    "переговоров в столице чиновники ожидают роста экспорта цены на энергию и продукты остаются высокими",
    "kk": "үкімет дүйсенбі күні жаңа сауда ережелері келесі жылы күшіне енетінін мәлімдеді астанадағы келіссөздерден "
    "кейін шенеуніктер экспорттың өсуін күтеді энергия мен азық-түлік бағасы жоғары күйінде қалып отыр",
    "uz": "hukumat dushanba kuni yangi savdo qoidalari kelasi yildan kuchga kirishini maʼlum qildi poytaxtdagi "
    "muzokaralardan keyin amaldorlar eksport oʻsishini kutmoqda energiya va oziq-ovqat narxlari yuqoriligicha qolmoqda",
    "tr": "hükümet pazartesi günü yeni ticaret kurallarının gelecek yıl yürürlüğe gireceğini açıkladı başkentteki "
    "görüşmelerin ardından yetkililer ihracatın artmasını bekliyor enerji ve gıda fiyatları yüksek kalıyor",
}

#: Words a chain model may emit as single SentencePiece pieces (user-defined symbols).
MARKERS = ("qazaqsha", "poruski", "ozbekcha", "english", "turkce")


def corpus(n: int = 400, seed: int = 7) -> list[str]:
    """``n`` generated sentences in five languages, in mixed case with punctuation and digits."""
    rng = random.Random(seed)
    out = []
    langs = sorted(_WORDS)
    for i in range(n):
        words = _WORDS[langs[i % len(langs)]].split()
        k = rng.randint(4, 12)
        start = rng.randint(0, len(words) - k)
        sent = " ".join(words[start : start + k])
        if i % 3 == 0:
            sent = sent.upper()
        elif i % 3 == 1:
            sent = sent[:1].upper() + sent[1:]
        out.append(f"{sent} {rng.randint(1, 2030)}{rng.choice('.!?,;:')}")
    return out


def train_sentencepiece(
    path: str | Path, sentences: Iterable[str] | None = None, *, vocab_size: int = 600, user_symbols: Sequence[str] = ()
) -> Path:
    """Train a SentencePiece model (byte fallback on, so any text round-trips)."""
    import sentencepiece

    buf = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(list(sentences) if sentences is not None else corpus()),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,
        hard_vocab_limit=False,
        user_defined_symbols=list(user_symbols),
        minloglevel=2,
    )
    out = Path(path)
    out.write_bytes(buf.getvalue())
    return out


def sp_vocabulary(sp_path: str | Path) -> list[str]:
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_path))
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


# -- weights ------------------------------------------------------------------------------------------


def _set(spec: Any, name: str, value: Any) -> None:
    obj = spec
    parts = name.split("/")
    for part in parts[:-1]:
        base, _, index = part.rpartition("_")
        obj = getattr(obj, base)[int(index)] if index.isdigit() and hasattr(obj, base) else getattr(obj, part)
    setattr(obj, parts[-1], value)


def _layer_norm(spec: Any, name: str, d: int, np: Any) -> None:
    _set(spec, f"{name}/gamma", np.ones(d, dtype=np.float32))
    _set(spec, f"{name}/beta", np.zeros(d, dtype=np.float32))


def _linear(spec: Any, name: str, weight: Any, np: Any) -> None:
    _set(spec, f"{name}/weight", weight.astype(np.float32))
    _set(spec, f"{name}/bias", np.zeros(weight.shape[0], dtype=np.float32))


def _spec(
    vocab: Sequence[str],
    d: int,
    ffn: int,
    positions: int,
    *,
    enc_emb: Any,
    enc_pos: Any,
    dec_emb: Any,
    dec_pos: Any,
    cross_q: Any,
    cross_kv: Any,
    cross_out: Any,
    projection: Any,
    projection_bias: Any = None,
    add_source_eos: bool = False,
    layers: int = 1,
    heads: int = 1,
    fill: Any = None,
) -> Any:
    """A TransformerSpec with the given key weights; every other weight from ``fill`` (zeros by default)."""
    import numpy as np
    from ctranslate2.specs import TransformerSpec

    spec = TransformerSpec.from_config((layers, layers), heads)
    spec.encoder.scale_embeddings = False
    spec.decoder.scale_embeddings = False
    z = fill or (lambda *shape: np.zeros(shape, dtype=np.float32))
    _set(spec, "encoder/embeddings_0/weight", enc_emb)
    _set(spec, "encoder/position_encodings/encodings", enc_pos)
    _set(spec, "decoder/embeddings/weight", dec_emb)
    _set(spec, "decoder/position_encodings/encodings", dec_pos)
    for side in ("encoder", "decoder"):
        _layer_norm(spec, f"{side}/layer_norm", d, np)
        for i in range(layers):
            prefix = f"{side}/layer_{i}"
            _layer_norm(spec, f"{prefix}/self_attention/layer_norm", d, np)
            _linear(spec, f"{prefix}/self_attention/linear_0", z(3 * d, d), np)
            _linear(spec, f"{prefix}/self_attention/linear_1", z(d, d), np)
            _layer_norm(spec, f"{prefix}/ffn/layer_norm", d, np)
            _linear(spec, f"{prefix}/ffn/linear_0", z(ffn, d), np)
            _linear(spec, f"{prefix}/ffn/linear_1", z(d, ffn), np)
            if side == "decoder":
                _layer_norm(spec, f"{prefix}/attention/layer_norm", d, np)
                last = i == layers - 1
                _linear(spec, f"{prefix}/attention/linear_0", cross_q if last else z(d, d), np)
                _linear(spec, f"{prefix}/attention/linear_1", cross_kv if last else z(2 * d, d), np)
                _linear(spec, f"{prefix}/attention/linear_2", cross_out if last else z(d, d), np)
    _set(spec, "decoder/projection/weight", projection.astype(np.float32))
    bias = projection_bias if projection_bias is not None else np.zeros(len(vocab), dtype=np.float32)
    _set(spec, "decoder/projection/bias", bias.astype(np.float32))
    spec.register_source_vocabulary(list(vocab))
    spec.register_target_vocabulary(list(vocab))
    spec.config.add_source_eos = add_source_eos
    return spec


def build_copy_model(
    out_dir: str | Path,
    vocab: Sequence[str],
    *,
    mapping: Mapping[int, int] | None = None,
    positions: int = 256,
    add_source_eos: bool = True,
) -> Path:
    """A model that copies its source token by token (through ``mapping``, token id -> token id)."""
    import numpy as np

    v = len(vocab)
    d = v + positions
    eye_tok = np.zeros((v, d), dtype=np.float32)
    eye_tok[np.arange(v), np.arange(v)] = 1.0
    pos = np.zeros((positions, d), dtype=np.float32)
    pos[np.arange(positions), v + np.arange(positions)] = 1.0
    beta = 3.0  # query/key scale: attention to the matching position dominates
    q = np.zeros((d, d), dtype=np.float32)
    q[v:, v:] = beta * np.eye(positions, dtype=np.float32)
    k = q.copy()
    val = np.zeros((d, d), dtype=np.float32)
    for i in range(v):
        val[(mapping or {}).get(i, i), i] = 1.0
    out = np.zeros((d, d), dtype=np.float32)
    out[:v, :v] = np.eye(v, dtype=np.float32)
    proj = np.zeros((v, d), dtype=np.float32)
    proj[:, :v] = np.eye(v, dtype=np.float32)
    spec = _spec(
        vocab,
        d,
        4,
        positions,
        enc_emb=eye_tok,
        enc_pos=pos,
        dec_emb=np.zeros((v, d), dtype=np.float32),
        dec_pos=pos,
        cross_q=q,
        cross_kv=np.concatenate([k, val]),
        cross_out=out,
        projection=proj,
        add_source_eos=add_source_eos,
    )
    return _save(spec, out_dir)


def build_chain_model(out_dir: str | Path, vocab: Sequence[str], chain: Mapping[str, str]) -> Path:
    """A model whose decoder follows ``chain`` (token -> next token) from its input; other tokens -> ``</s>``."""
    import numpy as np

    v = len(vocab)
    d = v
    index = {t: i for i, t in enumerate(vocab)}
    eos = index["</s>"]
    eye = np.eye(v, dtype=np.float32)
    proj = np.zeros((v, d), dtype=np.float32)
    for i in range(v):
        proj[eos, i] = 1.0
    for src, nxt in chain.items():
        proj[:, index[src]] = 0.0
        proj[index[nxt], index[src]] = 1.0
    spec = _spec(
        vocab,
        d,
        4,
        8,
        enc_emb=eye,
        enc_pos=np.zeros((1024, d), dtype=np.float32),
        dec_emb=eye,
        dec_pos=np.zeros((1024, d), dtype=np.float32),
        cross_q=np.zeros((d, d), dtype=np.float32),
        cross_kv=np.zeros((2 * d, d), dtype=np.float32),
        cross_out=np.zeros((d, d), dtype=np.float32),
        projection=proj,
    )
    return _save(spec, out_dir)


def build_random_model(
    out_dir: str | Path,
    vocab: Sequence[str],
    *,
    layers: int = 6,
    d_model: int = 512,
    heads: int = 8,
    ffn: int = 2048,
    seed: int = 0,
    quantization: str | None = "int8",
) -> Path:
    """A Transformer with random weights that never emits ``</s>`` (benchmarks decode a fixed length)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    v = len(vocab)

    def rand(*shape: int) -> Any:
        return (rng.standard_normal(shape, dtype=np.float32) * 0.05).astype(np.float32)

    bias = np.zeros(v, dtype=np.float32)
    bias[list(vocab).index("</s>")] = -1e4
    positions = 1024
    from ctranslate2.specs import common_spec  # noqa: F401  (checks ctranslate2 is importable)

    pe = _sinusoids(positions, d_model, np)
    spec = _spec(
        vocab,
        d_model,
        ffn,
        positions,
        enc_emb=rand(v, d_model),
        enc_pos=pe,
        dec_emb=rand(v, d_model),
        dec_pos=pe,
        cross_q=rand(d_model, d_model),
        cross_kv=rand(2 * d_model, d_model),
        cross_out=rand(d_model, d_model),
        projection=rand(v, d_model),
        projection_bias=bias,
        layers=layers,
        heads=heads,
        fill=rand,
    )
    spec.encoder.scale_embeddings = True
    spec.decoder.scale_embeddings = True
    spec.validate()
    if quantization:
        spec.optimize(quantization=quantization)
    return _save(spec, out_dir, validate=False)


def _sinusoids(n: int, d: int, np: Any) -> Any:
    pos = np.arange(n, dtype=np.float32)[:, None]
    i = np.arange(d // 2, dtype=np.float32)[None, :]
    angle = pos / np.power(10000.0, 2 * i / d)
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=1).astype(np.float32)


def _save(spec: Any, out_dir: str | Path, *, validate: bool = True) -> Path:
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if validate:
        spec.validate()
    spec.save(str(out))
    return out


# -- packages -------------------------------------------------------------------------------------------


def write_package(
    pkg_dir: str | Path,
    metadata: Mapping[str, Any],
    *,
    sp_model: str | Path,
    build: Any,
    target_sp_model: str | Path | None = None,
) -> Path:
    """Lay out a package folder: metadata.json, model/ (``build(model_dir)``) and the tokenizer(s)."""
    root = Path(pkg_dir)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    build(root / "model")
    if target_sp_model is None:
        shutil.copyfile(sp_model, root / "sentencepiece.model")
    else:
        shutil.copyfile(sp_model, root / "source.spm")
        shutil.copyfile(target_sp_model, root / "target.spm")
    (root / "metadata.json").write_text(json.dumps(dict(metadata), ensure_ascii=False, indent=1), "utf-8")
    (root / "README.md").write_text(f"Test package {root.name}: built by tools.testmodels.\n", "utf-8")
    return root


def upper_mapping(vocab: Sequence[str]) -> dict[int, int]:
    """Token id -> id of its upper-case piece, where the vocabulary has one."""
    index = {t: i for i, t in enumerate(vocab)}
    out = {}
    for i, tok in enumerate(vocab):
        if tok.startswith("<"):
            continue
        j = index.get(tok.upper())
        if j is not None:
            out[i] = j
    return out


def build_test_packages(workdir: str | Path) -> dict[str, Path]:
    """The standard set of test packages, as ``.argosmodel`` archives, keyed by short name.

    * ``kk_en``: Kazakh -> English, copies (argos style: one SentencePiece model);
    * ``en_ru``: English -> Russian, copies each piece as its upper-case piece;
    * ``nllb``: multilingual NLLB-style copy model (``eng_Latn`` ... source and target prefixes,
      ``</s>`` appended by the engine), separate source/target SentencePiece files;
    * ``m2m``: multilingual ``__kk__``-style chain model answering each target with a marker word;
    * ``tr_en``: Turkish -> English, copies;
    * ``opus``: OPUS-MT-style English -> Kazakh/Uzbek copy model whose target is chosen by a
      token that starts the *source* (``>>kaz<<``, ``>>uzb<<``); it copies that token as the
      target's marker word (``qazaqsha``, ``ozbekcha``), so the output shows which it was given.
    """
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    lang_tokens_nllb = ["eng_Latn", "kaz_Cyrl", "rus_Cyrl", "uzn_Latn"]
    lang_tokens_m2m = ["__en__", "__kk__", "__ru__", "__uz__"]
    sp = train_sentencepiece(work / "sp.model", user_symbols=MARKERS)
    vocab = sp_vocabulary(sp)
    vocab_ml = vocab + lang_tokens_nllb + lang_tokens_m2m
    out: dict[str, Path] = {}

    def make(key: str, name: str, metadata: dict[str, Any], build: Any, *, separate_sp: bool = False) -> None:
        folder = write_package(
            work / "src" / name, metadata, sp_model=sp, build=build, target_sp_model=sp if separate_sp else None
        )
        out[key] = pack(folder, work / f"{name}.argosmodel")

    base = {"package_version": "1.0", "argos_version": "1.0", "type": "translate"}
    make(
        "kk_en",
        "translate-kk_en-1_0",
        {**base, "from_code": "kk", "from_name": "Kazakh", "to_code": "en", "to_name": "English"},
        lambda d: build_copy_model(d, vocab),
    )
    make(
        "en_ru",
        "translate-en_ru-1_0",
        {**base, "from_code": "en", "from_name": "English", "to_code": "ru", "to_name": "Russian"},
        lambda d: build_copy_model(d, vocab, mapping=upper_mapping(vocab)),
    )
    make(
        "tr_en",
        "translate-tr_en-1_0",
        {**base, "from_code": "tr", "to_code": "en"},
        lambda d: build_copy_model(d, vocab),
    )
    codes = ["en", "kk", "ru", "uz"]
    make(
        "nllb",
        "nllb-tiny-1_0",
        {
            **base,
            "from_codes": codes,
            "to_codes": codes,
            "language_tokens": "nllb",
            "source_eos": True,
            "sentencepiece": {"source": "source.spm", "target": "target.spm"},
        },
        lambda d: build_copy_model(d, vocab_ml, add_source_eos=False),
        separate_sp=True,
    )
    opus_tokens = {"kk": ">>kaz<<", "uz": ">>uzb<<"}
    vocab_opus = vocab + list(opus_tokens.values())
    index = {t: i for i, t in enumerate(vocab_opus)}
    make(
        "opus",
        "opus-mt-en-trk-tiny-1_0",
        {
            **base,
            "from_code": "en",
            "to_codes": ["kk", "uz"],
            "target_token_in_source": opus_tokens,
            "source_eos": True,
            "sentencepiece": {"source": "source.spm", "target": "target.spm"},
        },
        lambda d: build_copy_model(
            d,
            vocab_opus,
            mapping={index[">>kaz<<"]: index["qazaqsha"], index[">>uzb<<"]: index["ozbekcha"]},
            add_source_eos=False,
        ),
        separate_sp=True,
    )
    markers = dict(zip(lang_tokens_m2m, ["english", "qazaqsha", "poruski", "ozbekcha"], strict=True))
    make(
        "m2m",
        "m2m-tiny-1_0",
        {**base, "from_codes": codes, "to_codes": codes, "language_tokens": "m2m"},
        lambda d: build_chain_model(d, vocab_ml, markers),
    )
    return out


# -- tiny Hugging Face snapshots (for `models convert`; need transformers and torch) -------------------


def build_hf_marian(
    folder: str | Path,
    *,
    source_lang: str = "en",
    target_lang: str = "trk",
    target_tokens: Sequence[str] = (">>kaz_Cyrl<<", ">>uzb_Latn<<", ">>tur<<"),
    seed: int = 0,
) -> Path:
    """A tiny randomly initialised Marian (OPUS-MT style) snapshot, as ``save_pretrained`` writes it:
    config.json, model.safetensors, source.spm, target.spm, vocab.json (``<pad>`` last, as in
    OPUS-MT), tokenizer_config.json. The target tokens (``>>kaz_Cyrl<<``) are in the vocabulary."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    out = Path(folder)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    sp = train_sentencepiece(out / "source.spm")
    shutil.copyfile(sp, out / "target.spm")
    vocab: dict[str, int] = {}
    for piece in ["</s>", "<unk>", *sp_vocabulary(sp), *target_tokens]:
        if piece not in ("<s>",):
            vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    (out / "tokenizer_config.json").write_text(
        json.dumps({"source_lang": source_lang, "target_lang": target_lang}), "utf-8"
    )
    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=256,
        pad_token_id=vocab["<pad>"],
        decoder_start_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        init_std=0.5,
    )
    MarianMTModel(config).save_pretrained(out)
    (out / "README.md").write_text("---\nlicense: cc-by-4.0\n---\nA tiny random Marian model for tests.\n", "utf-8")
    return out


def build_hf_m2m100(folder: str | Path, *, seed: int = 0) -> Path:
    """A tiny randomly initialised M2M-100 snapshot with its real tokenizer (``__kk__`` language tokens)."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    out = Path(folder)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    sp = train_sentencepiece(out / "sentencepiece.bpe.model")
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in sp_vocabulary(sp):
        vocab.setdefault(piece, len(vocab))
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    tokenizer = M2M100Tokenizer(
        vocab_file=str(out / "vocab.json"),
        spm_file=str(sp),
        src_lang="en",
        tgt_lang="kk",
        num_madeup_words=0,
        additional_special_tokens=[f"__{c}__" for c in FAIRSEQ_LANGUAGE_CODES["m2m100"]],  # as the real snapshot
    )
    tokenizer.save_pretrained(out)
    torch.manual_seed(seed)
    size = max(len(vocab), *tokenizer.lang_code_to_id.values()) + 1  # language tokens follow the pieces
    config = M2M100Config(
        vocab_size=size,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=256,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        init_std=0.5,
    )
    M2M100ForConditionalGeneration(config).save_pretrained(out)
    (out / "README.md").write_text("---\nlicense: mit\n---\nA tiny random M2M-100 model for tests.\n", "utf-8")
    return out


def hf_greedy(folder: str | Path, tokens: Sequence[str], steps: int, prefix: Sequence[str] = ()) -> list[str]:
    """The reference: ``steps`` greedy tokens from the Hugging Face model itself (its forward pass,
    argmax at each step), for source ``tokens``, after the forced target ``prefix``."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(folder)).eval()
    ids = torch.tensor([tokenizer.convert_tokens_to_ids(list(tokens))])
    out = [model.config.decoder_start_token_id, *tokenizer.convert_tokens_to_ids(list(prefix))]
    with torch.no_grad():
        for _ in range(steps):
            logits = model(input_ids=ids, decoder_input_ids=torch.tensor([out])).logits[0, -1]
            out.append(int(logits.argmax()))
            if out[-1] == model.config.eos_token_id:
                break
    return tokenizer.convert_ids_to_tokens(out[1 + len(prefix) :])
