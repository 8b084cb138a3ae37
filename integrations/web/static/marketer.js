// Marketer page: campaign copy as a job with a server-fed progress bar, one-element A/B variants with sample size, funnel.
"use strict";

(() => {
  const { el, money, pct, num } = Polku;
  const $ = (id) => document.getElementById(id);
  const campaignForm = $("campaign-form"), bar = $("campaign-progress");

  function segment() {
    const f = new FormData(campaignForm);
    const parts = ["persona", "stage", "industry", "language"].filter((k) => f.get(k)).map((k) => `${k}=${f.get(k)}`);
    return parts.length ? parts.join(",") : "all";
  }

  function table(headers, rows) {
    const head = el("thead", {}, [el("tr", {}, headers.map(([h, cls]) => el("th", { text: h, cls, attrs: { scope: "col" } })))]);
    const body = el("tbody", {}, rows.map((r) => el("tr", {}, r.map(([v, cls]) => el("td", { cls }, [v])))));
    return el("table", {}, [head, body]);
  }

  async function download(jobId) {
    try {
      const resp = await Polku.send("GET", `/v1/jobs/${jobId}/results?format=csv`);
      const url = URL.createObjectURL(await resp.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `campaign-${jobId.slice(0, 8)}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      Polku.showError($("campaign-error"), err);
    }
  }

  // The first written contact, to prefill the variants form (one line of the job's results).
  async function sampleContact(jobId) {
    try {
      const text = await (await Polku.send("GET", `/v1/jobs/${jobId}/results?format=jsonl&limit=1`)).text();
      return text.trim() ? JSON.parse(text.split("\n")[0]).contact_id : null;
    } catch (err) {
      return null;
    }
  }

  // A campaign is a job: started by one request, followed through its progress events (the job runs on
  // the workers, or in the server without a broker); its drafts stay in the store for the download.
  async function runCampaign(ev) {
    ev.preventDefault();
    const st = $("campaign-status"), out = $("campaign-result"), go = $("generate");
    Polku.clearError($("campaign-error"));
    out.replaceChildren();
    go.disabled = true;
    bar.hidden = false;
    bar.removeAttribute("value");  // indeterminate until the server reports the first numbers
    Polku.busy(st, "Starting…");
    const started = Date.now();
    try {
      const body = { segment: segment(), goal: new FormData(campaignForm).get("goal") };
      const job = await (await Polku.send("POST", "/web/api/campaign", body)).json();
      const s = await Polku.stream(`/v1/jobs/${job.id}/events`, undefined, {
        progress: (p) => {
          if (p.total) {
            bar.value = Math.round((p.done / p.total) * 100);
            Polku.busy(st, p.status === "queued" ? `Queued: ${p.total} contacts` :
              `Writing copy: ${p.done} of ${p.total} contacts`);
          }
        },
      });
      bar.value = 100;
      Polku.idle(st, `Done in ${num((Date.now() - started) / 1000, 1)} s.`);
      const written = s.counts.ok || 0, flagged = s.counts.flagged || 0;
      const skipped = Object.entries(s.reasons.blocked || {});
      const dl = el("button", { text: "Download CSV", attrs: { type: "button" } });
      dl.addEventListener("click", () => download(s.id));
      out.replaceChildren(
        el("p", {}, [el("strong", { text: `${written} drafts` }), ` for ${s.total} contacts in the segment; ` +
          `${flagged} held back by the output guard.`]),
        skipped.length ? el("ul", {}, skipped.map(([why, n]) => el("li", { text: `${n} skipped: ${why}` }))) : "",
        written ? dl : el("p", { cls: "muted", text: "Nothing to download: nobody in the segment may be e-mailed." }));
      const sample = written ? await sampleContact(s.id) : null;
      if (sample) $("variants-form").elements.contact_id.value = sample;
    } catch (err) {
      bar.hidden = true;
      Polku.idle(st);
      Polku.showError($("campaign-error"), err);
    } finally {
      go.disabled = false;
    }
  }

  function renderSampleSize(v) {
    const ss = v.sample_size, d = v.duration;
    $("sample-size").replaceChildren(el("div", { cls: "hint" }, [
      el("strong", { text: `The test needs ${num(ss.per_group)} recipients per group (${num(ss.total)} in all)` }),
      el("div", { text: `${v.metric}: from ${pct(ss.baseline, 1)} to ${pct(ss.target, 1)}, ` +
        `${pct(1 - ss.alpha)} confidence, ${pct(ss.power)} power; the statistics alone ask for ${num(ss.statistical_per_group)}.` }),
      el("div", { text: `Run it for at least ${d.days} days: ${d.reason}` }),
      d.warning ? el("div", { cls: "warn", text: "Warning: " + d.warning }) : "",
      ss.notes.length ? el("ul", {}, ss.notes.map((n) => el("li", { text: n }))) : "",
    ]));
  }

  async function runVariants(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target), st = $("variants-status");
    Polku.clearError($("variants-error"));
    $("variants").replaceChildren();
    $("sample-size").replaceChildren();
    Polku.busy(st, "Writing variants…");
    try {
      const v = await (await Polku.send("POST", "/v1/variants", {
        contact_id: f.get("contact_id").trim(), element: f.get("element"), goal: new FormData(campaignForm).get("goal"),
        mde: Number(f.get("mde")), daily_traffic: Number(f.get("daily_traffic")) || 100,
      })).json();
      if (v.status === "blocked") throw new Polku.ApiError(v.reason, "blocked", 200);
      Polku.idle(st, `${v.variants.length} variants; only “${v.element}” differs.`);
      renderSampleSize(v);
      $("variants").replaceChildren(...v.variants.map((x) => el("div", { cls: "variant" }, [
        el("h3", { text: x.name === "control" ? "Control (A)" : "Variant " + x.name }),
        el("div", { cls: "changed", text: x.elements[v.element] }),
        el("p", { cls: "muted", text: "Hypothesis: " + x.hypothesis }),
      ])));
    } catch (err) {
      Polku.idle(st);
      Polku.showError($("variants-error"), err);
    }
  }

  // Each figure of the funnel carries, as a tooltip, its formula with this row's own numbers.
  const explained = (text, why) => el("span", { text, cls: why ? "explained" : "", attrs: why ? { title: why } : {} });

  function funnelRow(x, r) {
    const n = "num", f = r.formulas;
    const romi = x.romi === null ? "–" : (x.romi > 0 ? "+" : "") + pct(x.romi);
    return [
      [el("div", {}, [x.label.replace(/_/g, " "), el("div", { cls: "bar", attrs: { role: "presentation",
        "data-width": Math.round((x.impressions / Math.max(1, ...r.rows.map((y) => y.impressions))) * 100) } })])],
      [num(x.impressions), n], [num(x.clicks), n], [money(x.cost), n], [num(x.leads), n],
      [explained(money(x.cpl), x.cpl === null ? "" : `${f.cpl}: ${money(x.cost)} ÷ ${num(x.leads)}`), n],
      [explained(num(x.customers), f.customers), n],
      [explained(money(x.revenue), f.revenue), n],
      [explained(money(x.cac), x.cac === null ? "" : `${f.cac}: ${money(x.cost)} ÷ ${num(x.customers)}`), n],
      [explained(money(x.ltv), x.ltv === null ? "" : `${f.ltv} (factor ${num(r.lifetime_factor, 1)})`), n],
      [x.ltv_to_cac === null ? "–" : el("span", {
        cls: "badge explained " + ({ healthy: "ok", "losing money": "bad", "too expensive": "warn",
                                     "under-invested": "warn" }[x.ltv_to_cac_health] || ""),
        text: "1:" + num(x.ltv_to_cac, 1), attrs: { title: `${f.ltv_to_cac}: ${x.ltv_to_cac_health}` } }), n],
      [explained(romi, x.romi === null ? "" : `${f.romi}: (${money(x.margin)} − ${money(x.cost)}) ÷ ${money(x.cost)}`), n],
    ];
  }

  async function runFunnel(ev) {
    if (ev) ev.preventDefault();
    const f = new FormData($("funnel-form")), st = $("funnel-status");
    Polku.clearError($("funnel-error"));
    Polku.busy(st, "Counting the funnel…");
    const q = new URLSearchParams({ by: f.get("by") });
    const period = (f.get("only") || "").trim() || f.get("period");
    if (period) q.set("period", period);
    try {
      const r = await Polku.getJSON("/v1/funnel?" + q);
      Polku.idle(st, `${r.rows.length} rows; ${r.credits.length} credited deals; margin rate ${pct(r.margin_rate)}.`);
      const n = "num";
      $("funnel").replaceChildren(table(
        [[r.by + (r.period ? " · " + r.period : "")], ["Traffic", n], ["Contact (clicks)", n], ["Cost", n], ["Leads", n], ["CPL", n], ["New customers", n],
         ["Revenue", n], ["CAC", n], ["LTV", n], ["CAC:LTV", n], ["ROMI", n]],
        r.rows.map((x) => funnelRow(x, r))));
      // widths set through the CSSOM (no inline style markup)
      for (const b of $("funnel").querySelectorAll(".bar")) b.style.width = b.dataset.width + "%";
    } catch (err) {
      Polku.idle(st);
      Polku.showError($("funnel-error"), err);
    }
  }

  campaignForm.addEventListener("change", () => { $("segment-text").textContent = segment(); });
  campaignForm.addEventListener("submit", runCampaign);
  $("variants-form").addEventListener("submit", runVariants);
  $("funnel-form").addEventListener("submit", runFunnel);
  Polku.requireKey(() => runFunnel());
})();
