/**
 * The rating chunk's CSS (the five stars), adopted into the widget's shadow root beside the
 * panel's when the chunk mounts. Minified at build time like `widget/ui/styles.ts`.
 *
 * @module
 */

/** The chunk's stylesheet text. */
export const RATING_CSS = `
.st{display:flex;margin-bottom:4px;color:#80858f}
.st>*{border:0;background:none;padding:2px;color:inherit;display:grid}
.st svg{width:30px;fill:currentColor}
.st:hover>*{color:#e8a317;background:none}
.st>:hover~*{color:#80858f}
`;
