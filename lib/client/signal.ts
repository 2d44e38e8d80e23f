/** A value with change listeners; `subscribe` returns its unsubscribe function. */
export interface ReadonlySignal<T> {
  readonly value: T
  subscribe(listener: (value: T) => void): () => void
}

export class Signal<T> implements ReadonlySignal<T> {
  private readonly listeners = new Set<(value: T) => void>()

  constructor(
    private current: T,
    private readonly equals: (a: T, b: T) => boolean = Object.is,
  ) {}

  get value(): T {
    return this.current
  }

  set(next: T): void {
    if (this.equals(this.current, next)) return
    this.current = next
    for (const listener of [...this.listeners]) listener(next)
  }

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}
