// partnerhub hub pages: the little behaviour the pages need beyond htmx.
// The CSP allows no inline script, so all of it lives in this one file.
(function () {
  'use strict';

  // A form marked data-submit-once is sent once: its buttons are disabled
  // right after the browser has collected the form data (disabling them
  // earlier would drop the clicked button's name=value), so a double click
  // cannot submit it twice. The server guards Add with a form token too.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit-once')) return;
    if (form.dataset.submitted === 'true') {
      e.preventDefault();
      return;
    }
    form.dataset.submitted = 'true';
    form.setAttribute('aria-busy', 'true');
    window.setTimeout(function () {
      form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // The browser's Back button may restore a page from its cache with the
  // buttons still disabled: enable them again.
  window.addEventListener('pageshow', function (e) {
    if (!e.persisted) return;
    document.querySelectorAll('form[data-submit-once]').forEach(function (form) {
      delete form.dataset.submitted;
      form.removeAttribute('aria-busy');
      form.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
    });
  });

  // When a step of a form comes back with errors, put the focus on the
  // first wrong field, so keyboard and screen reader users land on it.
  document.addEventListener('DOMContentLoaded', function () {
    var wrong = document.querySelector('main [aria-invalid="true"], main .has-error input');
    if (wrong && document.querySelector('.error-summary')) wrong.focus();
  });
})();
