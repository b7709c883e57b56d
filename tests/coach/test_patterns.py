"""Every regular expression of the project runs in linear time (issue 11).

The action server has one event loop for every user, so one pattern that backtracks
super-linearly on a long message (the old `coach.practice.drill._COUNT` took about 2 s on a digit
followed by 4,000 spaces, minutes on 100 KB) stalls everyone. These tests find the patterns
themselves, so a new one is checked without anyone remembering to list it:

* `ast` reads actions/, bot/ and bench/ for calls of re.compile/search/match/fullmatch/sub/
  subn/findall/finditer/split; a string-literal pattern is compiled straight from the source;
* the modules with a call are imported, and every `re.Pattern` they hold at module level
  (also inside tuples, lists, sets, dicts and the module's own classes) is collected, which
  covers patterns built at import from f-strings, joins and comprehensions;
* a call whose pattern is neither a literal nor made at import (one built per call with
  `re.escape`) must be listed in DYNAMIC_BUILDERS, which covers it by calling its helper.

Each pattern's `search` then runs on every 100 KB adversarial string and must finish in
the budget: BUDGET_S, or on a slower machine REFERENCE_MULTIPLE times what a plain Python
loop over 100 KB takes there (a linear pattern is slower on a slow machine too; a
super-linear one is thousands of times slower anywhere). A call that overruns is re-timed
(the best of MAX_TRIES counts), so a scheduler hiccup on a busy machine is not a failure
while a super-linear pattern, slow every time, is; a call still running after CAP_S is
interrupted (SIGALRM), so an exponential pattern fails the test instead of hanging it.
"""
from __future__ import annotations

import ast
import functools
import importlib
import random
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("coach", "actions", "rasa_plugins", "bot", "tools", "testkit", "bench")
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
# Where `flags` sits among each function's positional arguments.
FLAGS_POSITION = {"compile": 1, "search": 2, "match": 2, "fullmatch": 2, "findall": 2, "finditer": 2,
                  "split": 3, "sub": 4, "subn": 4}
# Calls inside a function whose pattern is built per call (so neither a literal nor a
# module-level object): (file, function) -> how this file covers it.
DYNAMIC_BUILDERS = {
    ("coach/grading/key_points.py", "_term"): "the compiled patterns of _term(thing) for every compared thing of the bank",
    ("coach/grading/key_points.py", "swaps"): "swaps() itself, timed on every adversarial string",
}

SIZE = 100_000
BUDGET_S = 0.050
# The slowest linear call measured 15 times the loop of `budget_s` on 2026-12-01
# (compared_things, on a busy machine); a super-linear one is thousands of times it.
REFERENCE_MULTIPLE = 30
MAX_TRIES = 3
CAP_S = 1.0


# --- Finding the patterns -------------------------------------------------------------


@dataclass(frozen=True)
class CallSite:
    path: str  # relative to the repository, e.g. "coach/practice/drill.py"
    line: int
    function: str | None  # the enclosing def, None at module (or class) level
    pattern: str | None  # the pattern when it is a string literal
    flags: int


def _flags(node: ast.expr | None, re_names: set[str]) -> int | None:
    """The value of a flags argument made of re.X names joined with |, else None."""
    if node is None:
        return 0
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in re_names:
        value = getattr(re, node.attr, None)
        return int(value) if isinstance(value, re.RegexFlag) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _flags(node.left, re_names), _flags(node.right, re_names)
        return None if left is None or right is None else left | right
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    return None


class _Calls(ast.NodeVisitor):
    def __init__(self, path: str):
        self.path = path
        self.re_names: set[str] = set()  # `import re` / `import re as rx`
        self.functions: dict[str, str] = {}  # `from re import compile as c` -> {"c": "compile"}
        self.scope: list[str] = []
        self.sites: list[CallSite] = []

    def visit_Import(self, node: ast.Import) -> None:
        self.re_names |= {alias.asname or alias.name for alias in node.names if alias.name == "re"}

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "re":
            self.functions |= {a.asname or a.name: a.name for a in node.names if a.name in RE_FUNCTIONS}

    def _function(self, node: ast.AST, name: str) -> None:
        self.scope.append(name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node, "<lambda>")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.re_names:
            name = func.attr if func.attr in RE_FUNCTIONS else None
        elif isinstance(func, ast.Name):
            name = self.functions.get(func.id)
        if name is not None:
            first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "pattern"), None)
            literal = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            position = FLAGS_POSITION[name]
            flags_node = node.args[position] if len(node.args) > position else next(
                (k.value for k in node.keywords if k.arg == "flags"), None)
            flags = _flags(flags_node, self.re_names)
            assert flags is not None, f"{self.path}:{node.lineno}: flags this test cannot read"
            self.sites.append(CallSite(self.path, node.lineno, self.scope[-1] if self.scope else None, literal, flags))
        self.generic_visit(node)


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


@lru_cache(maxsize=1)
def call_sites() -> tuple[CallSite, ...]:
    sites: list[CallSite] = []
    for path in _sources():
        visitor = _Calls(path.relative_to(ROOT).as_posix())
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        sites += visitor.sites
    return tuple(sites)


def _module_name(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _held_patterns(name: str, value: object, seen: set[int], depth: int = 0) -> Iterator[tuple[str, re.Pattern]]:
    if id(value) in seen or depth > 5:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        yield name, value
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _held_patterns(f"{name}[{i}]", item, seen, depth + 1)
    elif isinstance(value, (set, frozenset)):
        for item in value:
            yield from _held_patterns(f"{name}{{...}}", item, seen, depth + 1)
    elif isinstance(value, dict):
        for key, item in list(value.items()):
            yield from _held_patterns(f"{name}.keys()", key, seen, depth + 1)
            yield from _held_patterns(f"{name}[{key!r}]", item, seen, depth + 1)


def module_patterns(module_name: str) -> dict[str, re.Pattern]:
    """The patterns a module holds at module level, by dotted name."""
    module = importlib.import_module(module_name)
    found: dict[str, re.Pattern] = {}
    seen: set[int] = set()
    for attribute, value in list(vars(module).items()):
        if isinstance(value, type) and value.__module__ == module_name:
            for class_attribute, class_value in list(vars(value).items()):
                found.update(_held_patterns(f"{module_name}.{attribute}.{class_attribute}", class_value, seen))
        else:
            found.update(_held_patterns(f"{module_name}.{attribute}", value, seen))
    return found


@lru_cache(maxsize=1)
def collected_patterns() -> dict[str, re.Pattern]:
    """Every distinct pattern (by text and flags) of the project, by a readable name."""
    named: dict[str, re.Pattern] = {}
    for site in call_sites():
        if site.pattern is not None:
            named[f"{site.path}:{site.line}"] = re.compile(site.pattern, site.flags)
    for module_name in sorted({_module_name(site.path) for site in call_sites()}):
        named.update(module_patterns(module_name))
    named.update(builder_patterns())
    distinct: dict[tuple[str, int], str] = {}
    for name, pattern in sorted(named.items(), key=lambda item: ("/" in item[0] or ":" in item[0], item[0])):
        distinct.setdefault((pattern.pattern, pattern.flags), name)  # prefer module names to file:line
    return {name: named[name] for name in distinct.values()}


def compared_pairs() -> list[tuple[str, str]]:
    from coach.content.question_bank import question_bank
    from coach.grading.key_points import compared_things

    pairs = {compared_things(q.prompt) for q in question_bank().questions.values()}
    return sorted(p for p in pairs if p) + [("L1", "L2"), ("min-max", "z-score"), ("C++", "k-means")]


def builder_patterns() -> dict[str, re.Pattern]:
    """The patterns of DYNAMIC_BUILDERS that can be had as objects (`_term`'s)."""
    from coach.grading.key_points import _term

    return {f"coach.grading.key_points._term({thing!r})": _term(thing) for pair in compared_pairs() for thing in pair}


# --- The adversarial strings ----------------------------------------------------------


def _fill(unit: str, prefix: str = "", suffix: str = "") -> str:
    body = SIZE - len(prefix) - len(suffix)
    return prefix + (unit * (body // len(unit) + 1))[:body] + suffix


ADVERSARIAL = {
    # Generic: runs of one character class, and the repeated words of the app's commands.
    "spaces": _fill(" "),
    "digit then spaces": _fill(" ", "1"),
    "digit then spaces then x": _fill(" ", "1", "x"),
    "a repeated": _fill("a"),
    "a repeated then !": _fill("a", suffix="!"),
    "'a ' repeated": _fill("a "),
    "digits": _fill("1"),
    "digits and spaces": _fill("12 "),
    "please repeated": _fill("please "),
    "please unspaced": _fill("please"),
    "open braces": _fill("{"),
    "close braces": _fill("}"),
    "mixed punctuation": _fill("{{}}[]()<>.,;:!?-'’\"/\\|*+_"),
    "word space digit": _fill("a 1 "),
    "words and numbers": _fill("word 42 x7 "),
    "number of questions": _fill("number of questions "),
    "newlines": _fill("\n"),
    "lines": _fill("x\n"),
    "tabs and spaces": _fill("\t \u00a0\r"),
    "unicode letters": _fill("λé "),
    "underscores": _fill("a_"),
    # coach.practice.drill._COUNT: a number, then whitespace or dashes never followed by "questions".
    "digit, spaces, dash, spaces": _fill(" ", "1", "-" + " " * 50_000),
    "digit, dash, spaces": _fill(" ", "1 -", "x"),
    "number more": _fill("1 more "),
    "number word more quick": _fill("seven more quick "),
    "number and dash runs": _fill("1 - - "),
    "digit then nbsp": _fill("\u00a0", "1"),
    # coach.practice.drill._POLITE, _REQUEST, _COMMANDS and parse_choice's opening.
    "hmm...": _fill("m", "hmm", "x"),
    "um um": _fill("um "),
    "ummm then word": _fill("m", "u", "q"),
    "request openings": _fill("could you give me "),
    "i'd like to have": _fill("i'd like to have "),
    "dont know": _fill("i do n't know "),
    "one more hint": _fill("one more hint "),
    "i think": _fill("i think "),
    "it's then spaces": _fill(" ", "it's"),
    # coach.content.faq._DRILL_PAYLOAD.
    "payload closing braces": _fill("}", "/start_drill{{", "x"),
    "payload body": _fill("x", "/start_drill{{", "}"),
    "payload opening braces": _fill("{", "/start_drill"),
    # coach.grading.key_points._COMPARISON: comparisons whose end never comes.
    "compare x and": _fill("compare x and "),
    "compare then ands": _fill("x and ", "compare "),
    "compare the vs": _fill("compare the a vs b vs "),
    "between with": _fill("between a with b with "),
    "does differ from": _fill("does x differ from y "),
    "is then differ froms": _fill("a differ from ", "is "),
    "keywords": _fill("compare is does between are "),
    "compare x and, lines": _fill("compare x and y and\n"),
    # coach.grading.key_points._term/swaps, coach.grading.matching._BRITISH, the other small ones.
    "hyphenated": _fill("supervised-"),
    "plurals": _fill("lists"),
    "isation": _fill("isation"),
    "colour": _fill("colour "),
    "our": _fill("our"),
    "apostrophes": _fill("'", "a", " "),
    "dots": _fill("."),
    "dot then spaces": _fill(" ", ".", "x"),
    "sentences": _fill("a b c. "),
    "the then spaces": _fill(" ", "the"),
    "slug then dash": _fill("a0_", suffix="-"),
}


# --- Timing ---------------------------------------------------------------------------


class _Overrun(Exception):
    pass


def _raise_overrun(signum, frame):
    raise _Overrun


@lru_cache(maxsize=1)
def budget_s() -> float:
    """This machine's budget for one call on 100 KB (see the module docstring): the loop's
    best of five runs, so a busy moment does not inflate it."""
    text = "1 " * (SIZE // 2)

    def loop() -> int:
        spaces = 0
        for char in text:
            if char == " ":
                spaces += 1
        return spaces

    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        loop()
        best = min(best, time.perf_counter() - start)
    return max(BUDGET_S, REFERENCE_MULTIPLE * best)


def timed(call: Callable[[], object]) -> float:
    """Seconds one call takes (the best of up to MAX_TRIES when it overruns the budget),
    or CAP_S and more when it had to be interrupted."""
    alarm = threading.current_thread() is threading.main_thread()
    best = float("inf")
    for _ in range(MAX_TRIES):
        previous = signal.signal(signal.SIGALRM, _raise_overrun) if alarm else None
        previous = signal.SIG_DFL if previous is None else previous
        start = time.perf_counter()
        try:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, CAP_S)
            call()
        except _Overrun:
            return time.perf_counter() - start
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        best = min(best, time.perf_counter() - start)
        if best < budget_s():
            break
    return best


def _check(timings: dict[tuple[str, str], float]) -> None:
    slow = sorted(((t, name, text) for (name, text), t in timings.items() if t >= budget_s()), reverse=True)
    slowest = max(timings.items(), key=lambda item: item[1])
    summary = (f"slowest of {len(timings)} calls: {slowest[0][0]} on {slowest[0][1]!r}: {slowest[1] * 1000:.1f} ms"
               f" (budget {budget_s() * 1000:.0f} ms)")
    print(summary)
    assert not slow, summary + "\nover budget:\n" + "\n".join(
        f"  {t * 1000:9.1f} ms{' (interrupted)' if t >= CAP_S else ''}  {name} on {text!r}" for t, name, text in slow)


# --- Tests ----------------------------------------------------------------------------


def test_the_collector_finds_the_projects_patterns():
    patterns = collected_patterns()
    for name in ("coach.practice.drill._COUNT", "coach.practice.drill._POLITE", "coach.practice.drill._REQUEST",
                 "coach.content.faq._DRILL_PAYLOAD", "coach.grading.key_points._COMPARE",
                 "coach.grading.key_points._DIFFER", "coach.language.pipeline._VOCABULARY_WORD",
                 "coach.grading.key_points._ARTICLE", "coach.grading.matching._BRITISH[0][0]"):
        assert name in patterns, f"{name} not collected: {sorted(patterns)}"
    assert sum(name.startswith("coach.practice.drill._COMMANDS[") for name in patterns) == 5
    assert any(name.startswith("coach.grading.key_points._term(") for name in patterns)
    literal_sites = [s for s in call_sites() if s.pattern is not None]
    assert len(call_sites()) >= 25 and len(literal_sites) >= 20, call_sites()
    assert len(patterns) >= 30, sorted(patterns)


def test_every_call_is_covered():
    """A literal is compiled from the source, a module-level call runs at import; anything
    else must be a DYNAMIC_BUILDERS entry, covered below (and every entry must still exist)."""
    dynamic = {(s.path, s.function) for s in call_sites() if s.pattern is None and s.function is not None}
    assert dynamic == set(DYNAMIC_BUILDERS), (
        f"patterns built inside functions: {sorted(dynamic)}; cover new ones in {Path(__file__).name}")
    # A module with a non-literal module-level call must give patterns the literals do not.
    literals = {(s.pattern, s.flags) for s in call_sites() if s.pattern is not None}
    for path in {s.path for s in call_sites() if s.pattern is None and s.function is None}:
        held = module_patterns(_module_name(path)).values()
        assert any((p.pattern, p.flags) not in literals for p in held), f"{path}: its import-time patterns were not found"


def test_every_pattern_searches_100_kb_in_linear_time():
    timings = {(name, text): timed(functools.partial(pattern.search, ADVERSARIAL[text]))
               for name, pattern in collected_patterns().items() for text in ADVERSARIAL}
    _check(timings)


def test_the_functions_that_read_user_text_are_fast_on_100_kb():
    """The per-call patterns of `swaps`, and the functions that apply the patterns to what a
    user types (a drill request, a reply, an answer, a question about an employer)."""
    from coach.content.question_bank import ChoiceQuestion, question_bank
    from coach.grading.key_points import compared_things, mentions, swaps
    from coach.language.employers import employer_words
    from coach.practice.drill import command_in, parse_choice, requested_count

    choice = next(q for q in question_bank().questions.values() if isinstance(q, ChoiceQuestion))
    pair = ("bagging", "boosting")
    functions: dict[str, Callable[[str], object]] = {
        "command_in": command_in,
        "requested_count": requested_count,
        "parse_choice": lambda text: parse_choice(choice, text),
        "mentions": lambda text: mentions(text, "supervised"),
        "swaps": lambda text: swaps.__wrapped__(text, pair),
        "swaps (hyphenated things)": lambda text: swaps.__wrapped__(text, ("min-max", "z-score")),
        "compared_things": compared_things.__wrapped__,
        "employer_asked_about": employer_words().employer_asked_about,
    }
    _check({(name, text): timed(functools.partial(function, ADVERSARIAL[text]))
            for name, function in functions.items() for text in ADVERSARIAL})


# --- The rewritten patterns match what the originals did ------------------------------

# coach.practice.drill._COUNT before issue 11: `\s*[- ]?\s*` is three overlapping quantifiers.
OLD_COUNT = re.compile(
    r"\b(\d{1,3}|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty)\b(?:\s*[- ]?\s*(?:more\s+|quick\s+|short\s+|interview\s+)?"
    r"(?:questions?|qs?|rounds?|problems?|items?))",
    re.IGNORECASE,
)
# coach.grading.key_points._COMPARISON before issue 11: each lazy `.+?` retried at every later
# "and" and every later keyword (cubic on "compare x and x and ...").
OLD_COMPARISON = re.compile(
    r"(?:between|compare|contrast) (?:the )?(?P<a>.+?) (?:and|with|to|versus|vs\.?) (?P<b>.+?)"
    r"(?:[?,.;:]| in | for | when | and (?:how|when|why|what|which|where))"
    r"|(?:does|do|is|are) (?P<c>.+?) differ from (?P<d>.+?)(?:[?,.;:]| in | for | when | and )",
    re.IGNORECASE,
)


def _random_texts(words: list[str], count: int, longest: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(words) + rng.choice(("", " ", " ", " ", "  ")) for _ in range(rng.randint(1, longest)))


def test_the_count_pattern_reads_what_it_read_before():
    from coach.practice.drill import _COUNT

    words = ["1", "7", "12", "123", "1234", "one", "seven", "seventeen", "Twenty", "-", "--", " ", "\t", "\n", "\u00a0",
             "more", "quick", "short", "interview", "question", "questions", "Questions", "q", "qs", "round", "items",
             "problem", "drill", "x", "a", "please", "7-question", "3q", "\u017fix", "\u017feven", "EIGHT", "\u0663", "\u00b2"]
    for text in _random_texts(words, 20_000, 8, seed=11):
        old, new = OLD_COUNT.search(text), _COUNT.search(text)
        assert (old and old.group(1)) == (new and new.group(1)), repr(text)


def test_the_comparison_pattern_reads_what_it_read_before():
    from coach.grading.key_points import _comparison

    words = ["compare", "between", "contrast", "does", "do", "is", "are", "this", "compared", "the", "The", "a", "x",
             "y", "z", "and", "AND", "with", "to", "versus", "vs", "vs.", "differ", "from", "differ from", "in", "for",
             "when", "how", "why", "which", "?", ",", ".", ";", ":", "\n", "L1", "L2"]
    for text in _random_texts(words, 30_000, 14, seed=11):
        old = OLD_COMPARISON.search(text)
        expected = (old["a"] or old["c"], old["b"] or old["d"]) if old else None
        assert _comparison(text) == expected, repr(text)


def test_odd_replies_are_read_not_raised():
    """Found while timing the readers above: these raised instead of reading the reply."""
    from coach.content.question_bank import ChoiceQuestion, question_bank
    from coach.practice.drill import parse_choice, requested_count

    choice = next(q for q in question_bank().questions.values() if isinstance(q, ChoiceQuestion))
    assert parse_choice(choice, "1" * 5000) is None  # int() refuses 4,300 digits and more
    assert parse_choice(choice, "²") is None  # isdigit() but not a number int() reads
    assert parse_choice(choice, "2") == 1
    assert requested_count("\u017fix questions") is None  # IGNORECASE matches "ſix", lower() keeps it
    assert requested_count("SIX questions") == 6
