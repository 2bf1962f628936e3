{#-
  After Reveal is ready, and on every slide change, redraw the shown slide's figures at
  their container's width (figures drawn while their slide was hidden have a fallback
  width). resources.lowback_reveal_config: the Reveal.initialize options, as JSON.
-#}
(function () {
  function resizeFigures(slide) {
    if (!window.Plotly || !slide) { return; }
    slide.querySelectorAll(".plotly-graph-div").forEach(function (div) {
      window.Plotly.Plots.resize(div);
    });
  }
  var options = {{ resources.lowback_reveal_config }};
  options.plugins = [window.RevealNotes];
  Reveal.initialize(options).then(function () { resizeFigures(Reveal.getCurrentSlide()); });
  Reveal.on("slidechanged", function (event) { resizeFigures(event.currentSlide); });
})();
