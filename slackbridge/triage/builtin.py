"""A classifier that needs no model: weighted multilingual signals per category, so triage always works.

Each category gets a score from general signals (trouble words, negated "it works" verbs, purchase intent,
question form, praise and emoji, spam vocabulary and shape, small talk); the highest score wins, ties going
to the category that costs most to miss. A problem outweighs the question form ("why was I charged twice?"),
price and purchase words outweigh it too ("do you ship to Lyon?"), and sarcasm turns praise into a complaint.
When no list fires (or two categories tie), a small learned model (learned.py) picks the category instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from slackbridge.ai.textsearch import fold
from slackbridge.text import find_urls
from slackbridge.triage import learned, lexicon
from slackbridge.triage.rules import phrase_pattern
from slackbridge.triage.types import Category, Classification, Sentiment, Stage, Urgency


def _compile(words: list[str]) -> re.Pattern[str]:
    pattern = phrase_pattern(words)
    assert pattern is not None
    return pattern


def _stems(words: list[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Exact tokens and prefix stems ("work*") for token-level matching."""
    folded = [fold(w) for w in words]
    return (
        frozenset(w for w in folded if not w.endswith("*")),
        tuple(w.rstrip("*") for w in folded if w.endswith("*")),
    )


_SPAM = _compile(lexicon.SPAM)
_LEAD_PHRASES = _compile(lexicon.LEAD)
_LEAD_STRONG = _compile(lexicon.LEAD_STRONG)
_LEAD_WEAK = _compile(lexicon.LEAD_WEAK)
_STRONG = _compile(lexicon.COMPLAINT_STRONG)
_WEAK = _compile(lexicon.COMPLAINT_WEAK)
_PROBLEM = _compile(lexicon.PROBLEM)
_INTENSIFIERS = _compile(lexicon.INTENSIFIERS)
_HYPOTHETICAL = _compile(lexicon.HYPOTHETICAL)
_PRAISE = _compile(lexicon.PRAISE)
_RESOLVED = _compile(lexicon.RESOLVED)
_URGENT = _compile(lexicon.URGENT)
_URGENT_WORDS = _compile(lexicon.URGENT_WORDS)
_PUBLIC_QUESTION = _compile(lexicon.PUBLIC_QUESTION)
_SMALL_TALK = _compile(lexicon.SMALL_TALK)
_JA_QUESTION = _compile(lexicon.JA_QUESTION)
_NEGATORS = frozenset(fold(w) for w in lexicon.NEGATORS)
_WORKING = _stems(lexicon.WORKING_VERBS)
_BUY_INTENT = _compile(lexicon.BUY_INTENT)
_BUY_VERBS = _compile(lexicon.BUY_VERBS)
# "been waiting 3 days", "for 47 minutes", "depuis 15 jours", "seit 10 Tagen", "hace dos semanas"
_WAIT = re.compile(
    r"(?:been|for|depuis|seit|hace|faz|ha|already|over)\s+(?:\d+|a|an|one|two|three|dos|tres|deux|trois|zwei|drei|duas|tres)\s+"
    r"(?:min\w*|hours?|days?|weeks?|months?|horas?|dias|semanas|meses|heures?|jours|semaines|mois|"
    r"stunden|tagen?|wochen|monate?n?)\b"
)
# Sarcasm markers include punctuation and emoji, so they are plain substrings, not whole words.
_SARCASM = [fold(s) for s in lexicon.SARCASM]
_POSITIVE_EMOJI = [fold(e) for e in lexicon.POSITIVE_EMOJI]
_NEGATIVE_EMOJI = [fold(e) for e in lexicon.NEGATIVE_EMOJI]
_INTERROGATIVE = re.compile(
    r"(?:^|[.!?¡¿,:;\n]\s*|^(?:hi|hey|hello|hola|bonjour|hallo|oi|ola)\s+)(?:"
    + "|".join(re.escape(fold(w)) for w in lexicon.INTERROGATIVES)
    + r"|(?:do|does|did|is|are|can|could|will|would|should|may|have|has)"
    + r"\s+(?:i|we|you|it|my|the|there|this|that)"
    + r")(?![\w'])"
)
_TOKEN = re.compile(r"[\w']+")
_CLAUSE = re.compile(r"[,.;:!?¡¿\n]")
_LEADING_MENTIONS = re.compile(r"^(?:[@\uff20]\w+\s*)+")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_CASHTAG = re.compile(r"(?<![\w$])\$[A-Za-z]{2,}\d*\b")
_SHORTENER = re.compile(r"\b(?:bit\.ly|tinyurl\.com|t\.me|cutt\.ly|goo\.gl|tiny\.cc|is\.gd)/", re.IGNORECASE)
_MONEY_EMOJI = re.compile("[\U0001f4b0\U0001f4b5\U0001f4b8\U0001f680\U0001f525\U0001f48e]")
_NEGATION_WINDOW = 3  # tokens either side: "never arrived", "ne fonctionne pas", "kommt nicht an"
_PRAISE_CAP = 3.0  # many praise words must not drown one real problem


@dataclass
class Signals:
    """What one text contains, with the words found, so a reason can quote them."""

    spam: list[str] = field(default_factory=list)
    structural_spam: int = 0
    lead: list[str] = field(default_factory=list)
    lead_weak: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    problem: list[str] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)
    intensifiers: list[str] = field(default_factory=list)
    praise: list[str] = field(default_factory=list)
    negated_praise: list[str] = field(default_factory=list)
    positive_emoji: int = 0
    negative_emoji: int = 0
    sarcasm: bool = False
    resolved: bool = False
    question: bool = False
    hypothetical: bool = False
    public: bool = False
    small_talk: list[str] = field(default_factory=list)
    urgent: list[str] = field(default_factory=list)
    urgent_words: list[str] = field(default_factory=list)
    shouting: bool = False


def _is_working_word(token: str) -> bool:
    exact, prefixes = _WORKING
    return token in exact or token.startswith(prefixes)


def _is_negator(token: str) -> bool:
    return token in _NEGATORS or token.startswith("n'")


def _negated_working(folded: str) -> list[str]:
    """'never arrived', "isn't responding", 'no signal', 'ne marche pas': a negator near a works/came word."""
    found = []
    for clause in _CLAUSE.split(folded):  # "no problem, thanks" is not a negated thanks
        tokens = _TOKEN.findall(clause)
        for i, token in enumerate(tokens):
            if not _is_working_word(token):
                continue
            window = tokens[max(0, i - _NEGATION_WINDOW) : i] + tokens[i + 1 : i + 1 + _NEGATION_WINDOW]
            negator = next((t for t in window if _is_negator(t)), None)
            if negator is not None:
                found.append(f"{negator} {token}")
    return found


def _praise_split(folded: str) -> tuple[list[str], list[str]]:
    """Praise words, and those a negator just before turns around ('not happy', 'nada excelente')."""
    plain: list[str] = []
    negated: list[str] = []
    for match in _PRAISE.finditer(folded):
        clause = _CLAUSE.split(folded[: match.start()])[-1]
        before = _TOKEN.findall(clause)[-2:]
        (negated if any(_is_negator(t) for t in before) else plain).append(match.group())
    return plain, negated


def signals(text: str) -> Signals:
    stripped = text.strip()
    body = _LEADING_MENTIONS.sub("", stripped)
    urls = find_urls(body)
    words_only = body
    for url in urls:
        words_only = words_only.replace(url, " ")
    words_only = _MENTION.sub("", words_only)  # "got into my @acme account" reads as "got into my account"
    folded = fold(words_only)
    letters = [c for c in words_only if c.isalpha() and c.isascii()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6
    structural = (
        (len(urls) >= 2)
        + (len(_HASHTAG.findall(body)) >= 4)
        + (len(_MENTION.findall(body)) >= 4)
        + (len(_MONEY_EMOJI.findall(body)) >= 2)
        + bool(_CASHTAG.search(body))
        + bool(_SHORTENER.search(body))
    )
    praise, negated_praise = _praise_split(folded)
    buy = [
        m.group()
        for m in _BUY_VERBS.finditer(folded)
        if _BUY_INTENT.search(" ".join(_TOKEN.findall(folded[: m.start()])[-4:]))
    ]
    return Signals(
        spam=_SPAM.findall(fold(body)),
        structural_spam=int(structural),
        lead=_LEAD_STRONG.findall(folded) + _LEAD_PHRASES.findall(folded) + buy,
        lead_weak=_LEAD_WEAK.findall(folded),
        strong=_STRONG.findall(folded),
        weak=_WEAK.findall(folded) + _WAIT.findall(folded),
        problem=_PROBLEM.findall(folded),
        negated=_negated_working(folded),
        intensifiers=_INTENSIFIERS.findall(folded),
        praise=praise,
        negated_praise=negated_praise,
        positive_emoji=sum(folded.count(e) for e in _POSITIVE_EMOJI),
        negative_emoji=sum(folded.count(e) for e in _NEGATIVE_EMOJI),
        sarcasm=any(s in folded for s in _SARCASM),
        resolved=bool(_RESOLVED.search(folded)),
        question=(
            "?" in body
            or "¿" in body
            or bool(_INTERROGATIVE.search(folded.strip()))
            or bool(_JA_QUESTION.search(folded))
        ),
        hypothetical=bool(_HYPOTHETICAL.search(folded)),
        public=bool(_PUBLIC_QUESTION.search(folded)),
        small_talk=_SMALL_TALK.findall(folded),
        urgent=_URGENT.findall(folded),
        urgent_words=_URGENT_WORDS.findall(folded),
        shouting=shouting or body.count("!") + body.count("\uff01") >= 3,
    )


def _quote(words: list[str]) -> str:
    return ", ".join(f"'{w}'" for w in list(dict.fromkeys(words))[:3])


@dataclass(frozen=True)
class Scores:
    values: dict[Category, float]
    reasons: dict[Category, str]

    def best(self) -> Category:
        # Ties go to the category that costs most to miss; Category order is the tie-break order below.
        order = [
            Category.SPAM,
            Category.COMPLAINT,
            Category.LEAD,
            Category.QUESTION,  # "love the new mode! is there a way to ...?" needs an answer
            Category.PRAISE,
            Category.OTHER,
        ]
        return max(order, key=lambda c: (self.values[c], -order.index(c)))


def score(s: Signals) -> Scores:
    """Weighted evidence per category; every weight is a small round number, see the module docstring."""
    trouble = s.strong + s.problem + s.negated + s.negated_praise + s.weak
    praise_score = min(1.2 * len(s.praise) + 0.8 * s.positive_emoji, _PRAISE_CAP)
    sarcastic = s.sarcasm and bool(s.praise or trouble or s.negative_emoji)
    # Praise next to a real problem is irony or a mixed review; either way something went wrong.
    mixed = bool(s.praise) and bool(s.strong or s.problem or s.negated or s.negated_praise)

    complaint = (
        2.0 * len(s.strong)
        + (0.5 if s.question and s.hypothetical else 1.5) * len(s.problem)
        + 2.0 * len(s.negated)
        + 2.0 * len(s.negated_praise)
        + 1.0 * len(s.weak)
        + (0.5 * len(s.intensifiers) if trouble else 0.0)
        + 1.0 * s.negative_emoji
        + (2.0 if s.urgent else 0.0)
        + (1.5 if s.shouting and not s.praise else 0.0)
    )
    if sarcastic or mixed:
        # "Great job, lost my luggage AGAIN 👏": the praise is the complaint.
        complaint += (2.0 if sarcastic else 0.0) + praise_score
        praise_score = 0.0
    if s.resolved:
        complaint = max(0.0, complaint - 3.0)
        praise_score += 1.0

    spam = 2.0 * len(s.spam) + 1.5 * s.structural_spam
    lead = 2.0 * len(s.lead) + 0.5 * len(s.lead_weak)
    question = 1.2 if s.question else 0.0
    other = 1.0 + (1.0 if s.public else 0.0) + 1.5 * min(len(s.small_talk), 2)
    if s.public:
        question = 0.0  # "anyone else seeing this?" is put to other people, not to us
    values = {
        Category.SPAM: spam,
        Category.COMPLAINT: complaint,
        Category.LEAD: lead,
        Category.PRAISE: praise_score,
        Category.QUESTION: question,
        Category.OTHER: other,
    }
    reasons = {
        Category.SPAM: f"spam signals {_quote(s.spam) or '(links, hashtags or mentions)'}",
        Category.COMPLAINT: (
            "sarcastic praise"
            if sarcastic
            else f"trouble {_quote(trouble)}"
            if trouble
            else "reports a serious problem"
            if s.urgent
            else "angry tone"
        ),
        Category.LEAD: f"buying interest {_quote(s.lead + s.lead_weak)}",
        Category.PRAISE: f"praise {_quote(s.praise) or '(emoji)'}",
        Category.QUESTION: "asks a question",
        Category.OTHER: (
            "asks other people on X, not us"
            if s.public
            else f"small talk {_quote(s.small_talk)}"
            if s.small_talk
            else "no clear signal"
        ),
    }
    return Scores(values, reasons)


def lexicon_undecided(s: Signals, scores: Scores) -> bool:
    """No list fired ("other" by default: no small talk, no question to the public), or a tie at the top."""
    best = scores.best()
    if best == Category.OTHER and not s.public and not s.small_talk:
        return True
    top = scores.values[best]
    return sum(1 for value in scores.values.values() if value == top) > 1


def classify_builtin(text: str) -> Classification:
    """Category, sentiment and urgency from weighted signals; the reason quotes the words that decided.

    When the word lists find no signal or tie, the learned model (learned.py) picks the category instead.
    """
    s = signals(text)
    scores = score(s)
    if lexicon_undecided(s, scores):
        prediction = learned.predict(text)
        category, reason = prediction.category, prediction.describe()
    else:
        category = scores.best()
        reason = scores.reasons[category]

    if category == Category.COMPLAINT:
        sentiment = Sentiment.NEGATIVE
    elif category == Category.PRAISE or (category == Category.LEAD and scores.values[Category.PRAISE] > 0):
        sentiment = Sentiment.POSITIVE
    else:
        sentiment = Sentiment.NEUTRAL

    urgency = Urgency.NORMAL
    if category != Category.SPAM:
        if s.urgent or s.urgent_words:
            urgency, reason = Urgency.HIGH, f"{reason}; urgent {_quote(s.urgent + s.urgent_words)}"
        elif s.shouting and sentiment == Sentiment.NEGATIVE:
            urgency, reason = Urgency.HIGH, f"{reason}; shouting"
    return Classification(category, sentiment, urgency, reason, Stage.BUILTIN)
