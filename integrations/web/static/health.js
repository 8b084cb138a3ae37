// Service health board: churn risks, onboarding, NPS/CSAT, reply-time compliance; every account one click away.
"use strict";

(() => {
  const { el, pageLink, pct, num, date } = Polku;
  const $ = (id) => document.getElementById(id);
  let names = {};  // account id → name
  let byTier = {};  // tier → [account id]

  const account = (id) => pageLink("/web/sidebar", { account: id }, names[id] ? `${names[id]} (${id})` : id);
  const badge = (text, kind) => el("span", { cls: "badge " + (kind || ""), text });

  function table(headers, rows, empty) {
    if (!rows.length) return el("p", { cls: "muted", text: empty });
    const head = el("thead", {}, [el("tr", {}, headers.map(([h, cls]) => el("th", { text: h, cls, attrs: { scope: "col" } })))]);
    return el("table", {}, [head, el("tbody", {}, rows.map((r) => el("tr", {}, r.map(([v, cls]) => el("td", { cls }, [v])))))]);
  }

  function tierAccounts(tier) {
    const ids = byTier[tier] || [];
    const d = el("details", {}, [el("summary", { text: `${ids.length} accounts` })]);
    const list = el("ul", { cls: "plain" });
    for (const id of ids) list.append(el("li", {}, [account(id)]));
    d.append(list);
    return d;
  }

  // Every figure carries its one-line explanation as a tooltip (title).
  const explained = (node, text) => { if (text) { node.setAttribute("title", text); node.classList.add("explained"); } return node; };

  function render(b) {
    const n = "num", why = b.explanations || {};
    $("risk-summary").textContent = b.active_customers === undefined ? "" :
      `${b.above_low} of ${b.active_customers} active customers are above the low band (20 %); the highest risks:`;
    $("risks").replaceChildren(table([["Account"], ["Risk", n], ["Term ends"], ["Why (this account's own figures)"]],
      b.churn_risks.map((r) => [
        [account(r.account_id)], [explained(badge(pct(r.probability), r.band), r.explanation || why.churn), n],
        [r.term_end || "–"],
        [explained(el("span", { text: r.drivers.filter((x) => x.direction === "raises risk").slice(0, 2)
          .map((x) => x.text).join("; ") || "–" }), why.drivers)],
      ]), "No churn estimate: too few past term ends in the store to learn from."));
    $("compliance").replaceChildren(table(
      [["Tier"], ["Target"], ["Tickets", n], ["Within target", n], ["Compliance", n], ["Median reply", n], ["Accounts"]],
      b.reply_compliance.map((c) => [[badge(c.tier.toUpperCase(), c.tier)], [`< ${c.target_hours} h`], [num(c.tickets), n],
        [num(c.within_target), n], [explained(badge(pct(c.compliance), c.compliance === null ? "" : c.compliance >= 0.9 ? "ok" : c.compliance >= 0.7 ? "warn" : "bad"), why.compliance), n],
        [c.median_reply_hours === null ? "–" : num(c.median_reply_hours, 1) + " h", n], [tierAccounts(c.tier)]]),
      "No tickets yet."));
    $("onboarding").replaceChildren(table([["Account"], ["Started"], ["Active weeks", n], ["Features", n], ["Progress", n], ["Status"]],
      b.onboarding.map((o) => [[account(o.account_id)], [date(o.started).slice(0, 10)], [`${o.active_weeks} / ${o.weeks}`, n],
        [num(o.features_used), n], [explained(el("span", { text: pct(o.progress) }), why.onboarding), n], [badge(o.status, o.status === "on track" ? "ok" : "warn")]]),
      "No customers in onboarding."));
    $("surveys").replaceChildren(table([["Period"], ["NPS", n], ["Answers", n], ["CSAT", n], ["Answers", n]],
      b.surveys.map((s) => [[s.period], [explained(el("span", { text: s.nps === null ? "–" : num(s.nps, 0) }), why.nps), n], [num(s.nps_answers), n],
        [s.csat === null ? "–" : num(s.csat, 2), n], [num(s.csat_answers), n]]), "No survey answers."));
  }

  async function load() {
    Polku.busy($("status"), "Loading the board…");
    try {
      const [board, scores] = await Promise.all([Polku.getJSON("/v1/health-board?top=10"),
                                                 Polku.getJSON("/v1/scores?limit=1000")]);
      names = Object.fromEntries(scores.rows.map((r) => [r.account_id, r.name]));
      byTier = {};
      for (const r of scores.rows) (byTier[r.tier] = byTier[r.tier] || []).push(r.account_id);
      render(board);
      Polku.idle($("status"), `${scores.accounts} accounts.`);
    } catch (err) {
      Polku.idle($("status"));
      Polku.showError($("error"), err);
    }
  }

  Polku.requireKey(load);
})();
