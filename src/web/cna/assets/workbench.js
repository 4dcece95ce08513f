// CNA workbench: progressive additions to forms that work without JavaScript
// (live CVSS score and calculator, live validation, CWE search). Same origin only.
'use strict';
(function () {
  var form = document.getElementById('editor');
  if (!form) return;
  var csrf = form.querySelector('input[name="_csrf"]').value;
  function post(url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); });
  }
  function debounce(fn, ms) {
    var t;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }
  function fields() {
    var out = {};
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string') out[k] = v; });
    return out;
  }
  function text(el, s) { el.textContent = s; return el; }

  // --- live validation ---
  var problems = document.getElementById('problems');
  var validate = debounce(function () {
    post('/cna/api/validate', { fields: fields(), cveId: form.getAttribute('data-cve-id') }).then(function (r) {
      // The JSON view shows the same record as the form.
      var json = document.getElementById('json');
      if (json && r.container && document.activeElement !== json) json.value = JSON.stringify(r.container, null, 2);
      problems.innerHTML = '';
      problems.className = r.ok ? 'flash ok' : 'flash error';
      problems.setAttribute('role', 'status');
      problems.setAttribute('aria-live', 'polite');
      if (r.ok) { text(problems, 'The record is valid against the CVE JSON 5.1.1 schema.'); return; }
      var p = document.createElement('p');
      p.appendChild(text(document.createElement('strong'), r.problems.length + (r.problems.length === 1 ? ' problem' : ' problems') + ' to fix before publishing:'));
      problems.appendChild(p);
      var ul = document.createElement('ul');
      r.problems.forEach(function (x) { var li = text(document.createElement('li'), x.text); li.setAttribute('data-path', x.path); ul.appendChild(li); });
      problems.appendChild(ul);
    }).catch(function () {});
  }, 400);
  form.addEventListener('input', function (e) { if (e.target && e.target.id !== 'cwe-q') validate(); });
  form.addEventListener('change', validate);

  // --- CVSS: live score and a 3.1 base calculator ---
  var vector = document.getElementById('cvss-vector');
  var score = document.getElementById('cvss-score');
  var rescore = debounce(function () {
    var v = vector.value.trim();
    if (!v) { text(score, 'The score is computed from the vector.'); return; }
    post('/cna/api/cvss', { vector: v }).then(function (r) {
      score.innerHTML = '';
      if (!r.ok) { score.appendChild(text(document.createElement('span'), r.error)).className = 'bad'; return; }
      score.appendChild(document.createTextNode('Score '));
      score.appendChild(text(document.createElement('strong'), r.score.toFixed(1)));
      score.appendChild(document.createTextNode(' '));
      score.appendChild(text(document.createElement('span'), r.severity)).className = 'sev';
      score.appendChild(document.createTextNode(' (CVSS ' + r.version + ')'));
    }).catch(function () {});
  }, 250);
  vector.addEventListener('input', rescore);
  var METRICS = [
    ['AV', 'Attack Vector', [['N', 'Network'], ['A', 'Adjacent'], ['L', 'Local'], ['P', 'Physical']]],
    ['AC', 'Attack Complexity', [['L', 'Low'], ['H', 'High']]],
    ['PR', 'Privileges Required', [['N', 'None'], ['L', 'Low'], ['H', 'High']]],
    ['UI', 'User Interaction', [['N', 'None'], ['R', 'Required']]],
    ['S', 'Scope', [['U', 'Unchanged'], ['C', 'Changed']]],
    ['C', 'Confidentiality', [['N', 'None'], ['L', 'Low'], ['H', 'High']]],
    ['I', 'Integrity', [['N', 'None'], ['L', 'Low'], ['H', 'High']]],
    ['A', 'Availability', [['N', 'None'], ['L', 'Low'], ['H', 'High']]],
  ];
  var calc = document.getElementById('cvss-calc');
  var selects = {};
  function parse() {
    var m = {};
    var v = vector.value.trim();
    if (v && v.indexOf('CVSS:3.1/') !== 0) return null;
    v.replace(/^CVSS:3\.1\//, '').split('/').forEach(function (p) { var kv = p.split(':'); if (kv.length === 2) m[kv[0]] = kv[1]; });
    return m;
  }
  function fromVector() {
    var m = parse();
    calc.setAttribute('aria-disabled', m ? 'false' : 'true');
    METRICS.forEach(function (d) { selects[d[0]].value = (m && m[d[0]]) || ''; selects[d[0]].disabled = !m; });
  }
  function toVector() {
    var parts = [];
    var done = true;
    METRICS.forEach(function (d) { var v = selects[d[0]].value; if (!v) done = false; parts.push(d[0] + ':' + (v || '?')); });
    if (!done) return;
    var m = parse() || {};
    var extra = Object.keys(m).filter(function (k) { return !METRICS.some(function (d) { return d[0] === k; }); }).map(function (k) { return k + ':' + m[k]; });
    vector.value = 'CVSS:3.1/' + parts.concat(extra).join('/');
    rescore();
    validate();
  }
  var legend = document.createElement('p');
  legend.className = 'muted';
  text(legend, 'Calculator for CVSS 3.1 base metrics (or type any 3.0, 3.1 or 4.0 vector above):');
  calc.appendChild(legend);
  var grid = document.createElement('div');
  grid.className = 'calc-grid';
  METRICS.forEach(function (d) {
    var p = document.createElement('p');
    var label = text(document.createElement('label'), d[1]);
    label.htmlFor = 'cvss-' + d[0];
    var s = document.createElement('select');
    s.id = 'cvss-' + d[0];
    s.appendChild(text(document.createElement('option'), '—')).value = '';
    d[2].forEach(function (o) { var opt = text(document.createElement('option'), o[1]); opt.value = o[0]; s.appendChild(opt); });
    s.addEventListener('change', toVector);
    selects[d[0]] = s;
    p.appendChild(label);
    p.appendChild(s);
    grid.appendChild(p);
  });
  calc.appendChild(grid);
  calc.hidden = false;
  vector.addEventListener('input', fromVector);
  fromVector();

  // --- CWE search ---
  var q = document.getElementById('cwe-q');
  var list = document.getElementById('cwe-results');
  var datalist = document.getElementById('cwe-list');
  function pick(id, name) {
    var inputs = form.querySelectorAll('input.cwe-id');
    var target = inputs[inputs.length - 1];
    for (var i = 0; i < inputs.length; i++) if (!inputs[i].value) { target = inputs[i]; break; }
    target.value = id;
    var desc = document.getElementById(target.id.replace(/-id$/, '-description'));
    if (desc && !desc.value) desc.value = id + ': ' + name;
    target.focus();
    validate();
  }
  var search = debounce(function () {
    var t = q.value.trim();
    if (t.length < 2) return;
    fetch('/cna/api/cwe?q=' + encodeURIComponent(t), { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (r) {
      list.innerHTML = '';
      datalist.innerHTML = '';
      r.items.forEach(function (c) {
        var li = document.createElement('li');
        var b = text(document.createElement('button'), c.id + ': ' + c.name);
        b.type = 'button';
        b.className = 'link';
        b.addEventListener('click', function () { pick(c.id, c.name); });
        li.appendChild(b);
        list.appendChild(li);
        var o = document.createElement('option');
        o.value = c.id;
        o.label = c.name;
        datalist.appendChild(o);
      });
      if (!r.items.length) list.appendChild(text(document.createElement('li'), 'No CWE matches.'));
    }).catch(function () {});
  }, 250);
  q.addEventListener('input', search);
  q.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); search(); } });
})();
