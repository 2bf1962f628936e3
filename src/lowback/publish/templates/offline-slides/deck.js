{#-
  After Reveal is ready, and on every slide change, fit the shown slide to the canvas:
  figures are sized to the width of their slide and to the room it leaves them (never above the height they were
  designed with), text cells are zoomed down if even the figures at their smallest leave
  too little room, and a figure too tall to shrink readably keeps its height in a box that
  scrolls inside the slide. A figure shown below its designed height keeps the pixel layout
  of its margins (what plotly places in paper units outside the plot, a legend or a menu
  under or over it, stays as far from the plot as designed, rather than shrinking with the
  plot onto the axis), and gives up the blank at the bottom of its margins to its plot; its
  least height leaves its plot MIN_PLOT px. Headings are never zoomed. The fitted slide is
  marked data-lowback-fitted (the browser tests wait for it); a resize fits them again. resources.lowback_reveal_config:
  the Reveal.initialize options, as JSON.
-#}
(function () {
  var MIN_FIGURE = 320;    // px: the least a figure is given, if it was designed taller
  var MIN_ZOOM = 0.6;      // text cells are never zoomed below this
  var SCROLL_BELOW = 0.45; // a figure shown below this share of its height scrolls instead
  var MIN_PLOT = 170;      // px: the least plot area a shrunk figure keeps, text zoomed first
  var KEEP_BLANK = 8;      // px: left under the lowest thing a shrunk figure draws
  function figuresOf(slide) {
    return Array.prototype.slice.call(slide.querySelectorAll(".js-plotly-plot")).filter(
      function (gd) { return !gd.closest("aside.notes"); });
  }
  function cellsOf(slide) {
    return Array.prototype.slice.call(slide.children).filter(function (el) {
      return el.tagName !== "ASIDE";
    });
  }
  function contentBottom(slide) {  // in the slide's own px, whatever reveal or a cell zooms
    var box = slide.getBoundingClientRect();
    var scale = box.height ? slide.clientHeight / box.height : 1;
    return cellsOf(slide).reduce(function (bottom, el) {
      return Math.max(bottom, (el.getBoundingClientRect().bottom - box.top) * scale);
    }, 0);
  }
  function room(slide) {
    return slide.clientHeight - parseFloat(getComputedStyle(slide).paddingBottom);
  }
  function natural(gd) {
    if (!gd.dataset.lowbackHeight) {
      gd.dataset.lowbackHeight = String((gd.layout && gd.layout.height) || gd.offsetHeight);
      gd.lowbackDesign = design(gd);
    }
    return Number(gd.dataset.lowbackHeight);
  }
  function design(gd) {
    // The figure as designed: its margins, its plot's height, and the paper y of what it
    // places outside the plot (legend, menus, notes), to keep their distance in px.
    var layout = gd.layout || {};
    var size = (gd._fullLayout && gd._fullLayout._size) || {};
    var margin = layout.margin || {};
    var top = margin.t !== undefined ? margin.t : size.t || 0;
    var bottom = margin.b !== undefined ? margin.b : size.b || 0;
    var outside = {};
    var keep = function (key, item) {
      var paper = !item.yref || item.yref === "paper";
      if (item && paper && typeof item.y === "number" && (item.y > 1 || item.y < 0)) {
        outside[key] = item.y;
      }
    };
    if (layout.legend) { keep("legend.y", layout.legend); }
    (layout.updatemenus || []).forEach(function (m, i) { keep("updatemenus[" + i + "].y", m); });
    (layout.annotations || []).forEach(function (a, i) { keep("annotations[" + i + "].y", a); });
    var height = (layout.height || gd.offsetHeight);
    return { top: top, bottom: bottom, plot: height - top - bottom, outside: outside };
  }
  function floorOf(gd) {  // the least height a figure is given
    var most = natural(gd);
    var d = gd.lowbackDesign;
    var least = d && !isTable(gd) ? d.top + d.bottom + MIN_PLOT : 0;
    return Math.min(most, Math.max(MIN_FIGURE, least));
  }
  function layoutFor(gd, height, bottom) {
    // The relayout for a figure of this height: its margins as designed (the bottom one
    // ``bottom``), and what sits outside the plot as many px from it as designed.
    var d = gd.lowbackDesign;
    var update = { height: height };
    if (!d || isTable(gd)) { return update; }
    var plot = height - d.top - bottom;
    update["margin.b"] = bottom;
    Object.keys(d.outside).forEach(function (key) {
      var y = d.outside[key];
      update[key] = plot < 20 || height === natural(gd) && bottom === d.bottom ? y
        : y > 1 ? 1 + (y - 1) * d.plot / plot : y * d.plot / plot;
    });
    return update;
  }
  function blankUnder(gd) {
    // px between the lowest thing the figure draws (axis, titles, legend, notes, menus)
    // and its bottom edge.
    var svg = gd.querySelectorAll(".main-svg");
    if (!svg.length) { return 0; }
    var bottom = gd.getBoundingClientRect().bottom;
    var scale = gd.getBoundingClientRect().height ? gd.offsetHeight / gd.getBoundingClientRect().height : 1;
    var lowest = -Infinity;
    var parts = gd.querySelectorAll(
      ".cartesianlayer .subplot, .polarlayer > g, .ternarylayer > g, .infolayer > g, " +
      ".annotation, .updatemenu-container, .legend, .g-gtitle, .sankey, .pielayer > g, " +
      ".table, .layer-above > g, .layer-below > g");
    Array.prototype.forEach.call(parts, function (el) {
      var box = el.getBoundingClientRect();
      if (box.height > 0 && box.width > 0) { lowest = Math.max(lowest, box.bottom); }
    });
    return lowest === -Infinity ? 0 : Math.max(0, (bottom - lowest) * scale);
  }
  function isTable(gd) {  // a plotly table scrolls its own rows: it shrinks to any height
    return (gd.data || []).every(function (trace) { return trace.type === "table"; });
  }
  function frame(gd) {  // the box that holds a figure's height: plotly's wrapper, else gd
    var parent = gd.parentElement;
    return parent && parent.style.height && !parent.classList.contains("lowback-viewport")
      ? parent : gd;
  }
  function setHeight(gd, height, last) {
    // last: the final size, where a figure shown below SCROLL_BELOW of its height, or with
    // a plot under MIN_PLOT / 2 px, keeps its height in a box of that height that scrolls
    // (its labels stay readable).
    var held = frame(gd);
    var box = held.parentElement.classList.contains("lowback-viewport") ? held.parentElement : null;
    var d0 = gd.lowbackDesign;
    var squeezed = d0 && height - d0.top - d0.bottom < Math.min(MIN_PLOT / 2, d0.plot);
    var tall = last && !isTable(gd) && (height < natural(gd) * SCROLL_BELOW || squeezed);
    if (tall && !box) {
      box = document.createElement("div");
      box.className = "lowback-viewport";
      held.parentElement.insertBefore(box, held);
      box.appendChild(held);
    }
    if (box) { box.style.height = tall ? Math.round(height) + "px" : "auto"; }
    height = Math.round(tall ? natural(gd) : height);
    held.style.height = height + "px";
    if (held !== gd) { gd.style.height = "100%"; }
    // The width too: a figure drawn while its slide was hidden got a fallback width.
    var width = Math.floor(held.parentElement.clientWidth);
    var d = gd.lowbackDesign;
    var shrunk = d && !isTable(gd) && height < natural(gd);
    var update = layoutFor(gd, height, d ? d.bottom : 0);
    update.width = width;
    if (gd.layout && gd.layout.height === height && gd.layout.width === width && !shrunk &&
        (!d || gd.layout.margin && gd.layout.margin.b === d.bottom)) {
      return Promise.resolve();
    }
    return window.Plotly.relayout(gd, update).then(function () {
      if (!last || !shrunk) { return; }
      var blank = blankUnder(gd) - KEEP_BLANK;
      if (blank < 4) { return; }
      var trimmed = layoutFor(gd, height, Math.max(0, Math.round(d.bottom - blank)));
      return window.Plotly.relayout(gd, trimmed);
    });
  }
  function zoomText(slide, zoom) {
    // Headings keep their size: zoom compounds, so a heading in a zoomed cell is zoomed back.
    cellsOf(slide).forEach(function (el) {
      if (el.querySelector(".js-plotly-plot")) { return; }
      el.style.zoom = zoom === 1 ? "" : String(zoom);
      Array.prototype.forEach.call(el.querySelectorAll("h1, h2"), function (h) {
        h.style.zoom = zoom === 1 ? "" : String(1 / zoom);
      });
    });
  }
  function boxTallestText(slide) {
    // Text that overflows even at MIN_ZOOM (a long table): its tallest output keeps its
    // size in a box that scrolls, so that the slide does not.
    var over = contentBottom(slide) - room(slide);
    if (over <= 0) { return; }
    var outputs = Array.prototype.slice.call(slide.querySelectorAll(".jp-OutputArea, .jp-MarkdownOutput"))
      .filter(function (el) { return !el.querySelector(".js-plotly-plot") && !el.closest("aside"); });
    if (!outputs.length) { return; }
    var tallest = outputs.reduce(function (a, b) { return b.offsetHeight > a.offsetHeight ? b : a; });
    var zoom = Number(tallest.closest(".jp-Cell").style.zoom) || 1;
    tallest.classList.add("lowback-viewport");
    tallest.style.maxHeight = Math.max(80, tallest.offsetHeight - over / zoom - 4) + "px";
  }
  function shrinkText(slide) {  // zoom text down, 5 % at a time, until the slide fits
    var zoom = 1;
    while (contentBottom(slide) > room(slide) && zoom > MIN_ZOOM + 1e-9) {
      zoom = Math.round((zoom - 0.05) * 100) / 100;
      zoomText(slide, zoom);
    }
    return zoom;
  }
  function fit(slide) {
    if (!slide) { return Promise.resolve(); }
    var figures = window.Plotly ? figuresOf(slide) : [];
    var floors = figures.map(floorOf);
    zoomText(slide, 1);
    Array.prototype.forEach.call(slide.querySelectorAll(".lowback-viewport"), function (el) {
      el.style.maxHeight = "";
      if (!el.querySelector(".js-plotly-plot")) { el.classList.remove("lowback-viewport"); }
    });
    return Promise.all(figures.map(function (gd, i) { return setHeight(gd, floors[i], false); }))
      .then(function () {
        shrinkText(slide);
        if (contentBottom(slide) <= room(slide) || !figures.length) { return; }
        // Even the least text leaves the figures' plots too little: give up MIN_PLOT.
        zoomText(slide, 1);
        floors = figures.map(function (gd) { return Math.min(natural(gd), MIN_FIGURE); });
        return Promise.all(figures.map(function (gd, i) { return setHeight(gd, floors[i], false); }))
          .then(function () { shrinkText(slide); });
      })
      .then(function () {
        boxTallestText(slide);
        var spare = Math.max(0, room(slide) - contentBottom(slide) - 2);
        var wants = figures.map(function (gd, i) { return natural(gd) - floors[i]; });
        var wanted = wants.reduce(function (a, b) { return a + b; }, 0);
        return Promise.all(figures.map(function (gd, i) {
          var extra = wanted ? Math.min(wants[i], spare * wants[i] / wanted) : 0;
          return setHeight(gd, floors[i] + extra, true);
        }));
      })
      .then(function () {
        slide.dataset.lowbackFitted = "true";
      })
      .catch(function (error) {
        slide.dataset.lowbackFitted = "error";
        throw error;
      });
  }
  var options = {{ resources.lowback_reveal_config }};
  options.plugins = [window.RevealNotes];
  Reveal.initialize(options).then(function () { return fit(Reveal.getCurrentSlide()); });
  Reveal.on("slidechanged", function (event) { fit(event.currentSlide); });
  // A new screen size (a laptop's window going full screen on the projector): every slide
  // was fitted at the old scale, so each is fitted again, the shown one now, the others
  // when they are shown.
  Reveal.on("resize", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".reveal .slides section"),
      function (slide) { delete slide.dataset.lowbackFitted; });
    fit(Reveal.getCurrentSlide());
  });
})();
