/**
 * A bounded FIFO per client: when full, the oldest item is dropped (a watcher wants the newest
 * events) and counted. The consumer only ever pushes here, so a slow client can cost memory up
 * to `capacity` items and never time.
 */
export class DropOldestBuffer<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;
  dropped = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  /** Returns true when an old item had to be dropped to make room. */
  push(item: T): boolean {
    if (this.count === this.capacity) {
      this.items[this.head] = item; // overwrite the oldest, then advance
      this.head = (this.head + 1) % this.capacity;
      this.dropped++;
      return true;
    }
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return false;
  }

  shift(): T | undefined {
    if (!this.count) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  get size(): number {
    return this.count;
  }
}
