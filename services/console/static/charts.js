/* The dashboard's charts (Apache ECharts, bundled). Every point or bar links to the list
   behind it: a click opens its url. Data comes from the page's JSON block. */
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  if (!holder || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);
  var charts = [];

  function drill(chart) {
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
  }

  function lines(id, series, unit) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", min: 0, max: 100 },
      series: series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, symbolSize: 9, connectNulls: false };
      })
    });
    drill(chart);
  }

  lines("chart-timeliness", data.timeliness, "%");
  lines("chart-talks", data.talks, "%");

  var rankEl = document.getElementById("chart-ranking");
  if (rankEl && data.ranking.length) {
    var rank = echarts.init(rankEl);
    rank.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      grid: { left: 90, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", inverse: true, data: data.ranking.map(function (r) { return r.name; }) },
      series: [{ name: data.labels.score, type: "bar", data: data.ranking }]
    });
    drill(rank);
  }

  var fundEl = document.getElementById("chart-fund");
  if (fundEl) {
    var fund = echarts.init(fundEl);
    fund.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      grid: { left: 70, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: data.fund.map(function (r) { return r.name; }) },
      yAxis: { type: "value" },
      series: [
        { name: data.labels.used, type: "bar", stack: "f",
          data: data.fund.map(function (r) { return { value: r.used, url: r.url }; }) },
        { name: data.labels.remaining, type: "bar", stack: "f",
          data: data.fund.map(function (r) { return { value: r.remaining, url: r.url }; }) }
      ]
    });
    drill(fund);
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
}());
