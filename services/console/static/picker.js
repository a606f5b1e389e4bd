/* Pickers: a text box that finds another record as you type (GET /pick/<kind>?q=) and
   puts the chosen one's id in the hidden input beside it. Arrow keys move, Enter
   chooses, Escape closes. Without this script the typed name is looked up on the server. */
(function () {
  "use strict";

  function setup(box) {
    var form = box.form;
    var hidden = form.querySelector('input[type=hidden][data-pick-id="' + box.id + '"]');
    var list = document.getElementById(box.getAttribute("aria-controls"));
    var timer = null;
    var asked = 0;
    var active = -1;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }

    function choose(item) {
      hidden.value = item.dataset.id;
      box.value = item.textContent;
      close();
    }

    function mark(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
      box.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({block: "nearest"});
    }

    function show(items) {
      list.innerHTML = "";
      items.forEach(function (row, i) {
        var li = document.createElement("li");
        li.id = box.id + "-o" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.id = row.id;
        li.textContent = row.name;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(li); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      box.setAttribute("aria-expanded", items.length ? "true" : "false");
      active = -1;
    }

    function ask() {
      var q = box.value.trim();
      var mine = ++asked;
      if (!q) { close(); return; }
      fetch(box.dataset.pick + "?q=" + encodeURIComponent(q), {
        headers: {"Accept": "application/json"}, credentials: "same-origin"
      })
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (body) { if (mine === asked) { show(body.items || []); } })
        .catch(function () { close(); });
    }

    box.addEventListener("input", function () {
      hidden.value = "";  // a changed name is no longer the chosen id
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); mark(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(active - 1); }
      else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll("li")[active]);
      } else if (event.key === "Escape") { close(); }
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("input[data-pick]").forEach(setup);

  /* "select all" of a list of checkboxes: shown only where this script runs */
  document.querySelectorAll("input[data-check-all]").forEach(function (all) {
    var boxes = all.form.querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"]');
    all.hidden = false;
    all.labels.forEach(function (l) { l.hidden = false; });
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
    });
  });
})();
