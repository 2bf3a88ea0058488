// One stylesheet for the callbox surfaces: readable contrast (WCAG AA: text ≥ 4.5:1), visible
// focus, touch-sized targets, fits a 360 px wide phone.
export const BASE_CSS = `
:host { all: initial; display: block; }
.cb-root, .cb-root * { box-sizing: border-box; }
.cb-root { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; }
.cb-root h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
.cb-root p { margin: .25rem 0 .75rem; }
.cb-root a { color: #1d4ed8; }
.cb-root button { font: inherit; cursor: pointer; min-height: 44px; border-radius: 8px; padding: .5rem 1rem; }
.cb-root .primary { background: #1d4ed8; color: #fff; border: 2px solid #1d4ed8; font-weight: 600; }
.cb-root .primary:hover { background: #1e40af; }
.cb-root .primary[disabled] { background: #6b7280; border-color: #6b7280; cursor: not-allowed; }
.cb-root .secondary { background: #fff; color: #1d4ed8; border: 2px solid #1d4ed8; }
.cb-root .danger { background: #b91c1c; color: #fff; border: 2px solid #b91c1c; font-weight: 600; }
.cb-root :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.cb-root fieldset { border: 0; padding: 0; margin: 0 0 .75rem; min-width: 0; }
.cb-root legend, .cb-root label.field { font-weight: 600; display: block; margin-bottom: .35rem; padding: 0; }
.cb-root input[type=tel], .cb-root input[type=text] { font: inherit; width: 100%; min-height: 44px; padding: .5rem .75rem; border: 2px solid #6b7280; border-radius: 8px; color: #111827; background: #fff; }
.cb-root input[aria-invalid=true] { border-color: #b91c1c; }
.cb-root .hint { color: #4b5563; font-size: .875rem; margin: .25rem 0 0; }
.cb-root .error { color: #b91c1c; font-size: .9rem; margin: .35rem 0 0; font-weight: 600; }
.cb-root .muted { color: #4b5563; }
.cb-root .modes, .cb-root .days, .cb-root .times { display: flex; flex-wrap: wrap; gap: .5rem; }
.cb-root .chip { position: relative; display: inline-flex; flex-direction: column; align-items: flex-start; gap: .1rem; border: 2px solid #9ca3af; border-radius: 8px; padding: .45rem .7rem; min-height: 44px; cursor: pointer; background: #fff; }
.cb-root .chip input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
.cb-root .chip:focus-within { outline: 3px solid #f59e0b; outline-offset: 2px; }
.cb-root .chip-on { border-color: #1d4ed8; background: #eff6ff; }
.cb-root .chip-off { color: #6b7280; background: #f3f4f6; cursor: not-allowed; text-decoration: line-through; }
.cb-root .times .chip { flex: 1 1 8.5rem; }
.cb-root .time { font-weight: 600; }
.cb-root .left { font-size: .85rem; color: #374151; }
.cb-root .check { display: flex; gap: .5rem; align-items: flex-start; margin: .5rem 0 .75rem; }
.cb-root .check input { width: 1.25rem; height: 1.25rem; margin-top: .1rem; flex: none; }
.cb-root .actions { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: .5rem; }
.cb-root .status { font-weight: 600; }
`;
