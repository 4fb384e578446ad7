/* Draws every <canvas data-chart="ID"> from the JSON in <script type="application/json" id="ID">
   (Django's json_script): the CSP forbids inline scripts, so pages carry data, not code.

   The JSON:
     {
       "type": "line" | "bar",
       "labels": ["2024", "2025", ...],
       "datasets": [{"label": "...", "data": ["12.5", null, ...], "style": "line" | "bar" | "pace"}],
       "unit": "%" | "kg" | "BRL" | ...,      // shown on the axis and in tooltips
       "locale": "pt-br",                      // number format
       "stacked": false, "horizontal": false,  // optional
       "min": "0", "max": "100"                // optional axis bounds
     }
   Numbers may be strings (Decimals); null leaves a gap. The same numbers are always in a
   table beside the chart, so nothing is lost without JavaScript.

   Chart.js 4 (static/vendor/chartjs) must be loaded first; both scripts use `defer`. */
(function () {
  "use strict";

  var COLOURS = ["#2f6b3a", "#b8860b", "#3a6ea5", "#a4282b", "#6b4f8a", "#4f8a83", "#8a6b4f"];
  var CURRENCIES = /^[A-Z]{3}$/;

  function number(value) {
    if (value === null || value === undefined || value === "") {
      return null;
    }
    var parsed = Number(value);
    return isFinite(parsed) ? parsed : null;
  }

  function formatter(spec) {
    var locale = spec.locale || document.documentElement.lang || "pt-BR";
    var plain = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    var unit = spec.unit || "";
    if (CURRENCIES.test(unit)) {
      var money = new Intl.NumberFormat(locale, { style: "currency", currency: unit, maximumFractionDigits: 2 });
      return function (value) { return money.format(value); };
    }
    if (unit === "%") {
      return function (value) { return plain.format(value) + "%"; };
    }
    return function (value) { return unit ? plain.format(value) + " " + unit : plain.format(value); };
  }

  function dataset(spec, item, index) {
    var colour = COLOURS[index % COLOURS.length];
    var style = item.style || spec.type || "line";
    var out = {
      label: item.label,
      data: (item.data || []).map(number),
      borderColor: colour,
      backgroundColor: style === "bar" ? colour : colour + "33",
      borderWidth: 2,
      spanGaps: false
    };
    if (style === "line" || style === "pace") {
      out.type = "line";
      out.pointRadius = 3;
      out.tension = 0;
      out.fill = false;
    } else {
      out.type = "bar";
    }
    if (style === "pace") {
      out.borderDash = [6, 4];
      out.pointRadius = 0;
      out.borderColor = "#5b6660";
    }
    return out;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    var format = formatter(spec);
    var horizontal = Boolean(spec.horizontal) ||
      Boolean(canvas.closest && canvas.closest(".chart-horizontal"));
    var valueAxis = {
      stacked: Boolean(spec.stacked),
      beginAtZero: true,
      ticks: { callback: function (value) { return format(value); } }
    };
    if (number(spec.min) !== null) { valueAxis.min = number(spec.min); }
    if (number(spec.max) !== null) { valueAxis.max = number(spec.max); }
    var labelAxis = { stacked: Boolean(spec.stacked) };
    var scales = horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis };
    new window.Chart(canvas, {
      type: spec.type === "bar" ? "bar" : "line",
      data: {
        labels: spec.labels || [],
        datasets: (spec.datasets || []).map(function (item, index) { return dataset(spec, item, index); })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: (spec.datasets || []).length > 1 },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = horizontal ? context.parsed.x : context.parsed.y;
                return (context.dataset.label ? context.dataset.label + ": " : "") + format(value);
              }
            }
          }
        }
      }
    });
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
