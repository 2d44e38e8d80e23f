import type { Editor } from '@tiptap/core'

/**
 * The `/` menu's entries, as data: what each is called, the words that find it, and what it does
 * (after the menu has removed the typed `/query`). A new block type is one more entry here.
 * `icon` names a picture the menu knows (lib/react/slash-menu.tsx); an unknown one shows the
 * title's first letter.
 */
export interface SlashCommand {
  id: string
  title: string
  /** One line under the title. */
  description: string
  /** Other words that find the entry (`h2`, `todo`, `hr`…). */
  keywords: readonly string[]
  icon: string
  run(editor: Editor): void
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  {
    id: 'paragraph',
    title: 'Text',
    description: 'Plain paragraph',
    keywords: ['paragraph', 'plain', 'p'],
    icon: 'text',
    run: (e) => e.chain().focus().setParagraph().run(),
  },
  {
    id: 'heading1',
    title: 'Heading 1',
    description: 'Large section heading',
    keywords: ['h1', 'title'],
    icon: 'h1',
    run: (e) => e.chain().focus().setHeading({ level: 1 }).run(),
  },
  {
    id: 'heading2',
    title: 'Heading 2',
    description: 'Medium section heading',
    keywords: ['h2', 'subtitle'],
    icon: 'h2',
    run: (e) => e.chain().focus().setHeading({ level: 2 }).run(),
  },
  {
    id: 'heading3',
    title: 'Heading 3',
    description: 'Small section heading',
    keywords: ['h3'],
    icon: 'h3',
    run: (e) => e.chain().focus().setHeading({ level: 3 }).run(),
  },
  {
    id: 'bulletList',
    title: 'Bullet list',
    description: 'A list with bullets',
    keywords: ['ul', 'unordered', 'bulleted'],
    icon: 'bulletList',
    run: (e) => e.chain().focus().toggleBulletList().run(),
  },
  {
    id: 'orderedList',
    title: 'Numbered list',
    description: 'A list with numbers',
    keywords: ['ol', 'ordered'],
    icon: 'orderedList',
    run: (e) => e.chain().focus().toggleOrderedList().run(),
  },
  {
    id: 'taskList',
    title: 'Checklist',
    description: 'Items to tick off',
    keywords: ['todo', 'task', 'checkbox'],
    icon: 'taskList',
    run: (e) => e.chain().focus().toggleTaskList().run(),
  },
  {
    id: 'blockquote',
    title: 'Quote',
    description: 'A quotation',
    keywords: ['blockquote', 'citation'],
    icon: 'blockquote',
    run: (e) => e.chain().focus().toggleBlockquote().run(),
  },
  {
    id: 'codeBlock',
    title: 'Code block',
    description: 'Preformatted code',
    keywords: ['code', 'pre', 'snippet'],
    icon: 'codeBlock',
    run: (e) => e.chain().focus().setCodeBlock().run(),
  },
  {
    id: 'table',
    title: 'Table',
    description: '3 × 3 table with a header row',
    keywords: ['grid', 'columns'],
    icon: 'table',
    run: (e) => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(),
  },
  {
    id: 'divider',
    title: 'Divider',
    description: 'A horizontal line',
    keywords: ['hr', 'horizontal rule', 'line', 'separator'],
    icon: 'divider',
    run: (e) => e.chain().focus().setHorizontalRule().run(),
  },
]

const squash = (text: string) => text.toLowerCase().replace(/\s+/g, '')

/**
 * The entries matching what was typed after `/`, best first: the title starts with it, then a
 * word of the title does, then a keyword does, then the title merely contains it. Case and
 * spaces do not matter (`/heading2`, `/H2`); an empty query lists everything in order.
 */
export function filterSlashCommands(query: string, commands: readonly SlashCommand[] = SLASH_COMMANDS): SlashCommand[] {
  const q = squash(query)
  if (q === '') return [...commands]
  const ranked: { command: SlashCommand; rank: number; index: number }[] = []
  commands.forEach((command, index) => {
    const title = command.title.toLowerCase()
    let rank = -1
    if (squash(title).startsWith(q)) rank = 0
    else if (title.split(/\s+/).some((word) => word.startsWith(q))) rank = 1
    else if (command.keywords.some((keyword) => squash(keyword).startsWith(q))) rank = 2
    else if (squash(title).includes(q)) rank = 3
    if (rank >= 0) ranked.push({ command, rank, index })
  })
  return ranked.sort((a, b) => a.rank - b.rank || a.index - b.index).map((entry) => entry.command)
}
