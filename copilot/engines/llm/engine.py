"""The llm engine: a LangChain agent that writes with tools, masked data and a composer fallback.

The composer still does what must be exact (module choice, call to action, send time, the
transparency line); the model rewrites the e-mail or answers the question from the same context.
Everything the model sees is PII-masked; its output is unmasked, parsed as JSON and validated. A
timeout, a provider error, malformed output or a leak of the system prompt falls back to the
composer's output, and the result says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from copilot.assembly import TaskContext
from copilot.core.context import AppContext
from copilot.core.instructions import looks_injected
from copilot.engines.base import ComposerEngine, EngineRun
from copilot.engines.composer import answer as composer_answer
from copilot.engines.composer import intent as intents
from copilot.engines.composer.answer import ComposedAnswer
from copilot.engines.composer.email import MAX_WORDS, MIN_WORDS, ComposedEmail, words
from copilot.engines.composer.reply import ComposedReply
from copilot.engines.composer.spoken import calm, standard
from copilot.engines.llm.model import build_chat_model
from copilot.engines.llm.tools import Search, build_tools
from copilot.guards.injection import leaks_prompt, quarantine
from copilot.guards.output import safe_citations
from copilot.guards.pii import Masker
from copilot.writing.plan import MessagePlan, mentions, render_plan
from prompts import load
from retrieval.tokens import count_tokens
from tools.agent_tools import TOOLS, ToolContext

#: Planted in the system prompt; if it ever shows up in an output, the prompt leaked.
CANARY = "PK-CANARY-5d1e93b7"
LANGUAGE_NAMES = {"fi": "suomeksi", "en": "English"}
FIXED_ANSWERS = ("greeting", "thanks", "handoff", "send")
"""Kinds of message both engines answer with the composer's fixed reply (see composer.answer.compose)."""
Out = TypeVar("Out", bound=BaseModel)


class EmailOut(BaseModel):
    subject: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=20, max_length=6000)


class ReplyOut(BaseModel):
    text: str = Field(min_length=20, max_length=4000)


class AnswerOut(BaseModel):
    text: str = Field(min_length=1, max_length=3000)
    known: bool = True
    citations: list[int] = Field(default_factory=list)


class LlmFailure(Exception):
    """The model did not produce a usable output; the message says why (shown as the fallback reason)."""


class LlmEngine:
    name = "llm"

    def __init__(
        self,
        model: Any,
        *,
        search: Search,
        timeout_s: float,
        model_name: str,
        link_allowlist: Sequence[str] = ("kaarna.example", "polku.example"),
        app: AppContext | None = None,
    ) -> None:
        self.model = model
        self.search = search
        self.app = app
        """Given, staff tasks get the registry's tools (tools.agent_tools.TOOLS) acting as the asker."""
        self.timeout_s = timeout_s
        self.model_name = model_name
        self.link_allowlist = tuple(link_allowlist)
        self.fallback = ComposerEngine(self.link_allowlist)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")

    @classmethod
    def from_context(cls, ctx: AppContext, model: Any | None = None) -> LlmEngine:
        from retrieval import service as retrieval

        def search(query: str, k: int, filters: Any) -> list[Any]:
            return retrieval.search(ctx, query, k=k, filters=filters).hits

        s = ctx.settings
        return cls(
            model or build_chat_model(s),
            search=search,
            timeout_s=s.llm_timeout_s,
            model_name=s.llm_model,
            link_allowlist=s.link_allowlist,
            app=ctx,
        )

    def compose_email(
        self, tc: TaskContext, plan: MessagePlan, *, sender: str, opens: Sequence[datetime]
    ) -> tuple[ComposedEmail, EngineRun]:
        base, _ = self.fallback.compose_email(tc, plan, sender=sender, opens=opens)
        draft = f"Composer's draft to improve:\nSubject: {base.subject}\n\n{base.body}"
        request = f"{render_plan(plan, tc.language)}\n\n{draft}"
        try:
            out, run = self._run("draft_email", tc, request, EmailOut)
            keeps_plan(out.subject + "\n" + out.body, plan, tc.language)
        except LlmFailure as exc:
            return base, EngineRun(engine="composer", model=self.model_name, fallback=str(exc))
        return base.model_copy(update={"subject": out.subject, "body": out.body}), run

    def compose_reply(self, tc: TaskContext, *, title: str | None, body: str, subject: str, unhappy: bool,
                      agent: str, variant: int, cause: str = "") -> tuple[ComposedReply, EngineRun]:
        base, _ = self.fallback.compose_reply(tc, title=title, body=body, subject=subject, unhappy=unhappy,
                                              agent=agent, variant=variant, cause=cause)
        ticket = subject or "(not quoted: in another language, or naming nothing)"
        request = f"Support request: {ticket}\n\nDraft reply to improve:\n{base.text}"
        try:
            out, run = self._run("support_reply", tc, request, ReplyOut)
            if re.search(r"\[\d{1,2}\]", out.text):
                raise LlmFailure("the rewrite put citation markers in the customer's text")
        except LlmFailure as exc:
            return base, EngineRun(engine="composer", model=self.model_name, fallback=str(exc))
        return base.model_copy(update={"text": out.text}), run

    def answer(self, tc: TaskContext, *, question: str,
               history: Sequence[tuple[str, str]] = ()) -> tuple[ComposedAnswer, EngineRun]:
        tc, _ = quarantine(tc)  # the citations shown with the answer come from the cleaned passages
        kind = intents.classify(standard(calm(question), tc.language), tc.language)
        if kind in FIXED_ANSWERS:
            # "Can I talk to a person?", "hei!", "send us your DPA": the same fixed reply and hand-off flag as the
            # composer's, so the widget offers a person whichever engine runs; the model adds nothing to these
            return self.fallback.answer(tc, question=question)[0], EngineRun(engine="composer", model=self.model_name)
        try:
            if looks_injected(question):
                # A question that talks to the model about its rules, persona or output format gets an
                # extractive answer from the sources instead: the model never reads the attack.
                raise LlmFailure("the question looked like a prompt injection; answered from the sources only")
            # A price for a number of users is reckoned by the price tool, as the composer does: the model
            # words the figures, it does not do the sums.
            sums = [r[0] for part in intents.parts(question) if (r := composer_answer.reckon(tc, part))]
            figures = f"\n\nPrice estimate from the price list (use these figures as they are): {' '.join(sums)}" \
                if sums else ""
            out, run = self._run("answer", tc, f"Question: {question}{figures}", AnswerOut, history=history)
        except LlmFailure as exc:
            base, _ = self.fallback.answer(tc, question=question)
            return base, EngineRun(engine="composer", model=self.model_name, fallback=str(exc))
        cited = safe_citations([p for p in tc.passages if p.ref in set(out.citations)], self.link_allowlist)
        used = ["public_content", *sorted({f.category for f in tc.facts})]
        return ComposedAnswer(
            text=out.text, citations=cited, known=out.known, handoff=not out.known, used_categories=used,
            reckoned=" ".join(sums),
        ), run

    def _run(self, task: str, tc: TaskContext, request: str, schema: type[Out],
             history: Sequence[tuple[str, str]] = ()) -> tuple[Out, EngineRun]:
        from langchain.agents import create_agent
        from langchain_core.messages import AIMessage, HumanMessage
        from langchain_core.runnables import RunnableConfig

        tc, _ = quarantine(tc)  # instruction-shaped text in passages and history never reaches the model
        masker = Masker.for_names(tc.names)
        system = load("agent", tc.language).format(canary=CANARY, language_name=LANGUAGE_NAMES[tc.language])
        system += "\n\n" + load(task, tc.language)
        prompt = f"<context>\n{masker.mask(tc.render())}\n</context>\n\n{masker.mask(request)}"
        registry, runtime = self._registry(tc)
        agent = create_agent(self.model, tools=build_tools(tc, self.search, masker, registry), system_prompt=system,
                             context_schema=ToolContext)
        config: RunnableConfig = {"recursion_limit": 10, "tags": [f"task:{tc.task}"], "metadata": {"task": tc.task}}
        # Earlier turns of the thread, masked like everything else the model sees.
        earlier = [HumanMessage(content=masker.mask(text)) if role == "user" else AIMessage(content=masker.mask(text))
                   for role, text in history if not looks_injected(text)]  # an earlier attack is not replayed
        messages = [*earlier, HumanMessage(content=prompt)]
        state_in: Any = {"messages": messages}
        future = self._pool.submit(lambda: agent.invoke(state_in, config, context=runtime))
        try:
            state = future.result(timeout=self.timeout_s)
        except Exception as exc:  # provider errors of any client: the reason, not the trace
            if _timed_out(exc):
                raise LlmFailure(f"the model did not answer within {self.timeout_s:g} s") from None
            raise LlmFailure(f"the model call failed: {type(exc).__name__}: {_short(exc)}") from None
        final = state["messages"][-1]
        raw = final.content if isinstance(final.content, str) else json.dumps(final.content)
        if CANARY in raw or _echoes(system, raw):
            raise LlmFailure("the output repeated the system prompt")
        out = _parse(raw, schema)
        for name, value in out:
            if isinstance(value, str):
                # Judge what a person will read: normalised, and decoded the ways an extraction asks for.
                if leaks_prompt(system, value, canary=CANARY):
                    raise LlmFailure("the output repeated the system prompt")
                setattr(out, name, masker.unmask(value))
        tokens_in = sum(count_tokens(str(m.content)) for m in state["messages"][:-1]) + count_tokens(system)
        return out, EngineRun(
            engine=self.name, model=self.model_name, tokens_in=tokens_in, tokens_out=count_tokens(raw)
        )


    def _registry(self, tc: TaskContext) -> tuple[list[Any], ToolContext | None]:
        """The registry's tools for a staff task (scores, CLV, next actions, CRM reads, and CRM writes as
        previews only), acting as the asker and scoped to the task's account; none for text a customer
        reads, whose facts the consent gate already chose."""
        if self.app is None or tc.actor is None or tc.decision.audience != "staff":
            return [], None
        return list(TOOLS), ToolContext(app=self.app, actor=tc.actor, now=tc.now, account_id=tc.subject.account_id)


def keeps_plan(text: str, plan: MessagePlan, lang: str) -> None:
    """Refuse a rewrite that breaks the plan's rules: citation markers in the customer's text, a
    length outside 60-180 words, or an owned product named (the composer's draft is used instead)."""
    if re.search(r"\[\d{1,2}\]", text):
        raise LlmFailure("the rewrite put citation markers in the customer's text")
    n = words(text)
    if not MIN_WORDS <= n <= MAX_WORDS + 15:  # the subject line is counted in too
        raise LlmFailure(f"the rewrite has {n} words (60-180 expected)")
    owned = [name for name in plan.avoid if mentions(text, [name])]
    if owned:
        raise LlmFailure(f"the rewrite names an owned product ({', '.join(owned)})")


def _parse(raw: str, schema: type[Out]) -> Out:
    text = raw.strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise LlmFailure("the model's output was not JSON")
    try:
        return schema.model_validate(json.loads(text[start : end + 1]))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise LlmFailure(f"the model's output did not match the expected shape ({type(exc).__name__})") from None


def _echoes(system: str, output: str, words: int = 8) -> bool:
    """True when any run of ``words`` consecutive words of the system prompt appears in the output."""
    tokens = system.split()
    flat = " ".join(output.split())
    return any(" ".join(tokens[i : i + words]) in flat for i in range(0, max(len(tokens) - words, 0)))


def _timed_out(exc: BaseException) -> bool:
    """Our deadline, or the provider client's own (it gets the same one and, on a busy machine, may
    fire first): one event, one reason."""
    import httpx
    import openai

    return isinstance(exc, FutureTimeout | openai.APITimeoutError | httpx.TimeoutException)


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:160]
