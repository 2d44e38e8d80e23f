import { describe, expect, it } from 'vitest'
import { filterSlashCommands, SLASH_COMMANDS } from '../../lib/editor/slash-commands'

/** lib/editor/slash-commands.ts: which `/` entries match what was typed, best first. */

const titles = (query: string) => filterSlashCommands(query).map((command) => command.title)

describe('filterSlashCommands', () => {
  it('lists every entry, in order, for an empty query', () => {
    expect(titles('')).toEqual(SLASH_COMMANDS.map((command) => command.title))
    expect(titles('')).toEqual([
      'Text',
      'Heading 1',
      'Heading 2',
      'Heading 3',
      'Bullet list',
      'Numbered list',
      'Checklist',
      'Quote',
      'Code block',
      'Table',
      'Divider',
    ])
  })

  it('ranks a title prefix first, then a word of the title, then keywords, then anything containing it', () => {
    expect(titles('tab')).toEqual(['Table'])
    expect(titles('h2')[0]).toBe('Heading 2')
    expect(titles('H2')[0]).toBe('Heading 2')
    expect(titles('heading2')).toEqual(['Heading 2'])
    expect(titles('head')).toEqual(['Heading 1', 'Heading 2', 'Heading 3'])
    // "list": a word of three titles.
    expect(titles('list')).toEqual(['Bullet list', 'Numbered list', 'Checklist'])
    expect(titles('todo')).toEqual(['Checklist'])
    expect(titles('hr')).toEqual(['Divider'])
    expect(titles('code')).toEqual(['Code block'])
    // Substring of a title, last.
    expect(titles('ote')).toEqual(['Quote'])
  })

  it('matches nothing for unknown words, and takes another list of entries', () => {
    expect(titles('zzz')).toEqual([])
    const extra = { id: 'image', title: 'Image', description: 'Upload a picture', keywords: ['picture'], icon: 'image', run: () => {} }
    expect(filterSlashCommands('pic', [...SLASH_COMMANDS, extra]).map((c) => c.id)).toEqual(['image'])
  })
})
