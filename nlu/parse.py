"""`parse(text, context) -> Parse`: intent, entities with polarity, utterance embedding.

Also understands Rasa-style payloads (`/reject{"item": "123"}`), which quick replies and buttons
send: those skip the classifier and carry their intent and entities explicitly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from nlu.clauses import clause_spans
from nlu.dialogue_context import context_features
from nlu.encoder import SentenceEncoder
from nlu.entities import EntityLexicon, extract_entities
from nlu.intent_classifier import IntentClassifier, delexicalize
from nlu.item_nouns import ItemNouns, rewrite
from nlu.types import INTENTS, UNWANTED, Act, Entity, Parse, ParseContext

PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w]*)(?P<json>\{.*\})?\s*$", re.DOTALL)
PAYLOAD_INTENTS = set(INTENTS) | {"rate", "reset", "restart"}
DELEXICALISED_AS = {"unknown_title": "title", "facet": "genre", "comparison": "year"}


class PayloadError(ValueError):
    pass


def parse_payload(text: str) -> tuple[str, dict] | None:
    """`/intent{"key": "value"}` → (intent, slots); None when `text` is not a payload."""
    match = PAYLOAD.match(text.strip())
    if not match:
        return None
    intent = match.group("intent")
    if intent not in PAYLOAD_INTENTS:
        raise PayloadError(
            f"unknown payload intent /{intent} (known: {', '.join(sorted(PAYLOAD_INTENTS))})"
        )
    slots = {}
    if match.group("json"):
        try:
            slots = json.loads(match.group("json"))
        except json.JSONDecodeError as e:
            raise PayloadError(f"payload /{intent} carries broken JSON: {e.msg}") from e
        if not isinstance(slots, dict):
            raise PayloadError(f"payload /{intent} must carry a JSON object")
    return intent, slots


def wanted_text(text: str, entities: list[Entity]) -> str:
    """The utterance with its unwanted mentions (and the negation just before them) cut out."""
    unwanted = [e for e in entities if e.polarity == UNWANTED]
    if not unwanted:
        return text
    pieces, cursor = [], 0
    for entity in sorted(unwanted, key=lambda e: e.start):
        head = text[cursor : entity.start]
        # drop a dangling negation cue right before the mention ("not a", "no more", "anything but")
        head = re.sub(
            r"(?i)\b(not|no|no more|without|anything but|except|other than|nothing|never|"
            r"don'?t want|hate|avoid|less)\b[\s\w']{0,12}$",
            "",
            head,
        )
        pieces.append(head)
        cursor = entity.end
    pieces.append(text[cursor:])
    return re.sub(r"\s+", " ", "".join(pieces)).strip(" ,;")


def delexicalised_offsets(text: str, spans: list[tuple[int, int, str]]) -> list[int]:
    """Position k of `delexicalize(text, spans)` (k = 0 .. its length) → position in `text`; a
    placeholder's first character maps to its span's start, the rest to its end."""
    out, cursor = [], 0
    for start, end, kind in sorted(spans):
        if start < cursor:
            continue
        out.extend(range(cursor, start))
        out.append(start)
        out.extend([end] * (len(kind) + 1))  # the rest of "<kind>"
        cursor = end
    out.extend(range(cursor, len(text) + 1))
    return out


def _acts_in_text(acts: list[tuple[str, float, int, int]], offsets: list[int]) -> list[Act]:
    """Acts whose spans index the delexicalised text → Acts over the original text."""
    return [Act(intent, p, offsets[start], offsets[end]) for intent, p, start, end in acts]


def _outside(replacements: list[tuple[int, int, str]], spans: list[tuple[int, int, str]]
             ) -> list[tuple[int, int, str]]:
    """The replacements that overlap no entity span (an item word inside a title stays)."""
    return [r for r in replacements if all(r[1] <= a or r[0] >= b for a, b, _ in spans)]


@dataclass
class NluPipeline:
    encoder: SentenceEncoder
    lexicon: EntityLexicon
    classifier: IntentClassifier
    item_nouns: ItemNouns | None = None  # a schema domain's item words (nlu/item_nouns.py)
    # the copy of the encoder fine-tuned for the head (nlu/intent_encoder.py); None: the head
    # reads the frozen encoder's vectors
    intent_encoder: SentenceEncoder | None = None

    def parse(self, text: str, context: ParseContext = ParseContext()) -> Parse:
        payload = parse_payload(text)
        if payload is not None:
            return self._parse_payload(text, *payload)
        entities = extract_entities(text, self.lexicon, context)
        wanted = wanted_text(text, entities)
        keywords = list(dict.fromkeys(e.value for e in entities if e.type == "keyword"))
        # one batch: the utterance, its wanted part (when different), each keyword
        texts = [text] + ([wanted] if wanted not in ("", text) else []) + keywords
        # a title the catalog lacks reads as a title to the classifier; a schema domain's facet
        # value as a genre ("a <genre> tool"), its numeric limit as a year ("<year>"): the
        # classifier learnt those places from the movie data
        spans = [(e.start, e.end, DELEXICALISED_AS.get(e.type, e.type)) for e in entities]
        # a schema domain's item words (outside entities) as the classifier's ("a mystery
        # novel" → "a mystery movie"), for its input only: one more text to encode
        nouns = _outside(self.item_nouns.spans(text), spans) \
            if self.item_nouns is not None else []
        if nouns:
            texts.append(rewrite(text, nouns)[0])
        vectors = self.encoder.encode(texts)  # [len(texts), 384]
        n_keywords_end = len(texts) - (1 if nouns else 0)
        if nouns:
            delexicalized, offsets = rewrite(text, [(a, b, f"<{kind}>") for a, b, kind in spans]
                                             + nouns)
        else:
            delexicalized = delexicalize(text, spans)
            offsets = delexicalised_offsets(text, spans)
        # clause spans of the delexicalised text: each act is placed in the clause that says it
        # ... read beside what the bot just did (nlu/dialogue_context.py; zeros without context)
        head_vector = vectors[-1] if nouns else vectors[0]  # [384]
        if self.intent_encoder is not None:
            head_vector = self.intent_encoder.encode_one(texts[-1] if nouns else text)
        intent, confidence, ranking, acts = self.classifier.predict_acts(
            head_vector, delexicalized, clause_spans(delexicalized), context_features(context))
        if wanted == "":  # everything said was unwanted ("not a romance"): no pull toward it
            wanted_embedding = np.zeros_like(vectors[0])
        else:
            wanted_embedding = vectors[1] if wanted != text else None
        return Parse(
            text=text,
            intent=intent,
            confidence=confidence,
            entities=entities,
            embedding=vectors[0],
            wanted_embedding=wanted_embedding,
            intent_ranking=ranking,
            keyword_vectors=dict(zip(keywords, vectors[n_keywords_end - len(keywords):
                                                       n_keywords_end])),
            acts=_acts_in_text(acts, offsets),
        )

    def _parse_payload(self, text: str, intent: str, slots: dict) -> Parse:
        entities = []
        item = slots.get("item")
        if item is not None:
            item_ids = tuple(str(i) for i in item) if isinstance(item, list) else (str(item),)
            entities.append(
                Entity(
                    type="reference",
                    value=",".join(item_ids),
                    text=text,
                    start=0,
                    end=len(text),
                    item_ids=item_ids,
                )
            )
        return Parse(
            text=text,
            intent=intent,
            confidence=1.0,
            entities=entities,
            intent_ranking=[(intent, 1.0)],
            slots=slots,
        )
