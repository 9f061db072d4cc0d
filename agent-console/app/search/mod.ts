/**
 * The search results view's lazily loaded chunk (its filter row and hits): `Inbox` reaches it
 * only through a dynamic `import()` (`components/SearchPanel.tsx`), so the build gives it a chunk
 * of its own (`console-search-js`) and the console's first load does not carry it.
 *
 * @module
 */

export { SearchResults } from "./SearchResults.tsx";
