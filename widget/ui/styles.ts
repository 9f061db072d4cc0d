/**
 * The chat panel's CSS, adopted into the widget's shadow root as a constructable stylesheet.
 * The loader sets on `:host`: `--pc`, the brand colour, and `--pt`, black or white, whichever
 * reads best on it (WCAG). Everything drawn on `--pc` uses `--pt`; the brand colour is never text
 * on the panel's background (links and focus rings use `--lk`, a neutral that passes 4.5:1).
 * Spacing uses logical properties (`inline-start`/`end`) so Arabic and Hebrew mirror through
 * `dir="rtl"` on the panel alone. The first rules style the loader's launcher: its unread badge
 * (which the UI adds), and once open its label hides, and on phones the whole launcher (the
 * panel is full screen). One rule per line;
 * the bundle does not carry this text as written: `widget/build.ts` runs it through esbuild's CSS
 * minifier (esbuild does not minify CSS inside strings by itself).
 *
 * @module
 */

/** The panel stylesheet text. */
export const PANEL_CSS = `
:host([open]) .ll,.ub:empty,.lc[hidden],.p[hidden]{display:none}
.ub{position:absolute;top:-4px;right:-4px;min-width:8px;padding:0 6px;border-radius:10px;background:#c5221f;color:#fff;font-size:12px;line-height:20px}
.p{--bg:#fff;--fg:#1d1f24;--mu:#5b606d;--ln:#e2e4e9;--sf:#f5f6f8;--ag:#fff;--lk:#0b57d0;
position:fixed;z-index:2147483001;bottom:88px;right:20px;width:380px;height:min(620px,calc(100vh - 108px));
display:flex;flex-direction:column;overflow:hidden;background:var(--bg);color:var(--fg);border-radius:16px;
box-shadow:0 12px 40px #0003,0 0 0 1px #0001;font:15px/1.45 system-ui,sans-serif}
:host([data-left]) .p{right:auto;left:20px}
.un{height:auto}
.p:focus{outline:0}
@media(prefers-color-scheme:dark){.p{--bg:#1d1e23;--fg:#ecedf0;--mu:#a3a7b3;--ln:#34363e;--sf:#16171b;--ag:#2a2c33;--lk:#9db0ff}}
@media(prefers-reduced-motion:no-preference){.p{animation:in .2s ease-out}.dots i{animation:b 1.2s infinite}
.dots i+i{animation-delay:.15s}.dots i+i+i{animation-delay:.3s}}
@keyframes in{from{opacity:0;transform:translateY(12px)}}
@keyframes b{30%{transform:translateY(-3px);opacity:1}}
@media(max-width:639px){:host([open]) .lc{display:none}.p{inset:0;width:auto;height:var(--vvh,100dvh);border-radius:0}}
button,input,textarea{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:2px solid var(--lk);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.h{display:flex;align-items:center;gap:12px;padding:14px 12px;padding-inline-start:18px;background:var(--pc);color:var(--pt)}
.h>div{flex:1}
.h h2{margin:0;font-size:17px;line-height:1.3}
.h p{margin:2px 0 0;font-size:13px}
.h :focus-visible{outline-color:var(--pt)}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-inline-end:6px;background:#bbb}
.on{background:#4ade80}
.ib{display:grid;place-items:center;width:40px;height:40px;border:0;border-radius:50%;background:none;padding:0;flex:none}
.ib:hover{background:#fff3}
.ib svg{width:24px;fill:currentColor}
.bn{margin:0;padding:8px 16px;font-size:13px;background:#fff4d6;color:#5c4400}
.l{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:16px 14px 8px;background:var(--sf);display:flex;flex-direction:column;gap:12px}
.g{display:flex;flex-direction:column;gap:3px;align-items:flex-start;max-width:85%}
.v{align-self:flex-end;align-items:flex-end}
.s{align-self:center;align-items:center;font-size:13px;color:var(--mu)}
.who{font-size:12px;font-weight:600;color:var(--mu);margin-inline-start:4px}
.m{display:flex;align-items:flex-end;gap:4px}
.v .m{flex-direction:row-reverse}
.bb{padding:8px 12px;border-radius:16px;border-end-start-radius:4px;background:var(--ag);border:1px solid var(--ln);white-space:pre-wrap;overflow-wrap:anywhere}
.v .bb{background:var(--pc);color:var(--pt);border-color:#0002;border-radius:16px;border-end-end-radius:4px}
.s .bb{background:none;border:0}
a,.lk{color:var(--lk)}
.v a{color:inherit}
.t{font-size:12px;color:var(--mu);margin:0 4px}
.ds{display:flex;color:var(--mu)}
.ds svg{width:14px;fill:currentColor}
.fl{font-size:13px;color:#c5221f}
.lk{border:0;background:none;font-weight:600;text-decoration:underline}
.card{background:var(--bg);border:1px solid var(--ln);border-radius:12px;padding:12px 14px;font-size:14px}
.card p{margin:0 0 8px}
.card form{display:flex;gap:8px}
.card input{flex:1;min-width:0;padding:8px 10px;border:1px solid var(--ln);border-radius:8px;background:var(--bg);font-size:16px}
.pb{border:0;border-radius:8px;background:var(--pc);color:var(--pt);box-shadow:inset 0 0 0 1px #0002;padding:8px 12px;font-weight:600}
.ty{display:flex;align-items:center;gap:8px;min-height:20px;padding:0 18px 2px;font-size:13px;color:var(--mu);background:var(--sf)}
.dots{display:flex;gap:3px}
.dots i{width:5px;height:5px;border-radius:50%;background:currentColor;opacity:.5}
.c{display:flex;align-items:flex-end;gap:8px;padding:10px 10px max(10px,env(safe-area-inset-bottom));padding-inline-start:14px;border-top:1px solid var(--ln)}
.c:focus-within{box-shadow:inset 0 2px var(--lk)}
.c textarea{flex:1;resize:none;border:0;background:none;padding:9px 0;max-height:128px;font-size:16px;line-height:1.35;outline:0}
.c textarea::placeholder{color:var(--mu)}
.c .ib{background:var(--pc);color:var(--pt);box-shadow:inset 0 0 0 1px #0002}
[dir=rtl] .c svg{transform:scaleX(-1)}
.c svg{width:20px}
`;
