// A markdown textarea with a live preview beside it. The preview is rendered
// by the server (the same renderer the public pages use), so what editors see
// is what readers get; its HTML is the only HTML put in the page.
import { gql } from './api.js';
import { h } from './dom.js';

const RENDER = 'query($m: String!) { renderMarkdown(markdown: $m) { html } }';

/** `{ node, textarea }`: the textarea gets `attrs` (id, aria-describedby…);
 *  `onInput()` runs on each keystroke. */
export function markdownEditor({ attrs, value, readOnly, onInput }) {
  const textarea = h('textarea', { ...attrs, readonly: readOnly, rows: 10, spellcheck: 'true' });
  textarea.value = value;
  const body = h('div', { class: 'md-body' });
  // Named by its visible caption only: a name holding the field's label would
  // make "the field labelled X" ambiguous.
  const captionId = `${attrs.id}-preview`;
  const preview = h('section', { class: 'md-preview', 'aria-labelledby': captionId },
    h('p', { class: 'md-caption', id: captionId }, 'Preview'), body);
  let timer = 0;
  let seq = 0;
  const render = async () => {
    const mine = ++seq;
    try {
      const data = await gql(RENDER, { m: textarea.value });
      if (mine === seq) body.innerHTML = data.renderMarkdown.html;
    } catch (e) {
      if (mine === seq) body.replaceChildren(h('p', { class: 'md-error', title: e.message }, 'The preview is not available right now.'));
    }
  };
  textarea.addEventListener('input', () => {
    onInput?.();
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  render();
  return { node: h('div', { class: 'md-editor' }, textarea, preview), textarea, refresh: render };
}
