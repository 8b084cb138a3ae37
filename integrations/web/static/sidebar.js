// The support sidebar: account card, suggested reply (streamed, editable, copyable), next actions, escalation.
"use strict";

(() => {
  const { el, pageLink, money, pct, num, date } = Polku;
  const $ = (id) => document.getElementById(id);
  const errorBox = $("error"), status = $("status");
  let current = null;  // the loaded sidebar data

  function lookup() {
    const p = new URLSearchParams(location.search);
    for (const name of ["ticket", "email", "account"]) {
      if (p.get(name)) return { [name]: p.get(name) };
    }
    return null;
  }

  function facts(rows) {
    const dl = el("dl", { cls: "facts" });
    for (const [term, value] of rows) dl.append(el("dt", { text: term }), el("dd", {}, [value]));
    return dl;
  }

  const badge = (text, kind) => el("span", { cls: "badge " + (kind || ""), text });

  // Every figure carries its one-line explanation as a tooltip (title) and for screen readers.
  const explained = (node, text) => { if (text) { node.setAttribute("title", text); node.classList.add("explained"); } return node; };

  function churnBlock(d) {
    const churn = d.churn;
    if (!churn) return el("span", { cls: "muted", text: "not estimated (no running contract)" });
    const until = churn.term_end ? " before the term ends " + churn.term_end : "";
    const box = el("div", {}, [explained(badge(pct(churn.probability) + " · " + churn.band, churn.band), d.explanations.churn),
      el("span", { cls: "muted", text: until + " (a hint, not a fact)" })]);
    const drivers = el("ul", { cls: "plain" });
    for (const x of churn.drivers.slice(0, 4)) {
      drivers.append(el("li", { text: `${x.direction === "raises risk" ? "▲" : "▼"} ${x.text}` }));
    }
    box.append(drivers);
    return box;
  }

  function leadBlock(lead, why) {
    if (!lead) return el("span", { cls: "muted", text: "no open lead" });
    return el("span", {}, [explained(badge(num(lead.score) + " / " + num(lead.threshold), lead.mql ? "ok" : ""), why),
      el("span", { cls: "muted", text: ` ${lead.contact ? lead.contact + ": " : ""}fit ${num(lead.fit)} + behaviour ` +
        `${num(lead.behaviour)} → ${lead.route.replace(/_/g, " ")}` })]);
  }

  function consentTable(consents, purposes) {
    const body = el("tbody");
    for (const purpose of purposes) {
      const c = consents.find((x) => x.purpose === purpose);
      body.append(el("tr", {}, [el("td", { text: purpose.replace(/_/g, " ") }),
        el("td", {}, [c ? badge(c.status, c.status === "granted" ? "granted" : "bad") : badge("none on record")]),
        el("td", { text: c ? c.lawful_basis.replace(/_/g, " ") : "–" }), el("td", { text: c ? c.level : "–" })]));
    }
    const head = el("thead", {}, [el("tr", {}, ["Purpose", "Status", "Basis", "Level"].map(
      (h) => el("th", { text: h, attrs: { scope: "col" } })))]);
    return el("table", {}, [head, body]);
  }

  function renderAccount(d) {
    const acc = d.account, level = d.service_level;
    const overdue = d.escalation.reasons.some((r) => r.includes("exceeded"));
    const due = d.reply_due ? el("span", {}, [" · first reply due " + date(d.reply_due) + " ",
      overdue ? badge("overdue", "bad") : ""])
      : d.ticket && d.ticket.first_reply_at ? el("span", { cls: "muted", text: " · answered " + date(d.ticket.first_reply_at) }) : "";
    const parts = [
      el("p", {}, [el("strong", { text: acc.name }), " ", explained(badge(d.tier.toUpperCase(), d.tier), d.explanations.tier),
        el("span", { cls: "muted", text: ` ${(acc.industry || "").replace(/_/g, " ")} · ${acc.size || ""} · owner ${d.owner_name || "–"}` })]),
      facts([
        ["Contact", d.contact ? `${d.contact.first_name} ${d.contact.last_name} (${d.contact.email})` : "–"],
        ["CLV", explained(el("span", { text: money(d.clv) }), d.explanations.clv)],
        ["Churn risk", churnBlock(d)],
        ["Lead score", leadBlock(d.lead, d.explanations.lead)],
        ["Reply target", el("span", {}, [`< ${level.reply_within_hours} h, ${level.handled_by}`, due])],
      ]),
    ];
    if (d.ticket) {
      const t = d.ticket;
      parts.push(el("h3", { text: `Ticket ${t.id}` }), facts([
        ["Subject", t.subject], ["Text", t.body], ["Opened", date(t.opened_at) + " via " + t.channel],
        ["Sentiment", badge(num(t.sentiment, 2), t.sentiment <= -0.3 ? "bad" : t.sentiment >= 0.3 ? "ok" : "")],
      ]));
    }
    parts.push(el("h3", { text: "Consent by purpose" }), consentTable(d.consents, d.purposes));
    const last = el("ul", { cls: "plain" });
    for (const i of d.interactions) last.append(el("li", { text: `${date(i.at)} · ${i.kind} · ${i.text}` }));
    parts.push(el("h3", { text: "Last interactions" }), d.interactions.length ? last : el("p", { cls: "muted", text: "none" }));
    const open = el("ul", { cls: "plain" });
    for (const t of d.open_tickets) {
      open.append(el("li", {}, [pageLink("/web/sidebar", { ticket: t.id }, t.id), ` ${t.subject} (${date(t.opened_at)})`]));
    }
    parts.push(el("h3", { text: "Open tickets" }), d.open_tickets.length ? open : el("p", { cls: "muted", text: "none" }));
    $("account-body").replaceChildren(...parts);
    $("account").hidden = false;
  }

  function renderEscalation(e) {
    const box = $("escalation");
    box.className = "hint " + e.level;
    box.replaceChildren(el("strong", { text: e.text }),
      e.reasons.length ? el("div", { cls: "muted", text: "Why: " + e.reasons.join(", ") }) : "");
    box.hidden = false;
  }

  function renderActions(na) {
    $("actions-summary").textContent = na.summary;
    // the worded lines (the reader's language, names, formatted figures); the value basis as a tooltip
    $("actions-list").replaceChildren(...na.actions.map((a, i) => el("li", {}, [
      explained(el("span", { text: na.lines[i] || a.title }), `${a.value_basis}`)])));
    $("actions").hidden = false;
  }

  async function suggest() {
    const box = $("reply-text"), sources = $("sources"), st = $("reply-status");
    const ticket = current.ticket || (current.open_tickets || [])[0];
    if (!ticket) { $("reply").hidden = true; return; }  // nothing to reply to
    Polku.clearError($("reply-error"));
    box.value = "";
    box.readOnly = true;
    sources.replaceChildren();
    $("reply").hidden = false;
    Polku.busy(st, "Drafting a reply from the help content…");
    try {
      const reply = await Polku.stream("/web/api/sidebar/reply/stream", { ticket_id: ticket.id }, {});
      if (reply.status === "blocked") throw new Polku.ApiError(reply.reason, "blocked", 200);
      box.value = reply.text;
      if (reply.article) {
        sources.append(el("li", {}, [el("strong", { text: reply.article.title }),
          el("span", { cls: "muted", text: " · " + reply.article.location })]));
      } else {
        sources.append(el("li", { cls: "muted", text: "no help content fits this ticket" }));
      }
      Polku.idle(st, reply.escalate ? "No help content fits: hand it to a specialist (the draft says so)."
        : `Draft in the customer's language (${reply.language}): check it, then copy.`);
    } catch (err) {
      Polku.idle(st);
      Polku.showError($("reply-error"), err);
    } finally {
      box.readOnly = false;
    }
  }

  async function copy() {
    const text = $("reply-text").value, out = $("copy-status");
    try {
      await navigator.clipboard.writeText(text);
      out.textContent = "Copied to the clipboard.";
    } catch (_) {
      $("reply-text").select();  // fallback for browsers without clipboard permission
      out.textContent = document.execCommand("copy") ? "Copied to the clipboard." : "Copy failed: select the text and press Ctrl+C.";
    }
  }

  async function load() {
    const which = lookup();
    if (!which) { Polku.idle(status, "Open a ticket by id or a customer by e-mail."); return; }
    Polku.busy(status, "Loading the account…");
    try {
      current = await Polku.getJSON("/web/api/sidebar?" + new URLSearchParams(which));
    } catch (err) {
      Polku.idle(status);
      Polku.showError(errorBox, err);
      return;
    }
    Polku.idle(status);
    renderEscalation(current.escalation);
    renderAccount(current);
    renderActions(current.next_actions);
    suggest();
  }

  $("lookup").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const params = f.get("ticket") ? { ticket: f.get("ticket") } : f.get("email") ? { email: f.get("email") } : null;
    if (params) location.search = new URLSearchParams(params).toString();
  });
  $("copy").addEventListener("click", copy);
  $("regenerate").addEventListener("click", () => current && suggest());
  Polku.requireKey(load);
})();
