/* The offline explorer's controls: read the ticked signs and the age, ask
   window.lowbackAnswer (explorer.js), show the answer in plain words, with the details
   (ids, offsets, leaf numbers) only when the switch is on. Text only: textContent. */
(function () {
  "use strict";

  var DATA = window.lowbackData;
  var WORDS = DATA.words;
  var form = document.getElementById("explorer-form");
  var out = document.getElementById("answer");
  var ageInput = document.getElementById("age");
  var noAge = document.getElementById("no-age");
  var details = document.getElementById("details");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function add(parent, child) { parent.appendChild(child); return child; }

  function credited(item) {
    var who = DATA.publishers[item.source] || "";
    return (who ? who + ": " : "") + "\u201c" + item.quote + "\u201d";
  }

  function modality(item) { return DATA.modality_notes[item.modality] || ""; }

  function quoteLine(parent, item, detailText) {
    var q = add(parent, el("span", "quote", credited(item)));
    var note = modality(item);
    if (note) { add(parent, el("span", "modality", " " + note)); }
    if (details.checked) {
      add(parent, el("span", "details", " [" + detailText + "; characters " +
        item.start + "\u2013" + item.end + " of " + item.source + "]"));
    }
    return q;
  }

  function heading(parent, text) { return add(parent, el("h2", "", text)); }

  function render() {
    var ticked = [];
    form.querySelectorAll("input[name=sign]").forEach(function (box) {
      if (box.checked) { ticked.push(box.value); }
    });
    ageInput.disabled = noAge.checked;
    var age = null;
    if (!noAge.checked) {
      age = ageInput.valueAsNumber;
      if (!isFinite(age) || age < 0 || age > DATA.max_age) {
        out.replaceChildren(el("p", "error", "Give an age from 0 to " + DATA.max_age +
          " years, or tick \u201cLeave the age out\u201d."));
        return;
      }
    }
    if (!ticked.length) {
      out.replaceChildren(el("p", "nothing", WORDS.nothing_ticked));
      return;
    }
    var answer = window.lowbackAnswer(ticked, age);
    var result = answer.assessment;
    var labels = {};
    DATA.signs.forEach(function (s) { labels[s.id] = s.label; });
    var box = el("div", "assessment");

    var triage = add(box, el("p", "triage level-" + result.triage));
    add(triage, el("span", "triage-name", "Triage: "));
    var badge = add(triage, el("span", "badge"));
    add(badge, el("span", "mark", WORDS.level_marks[result.triage])).setAttribute("aria-hidden", "true");
    add(badge, el("b", "badge-text", WORDS.badges[result.triage]));
    add(triage, el("span", "level-words", " " + WORDS.level_words[result.triage] + "."));

    heading(box, "Why");
    var why = add(box, el("ul", "reasons"));
    result.reasons.forEach(function (r, i) {
      var li = add(why, el("li"));
      add(li, el("p", "plain", answer.plain_reasons[i]));
      var p = add(li, el("p"));
      var rule = "rule " + r.rule + ", " + (r.via.length ? "inferred via " + r.via.join(", ") : r.basis);
      quoteLine(p, r, rule);
      if (details.checked && r.via.length && r.note) { add(li, el("p", "details note", r.note)); }
    });
    add(box, el("p", "gate-scope", WORDS.gate_scope));

    heading(box, "Kind of pain");
    add(box, el("p", "pain-type", answer.plain_pain_type));
    if (details.checked) {
      var mix = DATA.pain_types.map(function (t) {
        return t + " " + Math.round(result.probabilities[t] * 100) + "%";
      }).join(", ");
      add(box, el("p", "details", "Leaf " + answer.leaf + " of the tree; its simulated runners: " + mix + "."));
    }

    heading(box, "The signs you ticked");
    [["felt", WORDS.felt], ["suspected", WORDS.suspected]].forEach(function (group) {
      var items = result.evidence.filter(function (e) {
        return DATA.signs.some(function (s) { return s.id === e.id && s.group === group[0]; });
      });
      if (!items.length) { return; }
      add(box, el("h3", "", group[1]));
      var ul = add(box, el("ul", "signs signs-" + group[0]));
      items.forEach(function (e) {
        var li = add(ul, el("li"));
        add(li, el("b", "", e.label));
        add(li, document.createTextNode(e.kind === "red_flag" ? " (a warning sign): " : ": "));
        quoteLine(li, e, "record " + e.record);
      });
    });

    heading(box, "The tree's questions");
    var ol = add(box, el("ol", "path"));
    var lines = details.checked ? result.path : result.path.slice(0, -1).concat([answer.plain_leaf]);
    lines.forEach(function (line) { add(ol, el("li", "", line)); });
    add(box, el("p", "simulated", WORDS.simulated));

    if (result.advice.length) {
      heading(box, "What the material suggests");
      var advice = add(box, el("ul", "advice"));
      result.advice.forEach(function (a) {
        var li = add(advice, el("li"));
        add(li, el("b", "", a.label));
        add(li, document.createTextNode(" (" + a.relation + " " + a.target.replace(/_/g, " ") + "): "));
        quoteLine(li, a, "claim " + a.claim);
        a.countered_by.forEach(function (c) {
          var but = add(li, el("p", "countered"));
          add(but, document.createTextNode("But the material also says: "));
          quoteLine(but, c, "claim " + c.claim + (c.via ? ", via " + c.via : ""));
        });
      });
    }
    out.replaceChildren(box);
  }

  form.addEventListener("input", render);
  form.addEventListener("change", render);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  window.lowbackRender = render;
  render();
})();
