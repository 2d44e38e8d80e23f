import type { TandemConnection } from '../client/connection'
import { initialsOf } from '../client/identity'
import { groupPeople } from '../client/presence'
import { el } from './dom'

/**
 * PresenceList without React: `[data-testid="presence"]` with one `[data-testid="presence-user"]`
 * per person (tabs of one person are grouped), the local person marked "you".
 */
export function createPresenceList(connection: TandemConnection): { element: HTMLElement; destroy(): void } {
  const list = el('ul', { 'data-testid': 'presence', class: 'tandem-presence', 'aria-label': 'People in this document' })
  const render = () => {
    const items = groupPeople(connection.peers.value).map((person) => {
      const avatar = el('span', { class: 'tandem-avatar tandem-avatar--md', 'aria-hidden': 'true' }, [initialsOf(person.name)])
      avatar.style.backgroundColor = person.color
      const item = el('li', { 'data-testid': 'presence-user', class: 'tandem-presence__user' }, [
        avatar,
        el('span', { class: 'tandem-presence__name' }, [person.name]),
      ])
      if (person.isLocal) {
        item.dataset.local = 'true'
        item.append(el('span', { class: 'tandem-presence__you' }, ['you']))
      }
      if (person.clientIds.length > 1) item.append(el('span', { class: 'tandem-presence__tabs' }, [`${person.clientIds.length} tabs`]))
      return item
    })
    list.replaceChildren(...items)
  }
  render()
  return { element: list, destroy: connection.peers.subscribe(render) }
}
