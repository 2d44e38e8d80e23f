import { Extension } from '@tiptap/core'
import type { Node as ProseMirrorNode } from '@tiptap/pm/model'
import { type EditorState, Plugin, PluginKey, TextSelection, type Transaction } from '@tiptap/pm/state'
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view'
import { ySyncPluginKey, yUndoPluginKey } from '@tiptap/y-tiptap'

/** A match's document range. */
export interface FindMatch {
  from: number
  to: number
}

export interface FindQuery {
  query: string
  caseSensitive: boolean
}

/** Stands for an inline node that is not text (a hard break): one position, never matched. */
const NON_TEXT = '\uFFFC'

/**
 * Lower case without moving anything: a character whose lower case is longer (`İ`) stays as it
 * is, so string offsets remain document offsets.
 */
function foldCase(text: string): string {
  const lower = text.toLowerCase()
  if (lower.length === text.length) return lower
  let folded = ''
  for (const char of text) {
    const l = char.toLowerCase()
    folded += l.length === char.length ? l : char
  }
  return folded
}

/**
 * Every occurrence of `query` in the document's text, in order. A match may run across marks
 * (`**bo**ld`) but not across blocks or a non-text inline node; matches do not overlap (after
 * one, the search goes on from its end, as a browser's find does). Case-insensitive unless
 * `caseSensitive`.
 */
export function findMatches(doc: ProseMirrorNode, { query, caseSensitive }: FindQuery): FindMatch[] {
  if (query === '') return []
  const needle = caseSensitive ? query : foldCase(query)
  const matches: FindMatch[] = []
  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true
    let text = ''
    node.forEach((child) => {
      text += child.isText ? (child.text ?? '') : NON_TEXT.repeat(child.nodeSize)
    })
    const haystack = caseSensitive ? text : foldCase(text)
    const start = pos + 1
    for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
      matches.push({ from: start + at, to: start + at + needle.length })
    }
    return false
  })
  return matches
}

export interface FindState extends FindQuery {
  matches: FindMatch[]
  /** Index of the current match in `matches`, -1 when there is none. */
  current: number
  decorations: DecorationSet
}

type FindMeta =
  | { type: 'search'; query: string; caseSensitive: boolean; near: number }
  | { type: 'move'; current: number }
  /** A replacement: the search goes on from `near`, after the replaced text. */
  | { type: 'continue'; near: number }

export const findPluginKey = new PluginKey<FindState>('tandemFind')

const EMPTY: FindState = { query: '', caseSensitive: false, matches: [], current: -1, decorations: DecorationSet.empty }

/** The match starting closest to `pos`, -1 without matches. */
function matchNearest(matches: FindMatch[], pos: number): number {
  let best = -1
  for (const [index, match] of matches.entries()) {
    if (best === -1 || Math.abs(match.from - pos) < Math.abs((matches[best] as FindMatch).from - pos)) best = index
  }
  return best
}

/** The first match starting at or after `pos` (wrapping to the first), -1 without matches. */
function matchAtOrAfter(matches: FindMatch[], pos: number): number {
  if (matches.length === 0) return -1
  const index = matches.findIndex((match) => match.from >= pos)
  return index === -1 ? 0 : index
}

function decorate(doc: ProseMirrorNode, matches: FindMatch[], current: number): DecorationSet {
  if (matches.length === 0) return DecorationSet.empty
  return DecorationSet.create(
    doc,
    matches.map((match, index) =>
      Decoration.inline(match.from, match.to, {
        class: index === current ? 'tandem-find-match tandem-find-match--current' : 'tandem-find-match',
        ...(index === current ? { 'data-find-current': 'true' } : {}),
      }),
    ),
  )
}

function withMatches(doc: ProseMirrorNode, query: FindQuery, current: (matches: FindMatch[]) => number): FindState {
  const matches = findMatches(doc, query)
  const index = current(matches)
  return { ...query, matches, current: index, decorations: decorate(doc, matches, index) }
}

/**
 * Find and replace as a ProseMirror plugin: the query lives in plugin state, its matches are
 * inline decorations (`.tandem-find-match`, the current one also `--current`), and they are
 * found again whenever the document changes, a collaborator's edit included, keeping the
 * current match where it was.
 */
export function findPlugin(): Plugin<FindState> {
  return new Plugin<FindState>({
    key: findPluginKey,
    state: {
      init: () => EMPTY,
      apply(tr: Transaction, value: FindState, _old: EditorState, state: EditorState): FindState {
        const meta = tr.getMeta(findPluginKey) as FindMeta | undefined
        if (meta?.type === 'search') {
          if (meta.query === '') return { ...EMPTY, caseSensitive: meta.caseSensitive }
          return withMatches(state.doc, meta, (matches) => matchAtOrAfter(matches, meta.near))
        }
        if (meta?.type === 'move') {
          return { ...value, current: meta.current, decorations: decorate(state.doc, value.matches, meta.current) }
        }
        if (!tr.docChanged || value.query === '') return value
        if (meta?.type === 'continue') return withMatches(state.doc, value, (matches) => matchAtOrAfter(matches, meta.near))
        const previous = value.matches[value.current]
        if (!previous) return withMatches(state.doc, value, () => -1)
        // A collaborator's change arrives as one replacement of the whole document (y-tiptap),
        // which maps every position to an end: stay with the match closest to where the current
        // one was instead. A local edit maps precisely.
        if (tr.getMeta(ySyncPluginKey)?.isChangeOrigin) {
          return withMatches(state.doc, value, (matches) => matchNearest(matches, previous.from))
        }
        const near = tr.mapping.map(previous.from, -1)
        return withMatches(state.doc, value, (matches) => matchAtOrAfter(matches, near))
      },
    },
    props: {
      decorations: (state) => findPluginKey.getState(state)?.decorations ?? DecorationSet.empty,
    },
  })
}

/** {@link findPlugin} as a Tiptap extension. */
export const Find = Extension.create({
  name: 'tandemFind',
  addProseMirrorPlugins: () => [findPlugin()],
})

export function readFind(state: EditorState): FindState {
  return findPluginKey.getState(state) ?? EMPTY
}

/** Searches for `query` (empty: stop searching, no highlights), starting from the selection. */
export function setFindQuery(view: EditorView, query: string, caseSensitive: boolean): void {
  const meta: FindMeta = { type: 'search', query, caseSensitive, near: view.state.selection.from }
  view.dispatch(view.state.tr.setMeta(findPluginKey, meta).setMeta('addToHistory', false))
}

/** Makes the next (`+1`) or previous (`-1`) match current, wrapping around. */
export function moveFindMatch(view: EditorView, direction: 1 | -1): void {
  const { matches, current } = readFind(view.state)
  if (matches.length === 0) return
  const next = (current + direction + matches.length) % matches.length
  const meta: FindMeta = { type: 'move', current: next }
  view.dispatch(view.state.tr.setMeta(findPluginKey, meta).setMeta('addToHistory', false))
}

/** Selects the current match (when the find bar closes, so the writer continues from it). */
export function selectCurrentMatch(view: EditorView): void {
  const { matches, current } = readFind(view.state)
  const match = matches[current]
  if (!match) return
  view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, match.from, match.to)))
}

/** Replaces the current match (keeping its marks); the following match becomes current. */
export function replaceCurrentMatch(view: EditorView, replacement: string): boolean {
  const { matches, current } = readFind(view.state)
  const match = matches[current]
  if (!match || !view.editable) return false
  const meta: FindMeta = { type: 'continue', near: match.from + replacement.length }
  view.dispatch(view.state.tr.insertText(replacement, match.from, match.to).setMeta(findPluginKey, meta))
  return true
}

/**
 * Replaces every match in one transaction, which is also one undo step of its own: the undo
 * manager stops merging before and after it (otherwise typing just before would undo with it).
 * Returns how many were replaced.
 */
export function replaceAllMatches(view: EditorView, replacement: string): number {
  const { matches } = readFind(view.state)
  if (matches.length === 0 || !view.editable) return 0
  const undoManager = yUndoPluginKey.getState(view.state)?.undoManager
  undoManager?.stopCapturing()
  const tr = view.state.tr
  // From the end, so earlier positions stay valid.
  for (let i = matches.length - 1; i >= 0; i--) {
    const match = matches[i] as FindMatch
    tr.insertText(replacement, match.from, match.to)
  }
  view.dispatch(tr)
  undoManager?.stopCapturing()
  return matches.length
}
