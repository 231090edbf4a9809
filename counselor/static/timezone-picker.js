/* A search box for each time-zone <select data-timezone-picker> (progressive enhancement).
 *
 * Without this script the select works on its own: grouped by region, a keyboard jumps to
 * a city by typing its first letters. With it, typing "lond", "new york", "india" or "europe"
 * narrows the select to the zones that match (city, country, region or IANA name); the zone
 * already chosen always stays, so nothing changes until a zone is picked, except that a search
 * matching exactly one zone selects it, and says so. Plain script, no framework. */
(function () {
  "use strict";

  function words(text) {
    return text.toLowerCase().replace(/[_/,()]+/g, " ").split(/\s+/).filter(Boolean);
  }

  function enhance(select) {
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
      return {
        element: group,
        options: Array.prototype.map.call(group.querySelectorAll("option"), function (option) {
          return { element: option, text: words(group.label + " " + option.value + " " + option.text).join(" ") };
        })
      };
    });
    var total = groups.reduce(function (sum, group) { return sum + group.options.length; }, 0);

    var box = document.createElement("div");
    box.className = "tz-search";
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-search";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("aria-describedby", select.id + "-search-status");
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = "Search the list";
    var status = document.createElement("p");
    status.id = select.id + "-search-status";
    status.className = "hint";
    status.setAttribute("aria-live", "polite");
    status.textContent = "Type a city, country or region, e.g. Lisbon, India or Pacific.";
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    select.parentNode.insertBefore(box, select);

    // Options outside any group ("Choose a time zone"), kept first whatever the search.
    var leading = Array.prototype.filter.call(select.children, function (child) {
      return child.tagName === "OPTION";
    });

    function narrow() {
      var chosen = select.value;
      var wanted = words(input.value);
      var matches = [];
      var kept = document.createDocumentFragment();
      leading.forEach(function (option) { kept.appendChild(option); });
      groups.forEach(function (group) {
        group.element.textContent = "";
        group.options.forEach(function (option) {
          var hit = wanted.every(function (word) { return option.text.indexOf(word) !== -1; });
          if (hit) { matches.push(option.element); }
          if (hit || option.element.value === chosen) { group.element.appendChild(option.element); }
        });
        if (group.element.children.length) { kept.appendChild(group.element); }
      });
      select.textContent = "";
      select.appendChild(kept);
      // Rebuilding the list must not change the choice; one match alone becomes it.
      select.value = matches.length === 1 ? matches[0].value : chosen;
      if (!wanted.length) {
        status.textContent = "All " + total + " time zones are listed.";
      } else if (matches.length === 1) {
        status.textContent = "One match, now selected: " + matches[0].value + ".";
      } else if (!matches.length) {
        status.textContent = "No time zone matches “" + input.value + "”. Try a bigger city nearby.";
      } else {
        status.textContent = matches.length + " time zones match; pick one in the list.";
      }
    }

    input.addEventListener("input", narrow);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // Enter goes to the list, it does not submit the form
        event.preventDefault();
        select.focus();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-timezone-picker]"), enhance);
})();
