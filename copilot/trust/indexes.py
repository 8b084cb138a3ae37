"""Personal data outside SQL: retrieval's stores (the vector store, the index and its snapshots, the
embedding cache; see ``retrieval.subjects``), the drafts of campaign jobs (rows keyed by the contact) and
the campaign files older versions of the marketer page kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from copilot.core.context import AppContext
from copilot.core.store.repo import jobs as jobs_repo
from copilot.tasks.campaign import stored_file_paths
from copilot.trust.subject import Identifiers
from retrieval import subjects


@dataclass(frozen=True)
class Found:
    retrieval: subjects.SubjectHoldings
    campaign_files: int
    campaign_results: int = 0
    """Drafts for the person among the results of campaign jobs."""


@dataclass(frozen=True)
class Erased:
    retrieval: subjects.SubjectErasure
    campaign_files_removed: int
    campaign_results_removed: int = 0


def find(ctx: AppContext, ids: Identifiers, *, texts: Sequence[str]) -> Found:
    """What these stores hold about the person; ``texts`` are their account history's texts, which
    may have been embedded."""
    with ctx.db.session() as session:
        results = len(jobs_repo.results_for_item(session, item_key=ids.contact_id, kinds=["campaign"]))
    return Found(retrieval=subjects.export_subject(ctx, ids.mentions, texts=texts),
                 campaign_files=len(campaign_files_mentioning(ctx, ids)), campaign_results=results)


def erase(ctx: AppContext, ids: Identifiers, *, texts: Sequence[str]) -> Erased:
    """Remove the person from these stores."""
    with ctx.db.session() as session:
        results = jobs_repo.delete_for_item(session, item_key=ids.contact_id, kinds=["campaign"])
    return Erased(retrieval=subjects.erase_subject(ctx, ids.mentions, texts=texts),
                  campaign_files_removed=scrub_campaign_files(ctx, ids), campaign_results_removed=results)


def campaign_files_mentioning(ctx: AppContext, ids: Identifiers) -> list[Path]:
    """The marketer page's stored campaign files that name the person."""
    return [p for p in stored_file_paths(ctx.settings)
            if ids.mentions(p.read_text(encoding="utf-8", errors="replace"))]


def scrub_campaign_files(ctx: AppContext, ids: Identifiers) -> int:
    """Delete the campaign files that name the person. Each is one segment's drafts, kept only to be
    downloaded, so deleting the file is simpler and safer than rewriting it without them."""
    files = campaign_files_mentioning(ctx, ids)
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)
