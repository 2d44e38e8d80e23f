import type { Editor } from '@tiptap/core'
import type { Node as PMNode } from '@tiptap/pm/model'
import type { NodeView } from '@tiptap/pm/view'

/**
 * How an image node shows in the editor: the <img> loads through `displayUrl` (this reader's
 * token added to the server's file address, server rule F4; the document keeps the token-free
 * `src`), and a selected image in an editable editor offers "Alt text": a small form that
 * stores the description in the node's `alt`, which every reader's <img> and the exports get.
 */
export interface ImageViewOptions {
  editor: Editor
  displayUrl: (src: string) => string
}

export class ImageView implements NodeView {
  readonly dom: HTMLElement
  private readonly img: HTMLImageElement
  private readonly altBar: HTMLElement
  private node: PMNode

  constructor(
    node: PMNode,
    private readonly getPos: () => number | undefined,
    private readonly options: ImageViewOptions,
  ) {
    this.node = node
    this.dom = document.createElement('div')
    this.dom.className = 'tandem-image'
    this.img = document.createElement('img')
    this.img.draggable = false
    this.altBar = document.createElement('div')
    this.altBar.className = 'tandem-image__alt'
    this.dom.append(this.img, this.altBar)
    this.render()
  }

  update(node: PMNode): boolean {
    if (node.type !== this.node.type) return false
    this.node = node
    this.render()
    return true
  }

  selectNode(): void {
    this.dom.classList.add('ProseMirror-selectednode')
    if (this.options.editor.isEditable) this.showAltButton()
  }

  deselectNode(): void {
    this.dom.classList.remove('ProseMirror-selectednode')
    this.altBar.replaceChildren()
  }

  /** The alt text form handles its own keys and clicks; ProseMirror leaves them alone. */
  stopEvent(event: Event): boolean {
    return event.target instanceof Node && this.altBar.contains(event.target)
  }

  ignoreMutation(): boolean {
    return true
  }

  private render(): void {
    const { src, alt, title } = this.node.attrs as { src: string | null; alt: string | null; title: string | null }
    const shown = src ? this.options.displayUrl(src) : ''
    if (this.img.getAttribute('src') !== shown) this.img.setAttribute('src', shown)
    // An image without a description is announced by its file name otherwise; empty alt says "decorative".
    this.img.setAttribute('alt', alt ?? '')
    if (title) this.img.setAttribute('title', title)
    else this.img.removeAttribute('title')
    this.dom.dataset.hasAlt = alt ? 'true' : 'false'
  }

  private showAltButton(): void {
    const alt = (this.node.attrs.alt as string | null) ?? ''
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'tandem-image__alt-button'
    button.textContent = alt ? 'Edit alt text' : 'Alt text'
    button.title = alt ? `Alt text: ${alt}` : 'Describe this image for people who cannot see it'
    button.addEventListener('mousedown', (event) => event.preventDefault())
    button.addEventListener('click', () => this.showAltForm())
    this.altBar.replaceChildren(button)
  }

  private showAltForm(): void {
    const form = document.createElement('form')
    form.className = 'tandem-image__alt-form'
    const label = document.createElement('label')
    label.textContent = 'Alt text'
    const input = document.createElement('input')
    input.type = 'text'
    input.maxLength = 500
    input.value = (this.node.attrs.alt as string | null) ?? ''
    input.placeholder = 'Describe the image'
    label.append(input)
    const save = document.createElement('button')
    save.type = 'submit'
    save.textContent = 'Save'
    form.append(label, save)
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.saveAlt(input.value.trim())
    })
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return
      event.preventDefault()
      this.showAltButton()
      this.options.editor.commands.focus()
    })
    this.altBar.replaceChildren(form)
    input.focus()
    input.select()
  }

  private saveAlt(alt: string): void {
    const pos = this.getPos()
    const { editor } = this.options
    if (pos === undefined || !editor.isEditable) return
    editor.view.dispatch(editor.state.tr.setNodeAttribute(pos, 'alt', alt === '' ? null : alt))
    this.showAltButton()
    editor.chain().focus().setNodeSelection(pos).run()
  }
}
