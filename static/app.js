/*
 * GCSCP progressive enhancement. Every page works without this file.
 *
 * What it does: on small screens, folds the main navigation behind a
 * "Menu" button (a disclosure: aria-expanded, aria-controls). Without
 * script, the navigation is simply shown in full. The button's text comes
 * from the page (data-menu-label on the nav), so it is translated like the
 * rest of the page, and the CSS decides when the button is shown
 * (html.has-nav-toggle, at narrow widths only).
 *
 * Loaded with defer from /static (CSP: script-src 'self'); no inline code,
 * no handlers in markup, no globals.
 */
(function () {
	'use strict';

	var nav = document.getElementById('main-nav');
	var list = document.getElementById('main-nav-list');
	if (!nav || !list || !list.parentNode) {
		return;
	}

	var label = nav.getAttribute('data-menu-label');
	if (!label) {
		return;
	}

	var button = document.createElement('button');
	button.type = 'button';
	button.className = 'nav-toggle';
	button.textContent = label;
	button.setAttribute('aria-expanded', 'false');
	button.setAttribute('aria-controls', list.id);
	list.parentNode.insertBefore(button, list);
	document.documentElement.classList.add('has-nav-toggle');

	button.addEventListener('click', function () {
		var open = button.getAttribute('aria-expanded') === 'true';
		button.setAttribute('aria-expanded', open ? 'false' : 'true');
	});

	/* Escape closes the open menu and returns focus to its button. */
	nav.addEventListener('keydown', function (event) {
		if (event.key === 'Escape' && button.getAttribute('aria-expanded') === 'true' &&
		    window.getComputedStyle(button).display !== 'none') {
			button.setAttribute('aria-expanded', 'false');
			button.focus();
		}
	});
}());
