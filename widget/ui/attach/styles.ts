/**
 * The attachment chunk's CSS, adopted into the widget's shadow root beside the panel's (whose
 * custom properties it uses: `--ln`, `--sf`, `--bg`, `--fg`, `--mu`, `--lk`). Minified at build
 * time like `widget/ui/styles.ts`.
 *
 * @module
 */

/** The chunk's stylesheet text. */
export const ATTACH_CSS = `
.c{flex-wrap:wrap}
.tr{flex:0 0 100%;display:flex;flex-direction:column;gap:6px;max-height:40vh;overflow-y:auto}
.tf{display:flex;align-items:center;gap:8px;padding:6px;border:1px solid var(--ln);border-radius:10px;background:var(--sf);font-size:13px}
.tf img,.tx{width:40px;height:40px;border-radius:6px;object-fit:cover;flex:none}
.tx{display:grid;place-items:center;background:var(--ln);color:var(--fg);font-size:11px;font-weight:700;overflow:hidden}
.tn{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tf progress{width:72px;flex:none}
.te{flex:2;color:#b3261e}
.te .lk{margin-inline-start:6px;font-size:13px}
.tw,.tq{color:var(--mu)}
.tq{margin:0;font-size:13px}
.tc{border:0;background:none;font-size:20px;line-height:1;padding:4px 8px;border-radius:50%;flex:none}
.fs{display:flex;flex-wrap:wrap;gap:6px}
.bb>.fs:not(:first-child){margin-top:6px}
.th{border:0;padding:0;background:none;border-radius:10px;overflow:hidden;display:block}
.th img{display:block;max-width:220px;max-height:180px;width:auto;height:auto;background:var(--ln)}
.fc{display:flex;align-items:center;gap:10px;text-align:start;border:1px solid var(--ln);border-radius:10px;padding:8px;background:var(--bg);color:var(--fg);font-size:13px;max-width:240px;white-space:normal}
.fc b{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600;max-width:170px}
.lb{position:absolute;inset:0;z-index:1;display:flex;flex-direction:column;background:#000e;color:#fff}
.lh{display:flex;align-items:center;gap:8px;padding:10px 12px;font-size:14px}
.lh span{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.lb .lk{color:#fff}
.lb img{flex:1;min-height:0;width:100%;object-fit:contain}
`;
