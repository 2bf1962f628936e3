(function () {
  var body = document.body;
  var button = document.getElementById('lowback-toggle-code');
  button.addEventListener('click', function () {
    var hidden = body.classList.toggle('lowback-code-hidden');
    button.textContent = hidden ? 'Show code' : 'Hide code';
    button.setAttribute('aria-pressed', String(!hidden));
  });
  var list = document.getElementById('lowback-toc-list');
  var headings = document.querySelectorAll('.jp-MarkdownCell h1[id], .jp-MarkdownCell h2[id]');
  headings.forEach(function (h) {
    var item = document.createElement('li');
    item.className = 'lowback-toc-' + h.tagName.toLowerCase();
    var link = document.createElement('a');
    link.href = '#' + h.id;
    link.textContent = h.textContent.replace('¶', '').trim();
    item.appendChild(link);
    list.appendChild(item);
  });
})();
