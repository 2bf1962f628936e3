/* The offline symptom explorer: lowback's assessor, exported as data by
   lowback.study.explorer_data, answered here with no kernel and no network.
   Every text comes from the data (computed in Python); this script only looks up and
   combines. Record text is put in the page with textContent, never as markup. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("lowback-data").textContent);
  if (DATA.format !== 1) {
    throw new Error("lowback explorer: unknown data format " + DATA.format);
  }
  var TEXTS = DATA.texts;
  var SIGN_IDS = DATA.signs.map(function (s) { return s.id; });
  var SIGNS = {};
  DATA.signs.forEach(function (s) { SIGNS[s.id] = s; });

  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  /* Python's format(x, "g") for the ages the tree is asked about (0 to 120). */
  function formatG(x) {
    if (x === 0) { return "0"; }
    var exponent = Math.floor(Math.log10(Math.abs(x)));
    if (exponent < -4 || exponent >= 6) {
      var parts = x.toExponential(5).split("e");
      var mantissa = parts[0].replace(/\.?0+$/, "");
      var power = parseInt(parts[1], 10);
      var digits = String(Math.abs(power));
      return mantissa + "e" + (power < 0 ? "-" : "+") + (digits.length < 2 ? "0" + digits : digits);
    }
    var text = x.toPrecision(6);
    return text.indexOf(".") >= 0 ? text.replace(/\.?0+$/, "") : text;
  }

  function checkSigns(signs) {
    if (!Array.isArray(signs)) { throw new Error("signs must be a list of sign ids"); }
    var seen = [];
    signs.forEach(function (s) {
      if (typeof s !== "string") { throw new Error("sign ids are text, got " + typeof s); }
      if (!(s in SIGNS)) { throw new Error("unknown symptom id '" + s + "'"); }
      if (seen.indexOf(s) < 0) { seen.push(s); }
    });
    if (!seen.length) { throw new Error("give at least one symptom"); }
    return seen;
  }

  function checkAge(age) {
    if (age === null || age === undefined) { return null; }
    if (typeof age !== "number" || !isFinite(age)) {
      throw new Error("age must be a number of years, got " + age);
    }
    if (age < 0 || age > DATA.max_age) {
      throw new Error("age must be between 0 and " + DATA.max_age + " years, got " + age);
    }
    return age;
  }

  /* lowback.study.explorer_data.verdict_key, on the signs' exported classes. */
  function verdictKey(ticked) {
    var found = {};
    var symptom = false;
    ticked.forEach(function (s) {
      SIGNS[s].types.forEach(function (t) { found[t] = true; });
      symptom = symptom || SIGNS[s].symptom;
    });
    var types = DATA.pain_types.filter(function (t) { return found[t]; });
    if (symptom) { return "s:" + (types.length === 1 ? types[0] : ""); }
    var shared = ticked.every(function (s) {
      return SIGNS[s].types.length === types.length;  // a sign's types are among them
    });
    return "n:" + types.join(" ") + ":" + (shared ? 1 : 0);
  }

  function walk(ticked, age) {
    var values = {};
    DATA.features.forEach(function (f) { values[f] = ticked.indexOf(f) >= 0 ? 1 : 0; });
    values[DATA.age_feature] = age;
    var node = 0;
    var steps = [];
    while (!DATA.nodes[node].leaf) {
      var split = DATA.nodes[node];
      var yes = values[split.feature] > split.threshold;
      if (split.feature === DATA.age_feature) {
        steps.push(TEXTS[split.question] + " " + formatG(age) + " \u2192 " + (yes ? "yes" : "no"));
      } else {
        steps.push(TEXTS[yes ? split.yes : split.no]);
      }
      node = yes ? split.right : split.left;
    }
    return { node: node, steps: steps };
  }

  /* The assessment, exactly as lowback's Assessment.to_dict() gives it, and what the
     page shows beside it (the leaf, the plain words). */
  function answer(signs, age) {
    var ticked = checkSigns(signs);
    var years = checkAge(age);
    var fired = DATA.rules.filter(function (rule) {
      return rule.needs.every(function (s) { return ticked.indexOf(s) >= 0; });
    });
    var reasons = fired.length ? fired : [DATA.baseline];
    var level = DATA.levels.indexOf(DATA.baseline.level);
    reasons.forEach(function (r) {
      level = Math.max(level, DATA.levels.indexOf(r.reason.level));
    });
    var triage = DATA.levels[level];
    var redFlags = [];
    reasons.forEach(function (r) {
      var flag = r.reason.red_flag;
      if (flag && redFlags.indexOf(flag) < 0) { redFlags.push(flag); }
    });

    var used = years === null ? DATA.median_age : years;
    var reached = walk(ticked, used);
    var leaf = DATA.leaves[String(reached.node)];
    var verdict = leaf.verdicts[verdictKey(ticked)];
    var path = (years === null ? [DATA.median_line] : []).concat(reached.steps);
    path.push(TEXTS[verdict[2]]);
    var advice = DATA.advice[verdict[0] + "|" + (triage === DATA.levels[0] ? 1 : 0)];
    return {
      assessment: {
        pain_type: verdict[0],
        probabilities: copy(leaf.probabilities),
        triage: triage,
        red_flags: redFlags,
        advice: advice.map(function (i) { return copy(DATA.advice_items[i]); }),
        evidence: SIGN_IDS.filter(function (s) { return ticked.indexOf(s) >= 0; })
          .map(function (s) { return copy(SIGNS[s].evidence); }),
        path: path,
        reasons: reasons.map(function (r) { return copy(r.reason); }),
        abstain_reason: TEXTS[verdict[1]],
      },
      plain_reasons: reasons.map(function (r) { return r.plain; }),
      plain_leaf: TEXTS[leaf.plain],
      plain_pain_type: TEXTS[verdict[3]],
      leaf: reached.node,
    };
  }

  window.lowbackAssess = function (signs, age) { return answer(signs, age).assessment; };
  window.lowbackAnswer = answer;
  window.lowbackData = DATA;
})();
